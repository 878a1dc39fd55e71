// Package scenarios describes load: the scenario file (load model, step
// ramp, think time, connections, request mix, stop conditions), its pure
// plan of steps, and the request sources. The engine that executes a plan
// lives in scenarios/engine.
package scenarios

import (
	"time"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/search"
)

// Scenario is the single source of truth for a load scenario: YAML decodes
// into it, `loadlab ramp` flags bind to it, experiment files embed it and
// results record it. Zero values mean "use the documented default" (see
// Defaults).
type Scenario struct {
	Name string `yaml:"name,omitempty" json:"name"`
	// Preset is one of smoke, load, stress, spike, soak; its defaults fill
	// the fields left empty.
	Preset string `yaml:"preset,omitempty" json:"preset,omitempty"`
	// Model is "users" (closed loop, default) or "rate" (open loop).
	Model string `yaml:"model,omitempty" json:"model"`
	// Arrival is the open loop's arrival process: "constant" (default,
	// requests 1/rate apart) or "poisson" (exponential gaps of mean
	// 1/rate). Only for model rate.
	Arrival string `yaml:"arrival,omitempty" json:"arrival,omitempty"`
	Ramp    Ramp   `yaml:"ramp,omitempty" json:"ramp"`
	// Think is the pause of a closed-loop user between requests.
	Think Think `yaml:"think,omitempty" json:"think"`
	// SpawnRate is how many users per second are added (and removed) when
	// a step changes the user count; default 500.
	SpawnRate float64 `yaml:"spawn_rate,omitempty" json:"spawn_rate,omitempty" nonzero:"> 0 users/s"`
	// Connections is "per_user" (default: each user holds its own
	// keep-alive connection) or "shared" (a pool of Pool connections).
	Connections string `yaml:"connections,omitempty" json:"connections,omitempty"`
	Pool        int    `yaml:"pool,omitempty" json:"pool,omitempty" nonzero:"≥ 1 connection"`
	// Timeout bounds each request; default 30s.
	Timeout time.Duration `yaml:"timeout,omitempty" json:"timeout,omitempty" nonzero:"> 0"`
	// MaxWorkers bounds open-loop concurrency; default 10000.
	MaxWorkers int       `yaml:"max_workers,omitempty" json:"max_workers,omitempty" nonzero:"> 0"`
	Stability  Stability `yaml:"stability,omitempty" json:"stability,omitempty"`
	Stop       Stop      `yaml:"stop,omitempty" json:"stop,omitempty"`
	// Goodput lists per-request conditions (slo.ParseGoodput, e.g.
	// "ttft<1s,tpot<100ms"): a successful request that meets them all
	// counts towards the step's goodput_rps. Empty: every successful
	// request counts.
	Goodput string `yaml:"goodput,omitempty" json:"goodput,omitempty"`
	// Requests is the weighted request mix.
	Requests []RequestSpec `yaml:"requests,omitempty" json:"requests,omitempty"`
	// TargetsFile is a vegeta targets file (format TargetsFormat: "http",
	// default, or "json") used as the request source instead of Requests.
	TargetsFile   string `yaml:"targets_file,omitempty" json:"targets_file,omitempty"`
	TargetsFormat string `yaml:"targets_format,omitempty" json:"targets_format,omitempty"`
	// AllowLarge lifts the sanity bounds (users, rate, hold, timeout, think,
	// max_workers, pool, the ramp's length; see Bounds) to the ceilings
	// loadlab allows at all (LargeBounds), for users who mean it.
	AllowLarge bool `yaml:"allow_large,omitempty" json:"allow_large,omitempty"`
	// TLS configures HTTPS to the target: a CA file to trust, or no
	// verification at all.
	TLS TLS `yaml:"tls,omitempty" json:"tls,omitempty"`
	// Dir is the directory that relative paths (body_file, targets_file,
	// tls.ca_file) resolve against: Parse, Decode and Load set it to the
	// directory of the scenario's file; empty means the working directory.
	Dir string `yaml:"-" json:"-"`
}

// Ramp is the step ramp: From, To and By (users, or requests/s for the
// rate model), or an explicit list Steps, or a capacity Search that
// chooses each level from the steps before it. Every step lasts Hold (a
// search's own holds may differ, see search.Capacity); the first Settle of
// each step is excluded from its measurement window.
type Ramp struct {
	From   float64       `yaml:"from,omitempty" json:"from,omitempty" nonzero:"> 0"`
	To     float64       `yaml:"to,omitempty" json:"to,omitempty" nonzero:"> 0"`
	By     float64       `yaml:"by,omitempty" json:"by,omitempty" nonzero:"> 0"`
	Steps  []float64     `yaml:"steps,omitempty" json:"steps,omitempty"`
	Hold   time.Duration `yaml:"hold,omitempty" json:"hold,omitempty" nonzero:"> 0"`
	Settle time.Duration `yaml:"settle,omitempty" json:"settle,omitempty"`
	// NoSettle marks an explicit zero Settle (settle: 0s, --settle 0), so
	// that a preset's settle does not replace it; no effect when Settle > 0.
	NoSettle bool `yaml:"-" json:"no_settle,omitempty"`
	// Search, when set, replaces the ladder (From/To/By/Steps, which it
	// excludes) by a capacity search: the highest load whose step meets
	// the SLO (see Scenario.Planner).
	Search *search.Capacity `yaml:"search,omitempty" json:"search,omitempty"`
}

// Think is a closed-loop user's pause, uniform in [Min, Max]; Min == Max is
// a constant pause. Both zero means "unset" (WithDefaults fills 1s–2.5s)
// unless None is true, which asks for no pause at all (think: 0).
type Think struct {
	Min time.Duration `yaml:"min" json:"min"`
	Max time.Duration `yaml:"max" json:"max"`
	// None marks an explicit zero think time, so that WithDefaults keeps it.
	None bool `yaml:"-" json:"none,omitempty"`
}

// Stability extends a step (up to MaxHold) until its last Windows
// measurement windows agree within Tolerance (fraction) in RPS and p95.
// Not with ramp.search, which repeats loads near the limit instead.
type Stability struct {
	Enabled   bool          `yaml:"enabled,omitempty" json:"enabled,omitempty"`
	Window    time.Duration `yaml:"window,omitempty" json:"window,omitempty" nonzero:"> 0"`
	Windows   int           `yaml:"windows,omitempty" json:"windows,omitempty" nonzero:"≥ 2"`
	Tolerance float64       `yaml:"tolerance,omitempty" json:"tolerance,omitempty" nonzero:"in (0, 1]"`
	MaxHold   time.Duration `yaml:"max_hold,omitempty" json:"max_hold,omitempty" nonzero:"> 0"`
}

// Stop holds the ramp's stop conditions.
type Stop struct {
	// SLO is an slo expression ("p95<1s,error_rate<1%"); the ramp stops
	// after the first step that breaches it by more than Margin (a fraction
	// of each limit). Empty means never stop on the SLO. A ramp.search
	// never stops on it: it is the search's verdict on each probe, and
	// Margin and AbortErrorRate are refused with a search.
	SLO    string  `yaml:"slo,omitempty" json:"slo,omitempty"`
	Margin float64 `yaml:"margin,omitempty" json:"margin,omitempty"`
	// AbortErrorRate (fraction) stops the ramp after a step whose error
	// rate exceeds it; 0 means never.
	AbortErrorRate float64 `yaml:"abort_error_rate,omitempty" json:"abort_error_rate,omitempty"`
}

// Step is one planned step. Offset is from the start of the ramp assuming
// no stability extension; the window measured is [Offset+Settle,
// Offset+Hold).
type Step struct {
	Index  int           `json:"index"`
	Users  int           `json:"users,omitempty"`
	Rate   float64       `json:"rate,omitempty"`
	Offset time.Duration `json:"offset"`
	Hold   time.Duration `json:"hold"`
	Settle time.Duration `json:"settle"`
	// Search marks a step planned by a search (kind, phase, probe; the
	// engine copies it into the step's record); nil for a plain ramp.
	Search *record.Search `json:"search,omitempty"`
}

// Header is one request header.
type Header struct{ Key, Value string }

// Request is one concrete request to send: Path is appended to a base URL.
// Expect lists the statuses that count as success; empty means any 2xx.
type Request struct {
	Name    string
	Method  string
	Path    string
	Headers []Header
	Body    []byte
	Expect  []int
	// Invalid marks a deliberately invalid request (RequestSpec.Invalid):
	// Expect then holds its declared status.
	Invalid bool
	// Stream is the entry's RequestSpec.Stream ("", StreamSSE or
	// StreamNDJSON) and ChunkTimeout its bound per chunk (0: none).
	Stream       string
	ChunkTimeout time.Duration
	// InputTokens is the prompt's length in tokens when the source
	// generated or read it (0: unknown); the engine uses it when the
	// server reports no usage.
	InputTokens int
}

// Source yields requests; Next must be safe for concurrent use. A returned
// Request's Body is its own; Headers and Expect are shared between requests
// and must not be modified.
type Source interface {
	Next() Request
}

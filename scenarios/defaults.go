package scenarios

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/redact"
)

// Global defaults, applied by WithDefaults to fields left empty.
const (
	DefaultModel       = record.ModelUsers
	DefaultHold        = 30 * time.Second
	DefaultThinkMin    = 1 * time.Second
	DefaultThinkMax    = 2500 * time.Millisecond
	DefaultSpawnRate   = 500.0 // users per second
	DefaultConnections = ConnPerUser
	DefaultPool        = 100 // connections, for connections: shared
	DefaultTimeout     = 30 * time.Second
	DefaultMaxWorkers  = 10000
	DefaultWindows     = 3
	DefaultTolerance   = 0.10
	DefaultStressSLO   = "p95<1s,error_rate<1%" // the seed workshops' goal
	DefaultInvalidCode = 422                    // FastAPI/pydantic validation failure
)

// Arrival processes of the open loop (field arrival, model rate only).
const (
	// ArrivalConstant spaces requests evenly: 1/rate apart.
	ArrivalConstant = "constant"
	// ArrivalPoisson draws the gaps between requests from an exponential
	// distribution of mean 1/rate: independent arrivals, as from many
	// uncoordinated clients.
	ArrivalPoisson = "poisson"
)

// CheckArrival returns an error unless a names an arrival process ("" is
// the default, constant).
func CheckArrival(a string) error {
	switch a {
	case "", ArrivalConstant, ArrivalPoisson:
		return nil
	}
	return fmt.Errorf("unknown arrival %q (allowed: %s (evenly spaced), %s (exponential gaps of mean 1/rate))", a, ArrivalConstant, ArrivalPoisson)
}

// Connection modes.
const (
	ConnPerUser = "per_user" // each closed-loop user holds its own keep-alive connection
	ConnShared  = "shared"   // all users share a pool of Pool connections
)

// Presets name the load shapes of the preset field. Each fills only what
// the scenario leaves empty; levels are users, or requests/s under model
// rate. T is ramp.to when set, else the preset's default target.
//
//	preset  ramp (levels)                          hold  settle  other
//	smoke   one step at ramp.from/ramp.to, else 1   10s   0s      sanity check: does the API answer at all
//	load    4 equal steps up to T=100:              1m    10s     the expected load, measured steadily
//	        T/4, T/2, 3T/4, T
//	stress  20 equal steps up to T=10000:           30s   5s      stop.slo defaults to "p95<1s,error_rate<1%",
//	        T/20 … T (500→10000 by 500)                           so the ramp ends after the first breaching step
//	spike   baseline B, peak T=1000, baseline B     1m    0s      B = ramp.from, else T/10; spawn_rate defaults
//	        (ramp.steps [B, T, B])                                to max(500, T) so the jump lands within ~1 s
//	soak    one step at T=100                       1h    1m      long hold to expose leaks and drift
//
// With ramp.search a preset's levels do not apply (the search chooses
// them); its hold, settle and stress's stop.slo still do.
//
// ramp.from, when set, replaces the first level of load and stress
// (ramp.by still defaults to T/4 or T/20); explicit ramp.steps are kept
// as written. A preset's settle is capped at a third of the hold, so a
// short hold of your own never collides with it, and never replaces an
// explicit settle: 0 (Ramp.NoSettle). Under model users the
// derived levels are rounded to whole users (at least 1).
var Presets = []string{"smoke", "load", "stress", "spike", "soak"}

type preset struct {
	target       float64 // default ramp.to
	steps        float64 // load and stress: the number of equal steps
	hold, settle time.Duration
}

var presets = map[string]preset{
	"smoke":  {target: 1, hold: 10 * time.Second},
	"load":   {target: 100, steps: 4, hold: time.Minute, settle: 10 * time.Second},
	"stress": {target: 10000, steps: 20, hold: 30 * time.Second, settle: 5 * time.Second},
	"spike":  {target: 1000, hold: time.Minute},
	"soak":   {target: 100, hold: time.Hour, settle: time.Minute},
}

// WithDefaults returns s with every empty field filled: first from the
// preset (see Presets), then from the global defaults: model users, hold
// 30s, think 1s–2.5s (closed loop only, unless think is explicitly 0),
// spawn_rate 500 users/s, connections per_user (pool 100 when shared),
// timeout 30s, max_workers 10000, stability (when enabled) 3 windows of
// (hold-settle)/3 within 10 % and max_hold 3×hold, targets_format http,
// and per request weight 1, method POST with a body (GET without), name
// "METHOD path", invalid.expect_status 422 and, in a prompts block, each
// length's min 1 and max MaxPromptTokens. With no preset, a ramp
// with only ramp.from is the single step ramp.from. A ramp.search gets
// search.Capacity's defaults for the ramp's hold and model (whole users
// under model users).
//
// WithDefaults is idempotent and never modifies s's slices or its search.
func (s Scenario) WithDefaults() Scenario {
	s.Ramp.Steps = slices.Clone(s.Ramp.Steps)
	s.Requests = slices.Clone(s.Requests)
	if s.Model == "" {
		s.Model = DefaultModel
	}
	if p, ok := presets[s.Preset]; ok {
		s.applyPreset(p)
	}
	r := &s.Ramp
	if len(r.Steps) == 0 && r.To == 0 && r.From > 0 {
		r.To = r.From
	}
	if r.Hold == 0 {
		r.Hold = DefaultHold
	}
	if r.Search != nil {
		c := r.Search.WithDefaults(r.Hold, s.Model == record.ModelUsers)
		r.Search = &c
	}
	if s.Model == record.ModelUsers && s.Think.Min == 0 && s.Think.Max == 0 && !s.Think.None {
		s.Think = Think{Min: DefaultThinkMin, Max: DefaultThinkMax}
	}
	if s.SpawnRate == 0 {
		s.SpawnRate = DefaultSpawnRate
	}
	if s.Connections == "" {
		s.Connections = DefaultConnections
	}
	if s.Model == record.ModelRate && s.Arrival == "" {
		s.Arrival = ArrivalConstant
	}
	if s.Connections == ConnShared && s.Pool == 0 {
		s.Pool = DefaultPool
	}
	if s.Timeout == 0 {
		s.Timeout = DefaultTimeout
	}
	if s.MaxWorkers == 0 {
		s.MaxWorkers = DefaultMaxWorkers
	}
	if st := &s.Stability; st.Enabled {
		if st.Windows == 0 {
			st.Windows = DefaultWindows
		}
		if st.Tolerance == 0 {
			st.Tolerance = DefaultTolerance
		}
		if st.Window == 0 && st.Windows > 0 && r.Hold > r.Settle {
			st.Window = (r.Hold - r.Settle) / time.Duration(st.Windows)
		}
		if st.MaxHold == 0 {
			st.MaxHold = 3 * r.Hold
		}
	}
	if s.TargetsFile != "" && s.TargetsFormat == "" {
		s.TargetsFormat = "http"
	}
	for i := range s.Requests {
		q := &s.Requests[i]
		if q.Weight == 0 {
			q.Weight = 1
		}
		if q.Method == "" {
			q.Method = "GET"
			if len(q.Body) > 0 || q.BodyFile != "" {
				q.Method = "POST"
			}
		}
		if q.Name == "" {
			q.Name = q.Method + " " + redact.URL(q.Path) // names are shown: no secret
		}
		if q.Invalid.Fraction > 0 && q.Invalid.ExpectStatus == 0 {
			q.Invalid.ExpectStatus = DefaultInvalidCode
		}
		if q.Prompts != nil {
			pr := q.Prompts.withDefaults()
			q.Prompts = &pr
		}
	}
	return s
}

func (s *Scenario) applyPreset(p preset) {
	r := &s.Ramp
	if r.Hold == 0 {
		r.Hold = p.hold
	}
	if r.Settle == 0 && !r.NoSettle {
		r.Settle = min(p.settle, r.Hold/3)
	}
	if s.Preset == "stress" && s.Stop.SLO == "" {
		s.Stop.SLO = DefaultStressSLO
	}
	if len(r.Steps) > 0 || r.Search != nil {
		return
	}
	switch s.Preset {
	case "smoke", "soak":
		if r.To == 0 {
			r.To = r.From
		}
		if r.To == 0 {
			r.To = p.target
		}
		if r.From == 0 {
			r.From = r.To
		}
	case "load", "stress":
		if r.To == 0 {
			r.To = max(p.target, r.From)
		}
		if r.By == 0 {
			r.By = s.level(r.To / p.steps)
		}
		if r.From == 0 {
			r.From = r.By
		}
	case "spike":
		peak := r.To
		if peak == 0 {
			peak = max(p.target, r.From)
		}
		base := r.From
		if base == 0 {
			base = s.level(peak / 10)
		}
		if r.By == 0 { // a by of its own is reported by Validate
			r.Steps = []float64{base, peak, base}
			r.From, r.To = 0, 0
		}
		if s.SpawnRate == 0 {
			s.SpawnRate = max(DefaultSpawnRate, peak)
		}
	}
}

// level rounds a derived level to whole users (≥ 1) under model users.
func (s *Scenario) level(v float64) float64 {
	if s.Model == record.ModelRate {
		return v
	}
	return max(1, math.Round(v))
}

// isPreset reports whether name is a known preset ("" is none).
func isPreset(name string) bool {
	_, ok := presets[name]
	return ok || name == ""
}

// presetList is the allowed presets for messages.
func presetList() string { return strings.Join(Presets, ", ") }

// Package record defines the step record: one JSON object per measured step,
// appended to steps.jsonl the moment the step ends. The field names and units
// are a contract between the load engine, the experiment runner, reports,
// gates and users' own scripts; change them only with a README update.
package record

import "time"

// Record is one measured step of one configuration (or, when Failure is set,
// the reason a configuration produced no steps).
//
// Units: durations in seconds (suffix _s), latencies in milliseconds (suffix
// _ms), bytes as int64, error_rate as a fraction in [0, 1], rps in requests
// per second over the measurement window.
type Record struct {
	Run       string    `json:"run"`
	Repeat    int       `json:"repeat"`
	Step      int       `json:"step"`
	Config    Config    `json:"config"`
	StartedAt time.Time `json:"started_at"`
	// WindowS is the measurement window in seconds (the step's hold minus
	// its settle time, or less when the step was cut short).
	WindowS float64 `json:"window_s"`
	Load    Load    `json:"load"`

	// Requests counts every request whose result arrived inside the window,
	// plus the requests claimed when it closed: those still unanswered
	// that had been outstanding longer than the window itself, or than the
	// request timeout when that is shorter (an API that never answers must
	// fail, not pass). A claimed request is counted once, as a "timeout"
	// error with status "0", and not again when its result arrives.
	// Successes counts those judged correct (2xx, or a declared expected
	// status), Errors the rest. Dropped counts open-loop requests that
	// could not be sent on schedule; they are not in Requests.
	Requests  int64 `json:"requests"`
	Successes int64 `json:"successes"`
	Errors    int64 `json:"errors"`
	Dropped   int64 `json:"dropped"`
	// InFlight is the number of requests sent whose result had not reached
	// the engine when the window closed, claimed or not (the claimed ones,
	// see Requests, are also in Errors as "timeout"). A request that ends
	// as the window closes is either measured in it or in InFlight, never
	// neither.
	InFlight int64 `json:"in_flight"`

	RPS       float64 `json:"rps"`
	OKRPS     float64 `json:"ok_rps"`
	ErrorRate float64 `json:"error_rate"`

	// ErrorsByKind keys are "http_<code>" for unexpected statuses and
	// "timeout", "refused", "reset", "eof", "tls" (handshake or certificate
	// failure), "header_too_large" (a response header block over 64 KiB)
	// and "other" for transport errors; a streamed response (stream: sse
	// or ndjson) that broke after its 2xx header is "stream_cut" (reset or
	// closed mid-body, ended without the format's end, or a server error
	// chunk) or "stream_timeout" (after the first token, no chunk within
	// chunk_timeout), with
	// status "0".
	ErrorsByKind map[string]int64 `json:"errors_by_kind,omitempty"`
	// ErrorSamples has, for each key of ErrorsByKind, the message of the
	// first error of that kind in the window (at most 300 characters), so
	// that a failing step shows its cause.
	ErrorSamples map[string]string `json:"error_samples,omitempty"`
	// StatusCodes counts every response by status code ("0" for transport errors).
	StatusCodes map[string]int64 `json:"status_codes,omitempty"`

	// Latency covers every request whose result arrived in the window,
	// failures included; it also holds, at their age when the window
	// closed (a lower bound of their latency), the claimed requests and
	// those still in flight for longer than both the tightest latency bound
	// of the SLOs (p95<1s: 1 s) and the window's slowest answer, so that an
	// API that stops answering mid-window breaches it. It is nil (JSON null) when no result arrived:
	// a step without answers has no percentiles, never zeros.
	Latency *Latency `json:"latency_ms"`
	// LatencyOK covers successful requests only; nil when there were none.
	LatencyOK *Latency `json:"latency_ok_ms"`
	// LatencyScheduled (open-loop only) is measured from each request's
	// scheduled send time, correcting coordinated omission.
	LatencyScheduled *Latency `json:"latency_scheduled_ms,omitempty"`

	// Streaming measurements (requests declared with stream: sse or
	// ndjson; see stream.go for the definitions). TTFT, ITL and TPOT are
	// summaries in milliseconds, nil when the step measured none; their
	// histograms (HistogramTTFT, HistogramITL, HistogramTPOT, encoded as
	// Histogram) are always written with them, so that steps of several
	// generators merge exactly.
	TTFT *Latency `json:"ttft_ms,omitempty"`
	ITL  *Latency `json:"itl_ms,omitempty"`
	TPOT *Latency `json:"tpot_ms,omitempty"`
	Stream

	BytesIn  int64 `json:"bytes_in"`
	BytesOut int64 `json:"bytes_out"`
	// OpenConnections is the number of client connections open at the end
	// of the window.
	OpenConnections int `json:"open_connections"`

	Generator Generator `json:"generator"`
	Target    *Target   `json:"target,omitempty"`
	Events    []Event   `json:"events,omitempty"`
	SLO       SLOResult `json:"slo"`

	// Stable is nil when stability checking is off, otherwise whether the
	// step's last measurement windows agreed.
	Stable *bool `json:"stable,omitempty"`
	// Partial marks a step cut short (Ctrl-C, abort); StopReason says why
	// the ramp stopped after (or during) this step.
	Partial    bool   `json:"partial"`
	StopReason string `json:"stop_reason"`
	// Search is set on the steps of a search (a capacity search's probes,
	// a limit search's trials): its phase, verdict and bracket; nil for a
	// plain ramp.
	Search *Search `json:"search,omitempty"`

	// Histogram is the step's latency histogram (all requests, microseconds)
	// in HdrHistogram's compressed base64 encoding, so steps from several
	// generators merge exactly.
	Histogram string `json:"histogram,omitempty"`
	// HistogramOK and HistogramScheduled are LatencyOK's and
	// LatencyScheduled's histograms in the same encoding. Only records of
	// distributed load generation carry them (each agent's record, and
	// the merged record built from them), so that those two merge exactly
	// too; an in-process step omits them.
	HistogramOK        string `json:"histogram_ok,omitempty"`
	HistogramScheduled string `json:"histogram_scheduled,omitempty"`
	HistogramTTFT      string `json:"histogram_ttft,omitempty"`
	HistogramITL       string `json:"histogram_itl,omitempty"`
	HistogramTPOT      string `json:"histogram_tpot,omitempty"`
	// Generators is the per-generator breakdown of a step generated by
	// several agents (generators: N > 1), in agent order; nil for the
	// in-process generator. The step's own counts and latencies are the
	// exact merge of these generators' (see package scenarios/agent).
	Generators []GeneratorShare `json:"generators,omitempty"`

	// Failure is set (and the measurements are empty) when the
	// configuration could not be measured at all: it failed to deploy,
	// never became healthy, or crashed before its first step.
	Failure string `json:"failure,omitempty"`
}

// Load models.
const (
	ModelUsers = "users" // closed loop: users with think time
	ModelRate  = "rate"  // open loop: arrivals per second
)

// Load is the offered load of a step.
type Load struct {
	Model string  `json:"model"`
	Users int     `json:"users,omitempty"`
	Rate  float64 `json:"rate,omitempty"` // requests per second
	// Arrival is the open loop's arrival process: "constant" or "poisson".
	Arrival   string  `json:"arrival,omitempty"`
	ThinkMinS float64 `json:"think_min_s,omitempty"`
	ThinkMaxS float64 `json:"think_max_s,omitempty"`
	// Connections is "per_user" (one keep-alive connection per user) or
	// "shared:<n>" (a pool of n connections).
	Connections string `json:"connections,omitempty"`
}

// Latency is a latency summary in milliseconds.
type Latency struct {
	Min  float64 `json:"min"`
	Mean float64 `json:"mean"`
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P95  float64 `json:"p95"`
	P99  float64 `json:"p99"`
	Max  float64 `json:"max"`
}

// Value returns the named statistic (min, mean, p50, p90, p95, p99, max)
// in milliseconds; false when l is nil (nothing was measured) or the name is
// unknown.
func (l *Latency) Value(name string) (float64, bool) {
	if l == nil {
		return 0, false
	}
	switch name {
	case "min":
		return l.Min, true
	case "mean":
		return l.Mean, true
	case "p50":
		return l.P50, true
	case "p90":
		return l.P90, true
	case "p95":
		return l.P95, true
	case "p99":
		return l.P99, true
	case "max":
		return l.Max, true
	}
	return 0, false
}

// Generator is the load generator's own resource use over the window.
type Generator struct {
	// CPUPct is process CPU time over wall time, in percent of one core.
	CPUPct float64 `json:"cpu_pct"`
	// CPUAvailablePct is 100 × the cores the generator may use.
	CPUAvailablePct float64 `json:"cpu_available_pct"`
	RSSBytes        int64   `json:"rss_bytes"`
	// LagMs is the open-loop send lag at p95 (actual minus scheduled send).
	LagMs float64 `json:"lag_ms,omitempty"`
	// Saturated is true when CPUPct exceeded 85 % of CPUAvailablePct or
	// open-loop sends lagged the schedule: the step is untrustworthy.
	Saturated bool   `json:"saturated"`
	Warning   string `json:"warning,omitempty"`
}

// GeneratorShare is one agent's part of a step generated by several
// agents: the share of the load it was given and what it measured over
// its own window.
type GeneratorShare struct {
	// ID names the agent (unique in the run); Node is the host it ran on.
	ID   string `json:"id"`
	Node string `json:"node,omitempty"`
	// Users (closed loop) or Rate (open loop, requests per second) is the
	// agent's share of the step's load.
	Users int     `json:"users,omitempty"`
	Rate  float64 `json:"rate,omitempty"`
	// Requests and Errors count as the step's do, over the agent's window
	// of WindowS seconds; RPS is Requests per second of it.
	Requests int64   `json:"requests"`
	Errors   int64   `json:"errors"`
	WindowS  float64 `json:"window_s"`
	RPS      float64 `json:"rps"`
	// CPUPct is the agent's CPU time over wall time in percent of one
	// core, out of CPUAvailablePct (100 × its cores); RSSBytes its peak
	// resident memory in bytes; Saturated as Generator.Saturated.
	CPUPct          float64 `json:"cpu_pct"`
	CPUAvailablePct float64 `json:"cpu_available_pct"`
	RSSBytes        int64   `json:"rss_bytes"`
	Saturated       bool    `json:"saturated"`
	Warning         string  `json:"warning,omitempty"`
	// Partial is true when no record of this agent arrived for the step
	// (it died or stopped answering); Reason says why, and its counts are
	// then zero: the step holds what the others measured.
	Partial bool   `json:"partial,omitempty"`
	Reason  string `json:"reason,omitempty"`
}

// Target is the deployment's resource use over the window, summed across
// replicas (Replicas holds each one).
type Target struct {
	CPUCores         float64 `json:"cpu_cores"`
	CPUPctOfLimit    float64 `json:"cpu_pct_of_limit"`
	MemoryBytes      int64   `json:"memory_bytes"`
	MemoryPctOfLimit float64 `json:"memory_pct_of_limit"`
	ThrottledPeriods int64   `json:"throttled_periods"`
	ThrottledS       float64 `json:"throttled_s"`
	OOMKills         int     `json:"oom_kills"`
	Restarts         int     `json:"restarts"`
	// CPUPerRequestMs is the target's CPU time per completed request, in
	// milliseconds: CPU-seconds of every replica over the window (cgroup
	// accounting under Docker, /proc under the local runtime) ÷ the
	// requests whose result arrived in it; RequestsPerCPUS is its inverse,
	// requests per target CPU-second. Both are 0 (omitted) when the step
	// has no target telemetry, no requests or no CPU use (see SetCost).
	// They depend on the work each request takes, not on how much CPU the
	// target was given, so they move far less on a noisy machine than
	// latency or throughput: the metrics of CI gates.
	CPUPerRequestMs float64  `json:"cpu_per_request_ms,omitempty"`
	RequestsPerCPUS float64  `json:"requests_per_cpu_s,omitempty"`
	Replicas        []Target `json:"replicas,omitempty"`
	// UnmeasuredReplicas names the replicas that ran during the step but
	// whose counters could not be read (a swarm task on a node without an
	// engine endpoint): the totals above and Replicas cover the others
	// only. Empty when every replica was measured.
	UnmeasuredReplicas []string `json:"unmeasured_replicas,omitempty"`
}

// Event is something that happened to the deployment during a step.
type Event struct {
	Time      time.Time `json:"time"`
	Replica   string    `json:"replica"`
	Kind      string    `json:"kind"` // oom, exit, restart, unhealthy
	ExitCode  int       `json:"exit_code,omitempty"`
	OOMKilled bool      `json:"oom_killed,omitempty"`
	Message   string    `json:"message,omitempty"`
}

// Event kinds: a kernel OOM kill (one oom event per kill), a replica's
// exit (with its code) and a restart.
const (
	EventOOM     = "oom"
	EventExit    = "exit"
	EventRestart = "restart"
)

// SLOResult is the verdict of the run's SLO on this step.
type SLOResult struct {
	Pass     bool     `json:"pass"`
	Breaches []string `json:"breaches"`
}

// Offered returns the step's offered load as one number: users for
// closed-loop steps, requests per second for open-loop steps.
func (r Record) Offered() float64 {
	if r.Load.Model == ModelRate {
		return r.Load.Rate
	}
	return float64(r.Load.Users)
}

// Package engine executes a scenario's plan of steps against base URLs and
// measures each step into a record.Record. It is the only package that
// imports vegeta, for what serves users: reading vegeta targets files and
// saving results in vegeta's format.
//
// Two load models share one controller (Run) and one request path (sender:
// request building, the HTTP/1.1 exchange over fasthttp requests on the
// engine's own connections, error kinds, timing): closed-loop users (Locust
// semantics: pick a request, send it, think; users persist across steps
// and are added or removed at the spawn rate; by default each user holds
// its own keep-alive connection) and open-loop arrival rates (one pacer
// for the whole ramp whose dispatcher hands due requests to workers, at
// most MaxWorkers requests in flight; arrivals constant or Poisson; sends
// that miss their schedule by more than DropAfter are counted as dropped).
//
// Steps come from a scenarios.Planner, one at a time: the scenario's
// fixed plan, its ramp.search (a capacity search, whose probes the search
// decides from the steps before them), or a caller's planner such as a
// limit search's trial. A step's Search marking is copied into its
// record, which the planner annotates with its judgement before it is
// emitted.
//
// Measurement: each step's window is [start+settle, end of hold); a
// request is measured in the window its response arrived in. Latencies
// go into HDR histograms (microseconds, 3 significant digits) for all
// requests and for successful ones; open-loop steps also measure latency
// from each request's scheduled send time (coordinated-omission
// corrected) and the send lag. Bytes in and out count bodies, as vegeta
// does; status codes count every response ("0" for transport errors),
// errors by kind every failure ("http_<code>" for an unexpected status;
// timeout, refused, reset, eof, tls, header_too_large, other for
// transport errors, taken from the socket error itself), with the first
// message of each kind. Requests still in flight when a window closes are
// counted (in_flight); those outstanding for longer than the claim age
// (the least of the window's length, the largest latency upper bound of
// the verdict and stop SLOs, and the request timeout) are counted as
// timeouts there, and not again when their result arrives. Response
// bodies stream through pooled buffers and are counted, not kept. A
// request declared streamed (stream: sse or ndjson) has its 2xx body read
// as it arrives on the same connection and parsed chunk by chunk
// (streamparse.go, streamjson.go, streambody.go): time to first token,
// every inter-token gap, time per output token, output and input tokens,
// errors stream_cut and stream_timeout; each window adds their
// distributions, totals and goodput (streamwindow.go). The
// generator's own CPU and RSS are measured over the window; a step whose
// generator was saturated (CPU above 85 % of what it may use, sends
// lagging the schedule, or dropped sends) is flagged with a warning, so
// that a saturated generator never passes as a slow API.
package engine

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/scenarios"
	"github.com/loadlab/loadlab/slo"
)

// Hooks let a caller observe and complete each step.
type Hooks struct {
	// WindowStart is called when a step's measurement window begins (the
	// experiment runner snapshots container statistics here).
	WindowStart func(ctx context.Context, step scenarios.Step)
	// Enrich is called after a step is measured, before its SLO verdict
	// (the runner adds Target telemetry and Events). After an interrupt it
	// gets a context that is not cancelled but times out in 5 s. A step
	// it marks Partial, with a StopReason, ends the ramp there.
	Enrich func(ctx context.Context, rec *record.Record)
	// Emit persists the finished record (appends it to steps.jsonl); it is
	// called for every step the moment the step ends. An error aborts the
	// ramp.
	Emit func(rec record.Record) error
}

// Options configure one Run.
type Options struct {
	// Template's Run, Repeat and Config are copied into every step record.
	Template record.Record
	// SLO is the verdict stored in each record's SLO field; when empty, the
	// scenario's stop SLO (stop.slo) is used.
	SLO slo.SLO
	// BaseDir resolves relative body files and targets files; empty means
	// the scenario's own directory (Scenario.Dir).
	BaseDir string
	// Seed fixes the request sequence and the users' think times.
	Seed  int64
	Hooks Hooks
	// Progress, when set, is called about once a second and at the end of
	// every step.
	Progress func(Progress)
	// Second, when set, receives the run cut into seconds (record.Second:
	// requests, errors by kind, p95, offered load), each the moment it
	// ends, from a goroutine of its own, plus the last partial second
	// before Run returns; settle times are included. Unset, it costs
	// nothing.
	Second func(record.Second)
	// Results, when set, receives every result (settle times included) in
	// vegeta's gob format, readable by `vegeta report` and `vegeta plot`;
	// each result's Attack names its step ("step 3").
	Results io.Writer
	// Planner decides the steps one at a time (a limit search's
	// scenarios.Scenario.TrialPlanner, say); nil means the scenario's own,
	// sc.Planner(verdict): its ramp.search, or its fixed plan. A planner
	// of unknown length (Len 0: a search) alone ends the ramp: the
	// scenario's stop conditions do not.
	Planner scenarios.Planner
	// Histograms also encodes each step's LatencyOK and LatencyScheduled
	// histograms (record.Record.HistogramOK, HistogramScheduled): a load
	// generation agent sets it, so that its controller merges them
	// exactly.
	Histograms bool
}

// Outcome is what a Run did: every emitted record, in order, and why the
// ramp stopped early ("" when it ran every step; for a search, the
// sentence that ends it, also the last record's StopReason).
type Outcome struct {
	Steps       []record.Record
	StopReason  string
	Interrupted bool
}

// Stop reasons recorded in the last step's StopReason.
const (
	StopInterrupted = "interrupted"
)

// stopGrace bounds how long stopping the load waits for in-flight requests
// (which are interrupted at once).
const stopGrace = 2 * time.Second

// Run applies the scenario's defaults, validates it (a scenario run by
// opt.Planner may have no ramp levels), builds its request
// source (the request mix, or the vegeta targets file) and runs the steps
// of its planner (opt.Planner, else sc.Planner(verdict)) against urls
// (round-robin over the base URLs). Each step record goes through
// opt.Hooks.Emit as soon as the step ends, carrying its step's Search
// with the planner's judgement of it. A planner that cannot run (a
// search without an SLO) or plans no step is refused before any load.
// When ctx is cancelled the load stops within about 2 s, the current step
// is emitted as Partial with StopReason "interrupted", and Run returns an
// error wrapping ctx.Err() with Outcome.Interrupted set.
func Run(ctx context.Context, sc scenarios.Scenario, urls []string, opt Options) (Outcome, error) {
	sc = sc.WithDefaults()
	if opt.BaseDir != "" {
		sc.Dir = opt.BaseDir
	}
	validate := sc.Validate
	if opt.Planner != nil { // the planner's steps, not the scenario's ramp levels
		validate = sc.ValidateSteps
	}
	if err := validate(); err != nil {
		return Outcome{}, fmt.Errorf("invalid scenario %s: %w", orDefault(sc.Name, "(unnamed)"), err)
	}
	dir := sc.Dir
	var src scenarios.Source
	var err error
	if sc.TargetsFile != "" {
		path := sc.TargetsFile
		if !filepath.IsAbs(path) && dir != "" {
			path = filepath.Join(dir, path)
		}
		src, err = NewTargetsSource(path, sc.TargetsFormat)
	} else {
		src, err = sc.NewSource(dir, opt.Seed)
	}
	if err != nil {
		return Outcome{}, fmt.Errorf("build request source: %w", err)
	}
	return runPlanner(ctx, sc, opt.Planner, src, urls, opt)
}

// runPlan runs steps of sc (defaults applied) with requests from src.
func runPlan(ctx context.Context, sc scenarios.Scenario, steps []scenarios.Step, src scenarios.Source, urls []string, opt Options) (Outcome, error) {
	return runPlanner(ctx, sc, scenarios.Fixed(steps), src, urls, opt)
}

// runPlanner runs the steps planner decides (nil: sc.Planner of the
// verdict) for sc (defaults applied) with requests from src. Every step
// planned in advance (a search's: its first) is checked before any load
// is sent.
func runPlanner(ctx context.Context, sc scenarios.Scenario, planner scenarios.Planner, src scenarios.Source, urls []string, opt Options) (Outcome, error) {
	bases, err := parseBases(urls)
	if err != nil {
		return Outcome{}, err
	}
	cfg, err := newConfig(sc, opt)
	if err != nil {
		return Outcome{}, err
	}
	if planner == nil {
		planner = sc.Planner(cfg.verdict)
	}
	if err := scenarios.PlannerErr(planner); err != nil {
		return Outcome{}, err
	}
	first, ok := planner.Next(nil)
	if !ok {
		return Outcome{}, errors.New("the plan has no steps: set ramp.from/to/by, ramp.steps or ramp.search")
	}
	planned := scenarios.Planned(planner)
	toCheck := planned // a fixed plan: every step; a search: its first
	if toCheck == nil {
		toCheck = []scenarios.Step{first}
	}
	if err := cfg.checkSteps(toCheck); err != nil {
		return Outcome{}, err
	}
	loadSystemRoots(bases, cfg.tls)
	col := newCollector(opt.Results)
	set := newConnSet(cfg.timeout, cfg.tls)
	var drv driver
	if cfg.openLoop {
		drv = newRateDriver(src, bases, set, col, cfg, opt.Seed)
	} else {
		drv = newUserDriver(src, bases, set, col, cfg, opt.Seed)
	}
	if opt.Second != nil {
		tl := startTimeline(col, drv.users, opt.Second)
		defer tl.stop()
	}
	c := &controller{cfg: cfg, planner: planner, planned: planned, first: first, opt: opt, col: col, set: set, drv: drv}
	out, err := c.run(ctx)
	drv.stop(stopGrace)
	if err == nil {
		err = col.err()
	}
	return out, err
}

// config is what the controller needs from the scenario, checked.
type config struct {
	openLoop    bool
	think       scenarios.Think
	spawnRate   float64
	perUser     bool
	pool        int
	timeout     time.Duration
	maxWorkers  int
	connections string // record.Load.Connections
	stability   scenarios.Stability
	stopSLO     slo.SLO
	verdict     slo.SLO
	margin      float64
	abortRate   float64
	arrival     string      // open loop: scenarios.ArrivalConstant ("" too) or ArrivalPoisson
	goodput     slo.Goodput // the scenario's per-request conditions; nil: every success is good
	tls         *tls.Config // nil: system roots

	// latencyBound is the tightest latency upper bound of verdict and
	// stopSLO (see latencyBound); 0 when neither bounds a latency.
	latencyBound time.Duration
}

func newConfig(sc scenarios.Scenario, opt Options) (config, error) {
	var errs []error
	var err error
	c := config{
		openLoop:   sc.Model == record.ModelRate,
		think:      sc.Think,
		spawnRate:  sc.SpawnRate,
		perUser:    sc.Connections != scenarios.ConnShared,
		pool:       sc.Pool,
		timeout:    sc.Timeout,
		maxWorkers: sc.MaxWorkers,
		stability:  sc.Stability,
		margin:     sc.Stop.Margin,
		abortRate:  sc.Stop.AbortErrorRate,
		arrival:    sc.Arrival,
	}
	if err := scenarios.CheckArrival(sc.Arrival); err != nil {
		errs = append(errs, err)
	}
	if c.tls, err = sc.TLS.Config(sc.Dir); err != nil {
		errs = append(errs, err)
	}
	stop, err := slo.Parse(sc.Stop.SLO)
	if err != nil {
		errs = append(errs, fmt.Errorf("stop.slo: %w", err))
	}
	c.stopSLO = stop
	if c.goodput, err = slo.ParseGoodput(sc.Goodput); err != nil {
		errs = append(errs, fmt.Errorf("goodput: %w", err))
	}
	c.verdict = opt.SLO
	if len(c.verdict) == 0 {
		c.verdict = stop
	}
	c.latencyBound = minBound(latencyBound(c.verdict), latencyBound(c.stopSLO))
	switch {
	case c.openLoop && c.perUser:
		c.connections = fmt.Sprintf("shared:%d", c.maxWorkers)
	case c.perUser:
		c.connections = scenarios.ConnPerUser
	default:
		c.connections = fmt.Sprintf("shared:%d", c.pool)
	}
	if st := c.stability; st.Enabled && (st.Window <= 0 || st.Windows <= 0) {
		errs = append(errs, errors.New("stability: window and windows must be > 0 when enabled"))
	}
	return c, errors.Join(errs...)
}

// checkStep reports a step the engine cannot run: a rate ≤ 0 (open
// loop), users < 0 (closed loop) or a hold ≤ 0.
func (c config) checkStep(st scenarios.Step) error {
	var errs []error
	if c.openLoop && !(st.Rate > 0) {
		errs = append(errs, fmt.Errorf("step %d: rate must be > 0 requests/s (got %g)", st.Index, st.Rate))
	}
	if !c.openLoop && st.Users < 0 {
		errs = append(errs, fmt.Errorf("step %d: users must be ≥ 0 (got %d)", st.Index, st.Users))
	}
	if st.Hold <= 0 {
		errs = append(errs, fmt.Errorf("step %d: hold must be > 0 (got %s)", st.Index, st.Hold))
	}
	return errors.Join(errs...)
}

// checkSteps checks every step of steps, joining their problems.
func (c config) checkSteps(steps []scenarios.Step) error {
	var errs []error
	for _, st := range steps {
		if err := c.checkStep(st); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// driver is one load model.
type driver interface {
	// begin moves the load to step's level (returns at once).
	begin(step scenarios.Step)
	// users is the number of running closed-loop users (0 for open loop).
	users() int
	// endWindow is called just before a window closes.
	endWindow()
	// inFlight counts the requests outstanding as a window closes, and
	// claims those sent before cut as its timeouts (see claimAge).
	inFlight(claim, slow, now time.Time) flightTally
	// stop ends the load, waiting up to grace for in-flight requests.
	stop(grace time.Duration)
}

// userDriver is the closed-loop model.
type userDriver struct {
	pool    *userPool
	flights *flights
}

func newUserDriver(src scenarios.Source, bases []*base, set *connSet, col *collector, cfg config, seed int64) *userDriver {
	fl := newFlights()
	snd := &sender{col: col, timeout: cfg.timeout, origin: fl.origin}
	var shared []*sharedPool
	if !cfg.perUser {
		per := (cfg.pool + len(bases) - 1) / len(bases)
		for _, b := range bases {
			shared = append(shared, newSharedPool(set, b, per))
		}
	}
	return &userDriver{pool: newUserPool(src, bases, set, shared, snd, fl, cfg.think, cfg.spawnRate, seed), flights: fl}
}

func (d *userDriver) begin(st scenarios.Step) { d.pool.scale(st.Users) }
func (d *userDriver) users() int              { return d.pool.count() }
func (d *userDriver) endWindow()              {}
func (d *userDriver) inFlight(claim, slow, now time.Time) flightTally {
	return d.flights.tally(claim, slow, now)
}
func (d *userDriver) stop(grace time.Duration) { d.pool.stop(grace) }

// rateDriver is the open-loop model.
type rateDriver struct {
	ol      *openLoop
	started bool
}

func newRateDriver(src scenarios.Source, bases []*base, set *connSet, col *collector, cfg config, seed int64) *rateDriver {
	return &rateDriver{ol: newOpenLoop(src, bases, set, col, cfg, seed)}
}

func (d *rateDriver) begin(st scenarios.Step) {
	if !d.started {
		d.started = true
		d.ol.start(st.Rate)
		return
	}
	d.ol.setRate(st.Rate)
}
func (d *rateDriver) users() int { return 0 }
func (d *rateDriver) endWindow() { d.ol.reap() }
func (d *rateDriver) inFlight(claim, slow, now time.Time) flightTally {
	return d.ol.tally(claim, slow, now)
}
func (d *rateDriver) stop(grace time.Duration) { d.ol.stop(grace) }

// minBound is the smaller of two latency bounds, where 0 means none.
func minBound(a, b time.Duration) time.Duration {
	if a == 0 || (b != 0 && b < a) {
		return b
	}
	return a
}

package experiments

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sync"
	"time"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/scenarios"
	"github.com/loadlab/loadlab/scenarios/engine"
	"github.com/loadlab/loadlab/slo"
	"github.com/loadlab/loadlab/target/runtime"
)

// Runner runs an experiment: for each configuration and repeat it deploys
// the target with the runtime, waits for health, warms up, ramps the
// scenario, appends every step to steps.jsonl the moment it ends, tears
// the deployment down (always, also on error and cancellation) and cools
// down. A configuration that fails is recorded with its reason and the run
// goes on with the next.
type Runner struct {
	Runtime runtime.Runtime
	// Dir is the results directory, already prepared (see Prepare).
	Dir string
	// RunID labels the run's containers and records.
	RunID string
	// Log receives one line per event (deploy, step, teardown); never nil.
	Log io.Writer
	// Progress, when set, receives the engine's progress with the position
	// of the configuration in the run.
	Progress func(RunProgress)
	// Seed makes request generation reproducible.
	Seed int64
	// Binary is the static loadlab executable that runs the reference API
	// (runtime.Spec.Binary); empty means the running executable.
	Binary string
}

// RunProgress is the engine's progress plus where the run is.
type RunProgress struct {
	// Config is 1-based, of Configs; Repeat is 0-based, of Repeats.
	Config, Configs int
	Name            string
	Repeat, Repeats int
	Step            engine.Progress
}

// Result summarises a finished (or interrupted) run.
type Result struct {
	Steps       int
	Failed      []string // "config: reason"
	Interrupted bool
	// Stage is where an interrupted run stopped: StageDeploy, StageWarmup,
	// StageRamp, StageCooldown, or "" between configurations.
	Stage string
}

// Stages of a configuration, as reported in Result.Stage.
const (
	StageDeploy   = "deploy"
	StageWarmup   = "warm-up"
	StageRamp     = "ramp"
	StageCooldown = "cooldown"
)

// stageError tells Run which stage of a configuration an error came from.
type stageError struct {
	stage string
	err   error
}

func (s *stageError) Error() string { return s.err.Error() }
func (s *stageError) Unwrap() error { return s.err }

// Run executes every configuration × repeat of e. It returns the context's
// error when interrupted, after tearing down and keeping every step.
func (r *Runner) Run(ctx context.Context, e Experiment) (Result, error) {
	var res Result
	w, err := record.Create(filepath.Join(r.Dir, record.FileName))
	if err != nil {
		return res, err
	}
	defer w.Close()
	w.RedactWith(e.Redactor())

	verdict, err := slo.Parse(e.SLO)
	if err != nil {
		return res, fmt.Errorf("slo: %w", err)
	}
	configs := e.Expand()
	for i, cfg := range configs {
		for rep := 0; rep < e.Repeat; rep++ {
			if ctx.Err() != nil {
				res.Interrupted = true
				return res, ctx.Err()
			}
			n, err := r.runOne(ctx, e, verdict, cfg, i, len(configs), rep, w)
			res.Steps += n
			if err != nil {
				if ctx.Err() != nil {
					res.Interrupted = true
					if se := (*stageError)(nil); errors.As(err, &se) {
						res.Stage = se.stage
					}
					return res, fmt.Errorf("configuration %s: %w", cfg.Name, ctx.Err())
				}
				var fe *failure
				if !errors.As(err, &fe) {
					return res, err // a write error: nothing more can be kept
				}
				res.Failed = append(res.Failed, cfg.Name+": "+fe.Error())
				if errors.Is(err, runtime.ErrUnavailable) {
					// Nothing more can be deployed, measured or removed.
					return res, fmt.Errorf("configuration %s: %w; the steps measured so far are kept, and "+
						"containers or networks labelled loadlab.run=%s may remain: run `loadlab clean` once the runtime answers again",
						cfg.Name, err, r.RunID)
				}
			}
			last := i == len(configs)-1 && rep == e.Repeat-1
			if !last && e.Cooldown > 0 {
				fmt.Fprintf(r.Log, "cooldown %s\n", e.Cooldown)
				if err := sleep(ctx, e.Cooldown); err != nil {
					res.Interrupted, res.Stage = true, StageCooldown
					return res, err
				}
			}
		}
	}
	return res, nil
}

// failure is a configuration that could not be measured; it is recorded
// and the run goes on.
type failure struct{ err error }

func (f *failure) Error() string { return f.err.Error() }
func (f *failure) Unwrap() error { return f.err }

func (r *Runner) runOne(ctx context.Context, e Experiment, verdict slo.SLO, cfg record.Config, i, n, rep int, w *record.Writer) (int, error) {
	tmpl := record.Record{
		Run:    r.RunID,
		Repeat: rep,
		Config: deployedOn(cfg, r.Runtime.Name()),
	}
	fail := func(stage string, err error) (int, error) {
		rec := tmpl
		rec.Step = -1
		rec.StartedAt = time.Now().UTC()
		rec.Failure = fmt.Sprintf("%s: %v", stage, err)
		rec.SLO = record.SLOResult{Pass: false, Breaches: []string{"configuration failed"}}
		if werr := w.Append(rec); werr != nil {
			return 0, werr
		}
		fmt.Fprintf(r.Log, "config %d/%d %s FAILED (%s): %v\n", i+1, n, cfg.Name, stage, err)
		return 0, &failure{err: fmt.Errorf("%s: %w", stage, err)}
	}

	fmt.Fprintf(r.Log, "config %d/%d %s (%s), repeat %d: deploying with %s runtime\n",
		i+1, n, cfg.Name, cfg.Describe(), rep+1, r.Runtime.Name())
	t0 := time.Now()
	spec := specFor(e, cfg, r.RunID)
	spec.Binary = r.Binary
	dep, err := r.Runtime.Deploy(ctx, spec)
	if err != nil {
		// An unavailable runtime fails this configuration like any deploy
		// error; the failure wraps runtime.ErrUnavailable, and Run stops.
		if ctx.Err() != nil {
			return 0, &stageError{StageDeploy, err}
		}
		return fail("deploy", err)
	}
	defer func() {
		t1 := time.Now()
		// Teardown runs on a fresh context: it must happen after Ctrl-C too.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 60*time.Second)
		defer cancel()
		if err := dep.Close(cctx); err != nil {
			if errors.Is(err, runtime.ErrUnavailable) {
				fmt.Fprintf(r.Log, "config %s: teardown impossible: %v; containers and networks labelled loadlab.run=%s remain until `loadlab clean` runs with the runtime back\n",
					cfg.Name, runtime.ErrUnavailable, r.RunID)
				return
			}
			fmt.Fprintf(r.Log, "config %s: teardown: %v\n", cfg.Name, err)
			return
		}
		fmt.Fprintf(r.Log, "config %s: removed in %s\n", cfg.Name, time.Since(t1).Round(10*time.Millisecond))
	}()
	fmt.Fprintf(r.Log, "config %s: healthy in %s at %v (load is balanced round-robin across replicas by the client)\n",
		cfg.Name, time.Since(t0).Round(10*time.Millisecond), dep.URLs())

	if e.Warmup > 0 {
		fmt.Fprintf(r.Log, "config %s: warm-up %s (not measured)\n", cfg.Name, e.Warmup)
		if _, err := engine.Run(ctx, warmupScenario(e.Scenario, e.Warmup), dep.URLs(), engine.Options{Seed: r.Seed}); err != nil {
			if ctx.Err() != nil {
				return 0, &stageError{StageWarmup, err}
			}
			return fail("warm-up", err)
		}
	}

	// The ramp stops when the runtime stops answering (the telemetry is
	// the first to notice): a dead daemon's refused connections must not
	// pass for the API failing under load.
	rctx, abort := context.WithCancelCause(ctx)
	defer abort(nil)
	tel := &telemetry{dep: dep, ramp: rctx, abort: abort}
	count := 0
	opts := engine.Options{
		Template: tmpl,
		SLO:      verdict,
		Seed:     r.Seed,
		Hooks: engine.Hooks{
			WindowStart: tel.windowStart,
			Enrich:      tel.enrich,
			Emit: func(rec record.Record) error {
				if err := w.Append(rec); err != nil {
					return err
				}
				count++
				return nil
			},
		},
	}
	if r.Progress != nil {
		opts.Progress = func(p engine.Progress) {
			r.Progress(RunProgress{Config: i + 1, Configs: n, Name: cfg.Name, Repeat: rep, Repeats: e.Repeat, Step: p})
		}
	}
	out, err := engine.Run(rctx, e.Scenario, dep.URLs(), opts)
	if lost := tel.unavailable(); lost != nil && ctx.Err() == nil {
		return count, &failure{err: fmt.Errorf("ramp: %w", lost)}
	}
	if err != nil {
		if ctx.Err() != nil {
			return count, &stageError{StageRamp, err}
		}
		if count > 0 {
			return count, err
		}
		return fail("ramp", err)
	}
	if out.StopReason != "" {
		fmt.Fprintf(r.Log, "config %s: ramp stopped: %s\n", cfg.Name, out.StopReason)
	}
	return count, nil
}

// telemetry turns the deployment's cumulative counters into per-step
// target telemetry: a snapshot when the measurement window starts, another
// when it ends. Every deployment event lands in exactly one step: the
// first step enriched after the event was seen (events of the warm-up, of
// a settle period or between windows go to the next step, never lost).
type telemetry struct {
	dep runtime.Deployment
	// ramp is the ramp's context and abort cancels it, with the error
	// that says the runtime stopped answering as its cause (nil in tests).
	ramp  context.Context
	abort context.CancelCauseFunc
	mu    sync.Mutex
	start runtime.Usage
	ok    bool
	seen  int // events already attributed to a step
}

func (t *telemetry) windowStart(ctx context.Context, _ scenarios.Step) {
	u, err := t.dep.Stats(ctx)
	t.check(err)
	t.mu.Lock()
	defer t.mu.Unlock()
	t.start, t.ok = u, err == nil
}

// check stops the ramp when err says the runtime stopped answering.
func (t *telemetry) check(err error) {
	if t.abort != nil && errors.Is(err, runtime.ErrUnavailable) {
		t.abort(err)
	}
}

// unavailable is the error that stopped the ramp, if the runtime did.
func (t *telemetry) unavailable() error {
	if t.ramp == nil {
		return nil
	}
	if cause := context.Cause(t.ramp); errors.Is(cause, runtime.ErrUnavailable) {
		return cause
	}
	return nil
}

func (t *telemetry) enrich(ctx context.Context, rec *record.Record) {
	t.mu.Lock()
	start, ok := t.start, t.ok
	t.mu.Unlock()
	end, err := t.dep.Stats(ctx)
	t.check(err)
	if err == nil && ok {
		tg := runtime.Between(start, end)
		rec.Target = &tg
	}
	if lost := t.unavailable(); lost != nil {
		// The runtime went away during this step (or before it): its
		// load may have met dead replicas, so it cannot count.
		rec.Partial = true
		rec.StopReason = "runtime unavailable: " + lost.Error()
	}
	evs := t.dep.Events()
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.seen < len(evs) {
		fresh := evs[t.seen:]
		rec.Events = append(rec.Events, fresh...)
		t.seen = len(evs)
		// A kill before the window's first sample (during the spawn or
		// the settle) is missing from the counters' difference, yet its
		// events are this step's: count them.
		if n := oomKills(fresh); rec.Target != nil && rec.Target.OOMKills < n {
			rec.Target.OOMKills = n
		}
	}
}

// oomKills counts the kernel OOM kills among events (one oom event each).
func oomKills(evs []record.Event) int {
	n := 0
	for _, ev := range evs {
		if ev.Kind == record.EventOOM {
			n++
		}
	}
	return n
}

// specFor builds the runtime's deployment spec for one configuration.
func specFor(e Experiment, cfg record.Config, runID string) runtime.Spec {
	return runtime.Spec{
		RunID:         runID,
		Config:        cfg,
		Image:         e.Target.Image,
		BuildContext:  e.Target.Build,
		Port:          e.Target.Port,
		HealthPath:    e.Target.HealthPath,
		HealthTimeout: e.Target.HealthTimeout,
		Env:           e.Target.Env,
		URLs:          e.Target.URLs,
		// Several published ports per replica when the scenario opens more
		// connections than one Docker proxy can carry (see ConnectionsPerPort).
		PortsPerReplica: portsPerReplica(e.Scenario, cfg.Replicas),
	}
}

// warmupScenario is one unmeasured step at the first step's load.
func warmupScenario(s scenarios.Scenario, d time.Duration) scenarios.Scenario {
	plan := s.Plan()
	w := s
	w.Ramp = scenarios.Ramp{Hold: d}
	if len(plan) > 0 {
		w.Ramp.Steps = []float64{float64(plan[0].Users)}
		if s.Model == record.ModelRate {
			w.Ramp.Steps = []float64{plan[0].Rate}
		}
	}
	w.Stop = scenarios.Stop{}
	w.Stability = scenarios.Stability{}
	return w
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

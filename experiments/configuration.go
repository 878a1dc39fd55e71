package experiments

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/scenarios"
	"github.com/loadlab/loadlab/scenarios/engine"
	"github.com/loadlab/loadlab/slo"
	"github.com/loadlab/loadlab/target/runtime"
)

// configRun is one repeat of one configuration: deploy, warm up, ramp,
// tear down (always, also on error and cancellation). Every step it
// measures is appended to w the moment it ends.
type configRun struct {
	r       *Runner
	e       Experiment
	verdict slo.SLO
	cfg     record.Config
	// i is the configuration's 0-based position among n configurations
	// (a limit search's trials: n is 0, unknown); rep is the 0-based
	// repeat.
	i, n, rep int
	w         *record.Writer
	// tmpl stamps every record of this repeat (run, repeat, configuration).
	tmpl record.Record
	// trial, for a trial of a limit search, plans its steps and collects
	// its records; nil for a configuration of the experiment's list.
	trial *trialRun
	// lockstep, for a version of a champion/challenger experiment, holds
	// each step's end until the other version's step has ended too (see
	// challenger_run.go); nil otherwise.
	lockstep *lockstepParty
}

// run measures the configuration and returns how many steps it appended.
// A configuration that could not be measured is recorded and returned as
// a *failure; an interruption as a *configStageError naming where it
// stopped; any other error (a write error) ends the run.
func (c *configRun) run(ctx context.Context) (int, error) {
	c.tmpl = c.template()
	if c.trial != nil {
		fmt.Fprintf(c.r.Log, "%s (%s): deploying with %s runtime\n",
			c.position(engine.Progress{}).Where(), c.cfg.Describe(), c.r.Runtime.Name())
	} else {
		fmt.Fprintf(c.r.Log, "%s (%s), repeat %d: deploying with %s runtime\n",
			c.position(engine.Progress{}).Where(), c.cfg.Describe(), c.rep+1, c.r.Runtime.Name())
	}
	dep, err := c.deploy(ctx)
	if err != nil {
		return 0, err
	}
	defer c.teardown(ctx, dep)
	if err := c.warmUp(ctx, dep); err != nil {
		return 0, err
	}
	return c.ramp(ctx, dep)
}

// template is the record every step of this repeat starts from.
func (c *configRun) template() record.Record {
	cfg, r, rep := c.cfg, c.r, c.rep
	return record.Record{
		Run:    r.RunID,
		Repeat: rep,
		Config: c.e.deployedOn(cfg, r.Runtime.Name(), r.Runtime.Approximate()),
	}
}

// fail records that the configuration could not be measured in stage and
// returns the *failure the run goes on after (or the write error that
// ends it).
func (c *configRun) fail(stage string, err error) error {
	rec := c.tmpl
	rec.Step = -1
	rec.StartedAt = time.Now().UTC()
	rec.Failure = fmt.Sprintf("%s: %v", stage, err)
	rec.SLO = record.SLOResult{Pass: false, Breaches: []string{"configuration failed"}}
	if werr := c.append(rec); werr != nil {
		return werr
	}
	fmt.Fprintf(c.r.Log, "%s FAILED (%s): %v\n", c.position(engine.Progress{}).Where(), stage, err)
	return &failure{err: fmt.Errorf("%s: %w", stage, err)}
}

// deploy starts the configuration and waits until it is healthy.
func (c *configRun) deploy(ctx context.Context) (runtime.Deployment, error) {
	t0 := time.Now()
	spec := specFor(c.e, c.cfg, c.r.RunID)
	spec.Binary = c.r.Binary
	dep, err := c.r.Runtime.Deploy(ctx, spec)
	if err != nil {
		// An unavailable runtime fails this configuration like any deploy
		// error; the failure wraps runtime.ErrUnavailable, and Run stops.
		if ctx.Err() != nil {
			return nil, &configStageError{StageDeploy, err}
		}
		return nil, c.fail("deploy", err)
	}
	fmt.Fprintf(c.r.Log, "config %s: healthy in %s at %v (load is balanced round-robin across replicas by the client)\n",
		c.cfg.Name, time.Since(t0).Round(10*time.Millisecond), dep.URLs())
	return dep, nil
}

// teardown removes the deployment within 60 s, on a fresh context: it
// must happen after Ctrl-C too. What it cannot remove is logged.
func (c *configRun) teardown(ctx context.Context, dep runtime.Deployment) {
	t1 := time.Now()
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 60*time.Second)
	defer cancel()
	if err := dep.Close(cctx); err != nil {
		if errors.Is(err, runtime.ErrUnavailable) {
			fmt.Fprintf(c.r.Log, "config %s: teardown impossible: %v; containers and networks labelled loadlab.run=%s remain until `loadlab clean` runs with the runtime back\n",
				c.cfg.Name, runtime.ErrUnavailable, c.r.RunID)
			return
		}
		fmt.Fprintf(c.r.Log, "config %s: teardown: %v\n", c.cfg.Name, err)
		return
	}
	fmt.Fprintf(c.r.Log, "config %s: removed in %s\n", c.cfg.Name, time.Since(t1).Round(10*time.Millisecond))
}

// warmUp sends the first step's load for the experiment's warm-up
// duration, unmeasured.
func (c *configRun) warmUp(ctx context.Context, dep runtime.Deployment) error {
	if c.e.Warmup <= 0 {
		return nil
	}
	fmt.Fprintf(c.r.Log, "config %s: warm-up %s (not measured)\n", c.cfg.Name, c.e.Warmup)
	first := c.e.Scenario.FirstLoad()
	if c.trial != nil {
		first = c.trial.firstLoad(c.e.Scenario)
	}
	w := warmupScenario(c.e.Scenario, c.e.Warmup, first)
	if _, err := c.r.runRamp(ctx, w, dep.URLs(), engine.Options{Seed: c.r.Seed}); err != nil {
		if ctx.Err() != nil {
			return &configStageError{StageWarmup, err}
		}
		return c.fail("warm-up", err)
	}
	return nil
}

// ramp runs the scenario's steps and returns how many it appended. The
// ramp stops when the runtime stops answering (the telemetry is the first
// to notice): a dead daemon's refused connections must not pass for the
// API failing under load.
func (c *configRun) ramp(ctx context.Context, dep runtime.Deployment) (int, error) {
	rctx, abort := context.WithCancelCause(ctx)
	defer abort(nil)
	tel := &telemetry{dep: dep, ramp: rctx, abort: abort}
	count := 0
	out, err := c.r.runRamp(rctx, c.e.Scenario, dep.URLs(), c.engineOptions(tel, &count))
	if lost := tel.unavailable(); lost != nil && ctx.Err() == nil {
		return count, &failure{err: fmt.Errorf("ramp: %w", lost)}
	}
	if err != nil {
		if ctx.Err() != nil {
			return count, &configStageError{StageRamp, err}
		}
		if count > 0 {
			return count, err
		}
		return 0, c.fail("ramp", err)
	}
	if out.StopReason != "" {
		fmt.Fprintf(c.r.Log, "config %s: ramp stopped: %s\n", c.cfg.Name, out.StopReason)
	}
	return count, nil
}

// engineOptions makes the ramp's engine options: records stamped from the
// template, enriched with tel, appended to w and counted in count.
func (c *configRun) engineOptions(tel *telemetry, count *int) engine.Options {
	opts := engine.Options{
		Template: c.tmpl,
		SLO:      c.verdict,
		Seed:     c.r.Seed,
		Hooks: engine.Hooks{
			WindowStart: tel.windowStart,
			Enrich:      tel.enrich,
			Emit: func(rec record.Record) error {
				if err := c.append(rec); err != nil {
					return err
				}
				*count++
				return nil
			},
		},
	}
	if c.trial != nil {
		c.trial.options(&opts)
	}
	if c.lockstep != nil {
		c.lockstep.options(c, &opts)
	}
	if c.r.Progress != nil {
		opts.Progress = func(p engine.Progress) { c.r.Progress(c.position(p)) }
	}
	return opts
}

// position is where the run is at the engine's progress p: this
// configuration and repeat, or this trial of a limit search.
func (c *configRun) position(p engine.Progress) RunProgress {
	rp := RunProgress{Config: c.i + 1, Configs: c.n, Name: c.cfg.Name, Repeat: c.rep, Repeats: c.e.Repeat, Step: p}
	if c.trial != nil {
		rp.Trial, rp.Replicas, rp.Phase = c.trial.probe, max(c.cfg.Replicas, 1), c.trial.phase
	}
	return rp
}

// append writes rec to steps.jsonl; a trial's record is marked as such
// first (see trialRun.mark) and kept for its verdict.
func (c *configRun) append(rec record.Record) error {
	if c.trial != nil {
		c.trial.mark(&rec)
	}
	if err := c.w.Append(rec); err != nil {
		return err
	}
	if c.trial != nil {
		c.trial.recs = append(c.trial.recs, rec)
	}
	return nil
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
		PortsPerReplica: portsPerReplica(e.Scenario, cfg.Replicas, e.searchPeak()),
	}
}

// warmupScenario is s as one unmeasured step of d at the load first
// (users, or requests/s under model rate; none when first is 0), without
// stop conditions or stability.
func warmupScenario(s scenarios.Scenario, d time.Duration, first float64) scenarios.Scenario {
	w := s
	w.Ramp = scenarios.Ramp{Hold: d}
	if first > 0 {
		w.Ramp.Steps = []float64{first}
	}
	w.Stop = scenarios.Stop{}
	w.Stability = scenarios.Stability{}
	return w
}

package experiments

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/scenarios/agent"
	"github.com/loadlab/loadlab/scenarios/engine"
	"github.com/loadlab/loadlab/slo"
	"github.com/loadlab/loadlab/target/runtime"
)

// Runner runs an experiment: for each configuration and repeat it deploys
// the target with the runtime, waits for health, warms up, ramps the
// scenario, appends every step to steps.jsonl the moment it ends, tears
// the deployment down (always, also on error and cancellation) and cools
// down. A configuration that fails is recorded with its reason and the run
// goes on with the next. It is the measure stage of a run (see Execute).
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
	// Agents launches the load generation agents of an experiment with
	// generators > 1 (nil: local processes; see generators.go).
	Agents agent.Launcher

	fleet *agent.Fleet // the running agents (generators > 1), else nil
}

// RunProgress is the engine's progress plus where the run is.
type RunProgress struct {
	// Config is 1-based, of Configs; Repeat is 0-based, of Repeats. In a
	// limit search Config counts its trials and Configs is 0: how many
	// trials it takes is not known in advance.
	Config, Configs int
	Name            string
	Repeat, Repeats int
	// Trial, in a limit search, is the trial's 1-based number among the
	// trials of its replica count, Replicas, and Phase its kind
	// (search.TrialCPU, …); 0 and "" for a configuration of the
	// experiment's list.
	Trial, Replicas int
	Phase           string
	Step            engine.Progress
}

// Where names what is measured, for progress and log lines: "config 2/3
// cpu1-meminf-x1", or in a limit search "trial 3 (1 replica)
// cpu0.4-mem512m-x1" (see trialText).
func (p RunProgress) Where() string {
	if p.Trial > 0 {
		return trialText(p.Trial, p.Replicas, p.Phase) + " " + p.Name
	}
	return fmt.Sprintf("config %d/%d %s", p.Config, p.Configs, p.Name)
}

// Result summarises a finished (or interrupted) run.
type Result struct {
	Steps int
	// Trials counts the trials of a limit search (0 for a run of listed
	// configurations).
	Trials      int
	Failed      []string // "config: reason"
	Interrupted bool
	// Stage is where an interrupted run stopped: StageDeploy, StageWarmup,
	// StageRamp, StageCooldown, or "" between configurations.
	Stage string
}

// Stages of a configuration, as reported in Result.Stage (the stages of
// a whole run, measure among them, are listed in runStages).
const (
	StageDeploy   = "deploy"
	StageWarmup   = "warm-up"
	StageRamp     = "ramp"
	StageCooldown = "cooldown"
)

// configStageError tells Run which stage of a configuration an
// interruption came from.
type configStageError struct {
	stage string
	err   error
}

func (s *configStageError) Error() string { return s.err.Error() }
func (s *configStageError) Unwrap() error { return s.err }

// Run executes every configuration × repeat of e, or its limit search
// (e.Search, see runSearch). It returns the context's
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
	stop, err := r.startGenerators(ctx, e)
	if err != nil {
		return res, err
	}
	defer stop()
	if e.Search != nil {
		err := r.runSearch(ctx, e, verdict, w, &res)
		return res, err
	}
	if e.Rollout != nil {
		err := r.runRollouts(ctx, e, w, &res)
		return res, err
	}
	configs := e.Expand()
	for i, cfg := range configs {
		for rep := 0; rep < e.Repeat; rep++ {
			c := &configRun{r: r, e: e, verdict: verdict, cfg: cfg, i: i, n: len(configs), rep: rep, w: w}
			if err := r.runRepeat(ctx, c, &res); err != nil {
				return res, err
			}
			last := i == len(configs)-1 && rep == e.Repeat-1
			if !last && e.Cooldown > 0 {
				if err := r.cooldown(ctx, e.Cooldown, &res); err != nil {
					return res, err
				}
			}
		}
	}
	return res, nil
}

// runRepeat runs one configuration × repeat and adds what it measured or
// why it failed to res. A failed configuration is not an error (the run
// goes on); an interruption, a write error or a runtime that stopped
// answering is, and ends the run.
func (r *Runner) runRepeat(ctx context.Context, c *configRun, res *Result) error {
	if ctx.Err() != nil {
		res.Interrupted = true
		return ctx.Err()
	}
	n, err := c.run(ctx)
	res.Steps += n
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		res.Interrupted = true
		if se := (*configStageError)(nil); errors.As(err, &se) {
			res.Stage = se.stage
		}
		return fmt.Errorf("configuration %s: %w", c.cfg.Name, ctx.Err())
	}
	var fe *failure
	if !errors.As(err, &fe) {
		return err // a write error: nothing more can be kept
	}
	res.Failed = append(res.Failed, c.cfg.Name+": "+fe.Error())
	if errors.Is(err, runtime.ErrUnavailable) {
		// Nothing more can be deployed, measured or removed.
		return fmt.Errorf("configuration %s: %w; the steps measured so far are kept, and "+
			"containers or networks labelled loadlab.run=%s may remain: run `loadlab clean` once the runtime answers again",
			c.cfg.Name, err, r.RunID)
	}
	return nil
}

// cooldown waits d between two configurations (or repeats).
func (r *Runner) cooldown(ctx context.Context, d time.Duration, res *Result) error {
	fmt.Fprintf(r.Log, "cooldown %s\n", d)
	if err := sleep(ctx, d); err != nil {
		res.Interrupted, res.Stage = true, StageCooldown
		return err
	}
	return nil
}

// failure is a configuration that could not be measured; it is recorded
// and the run goes on.
type failure struct{ err error }

func (f *failure) Error() string { return f.err.Error() }
func (f *failure) Unwrap() error { return f.err }

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

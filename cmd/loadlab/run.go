package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/loadlab/loadlab/experiments"
	"github.com/loadlab/loadlab/report"
	"github.com/loadlab/loadlab/report/gate"
	"github.com/loadlab/loadlab/results"
)

// runCmd runs an experiment file: every configuration of its matrix is
// deployed, ramped, measured and torn down; the report is written at the end
// (also after Ctrl-C, from the steps measured so far).
type runCmd struct {
	runtime     string
	out         string
	seed        int64
	slo         string
	targetUsers int
	gate        bool
	baseline    string
	tolerance   string

	// targetUsersSet says --target-users was given (an explicit 0 is refused).
	targetUsersSet bool
}

func newRunCmd() *cobra.Command {
	c := &runCmd{}
	cmd := &cobra.Command{
		Use:   "run [experiment.yaml | quick | workshop]",
		Short: "Run an experiment: deploy each configuration, ramp load, measure, report",
		Long: `Run an experiment file. For each configuration (CPU, memory, replicas) and
repeat: deploy the target, wait until healthy, warm up, ramp the scenario with
its stop conditions, tear down, cool down. Every step is appended to
<out>/<run>/steps.jsonl as soon as it is measured; the report (report.md,
report.html, plots, summary.json, steps.csv) is written at the end.

With no argument the built-in "quick" experiment runs.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := "quick"
			if len(args) == 1 {
				name = args[0]
			}
			c.targetUsersSet = cmd.Flags().Changed("target-users")
			return c.run(cmd.Context(), name, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&c.runtime, "runtime", "auto", "where to deploy: auto (docker if the daemon answers, else local), docker, local")
	f.StringVar(&c.out, "out", "results", "folder that receives results/<UTC time>-<experiment>/")
	f.Int64Var(&c.seed, "seed", 1, "seed for generated request bodies and think times")
	f.StringVar(&c.slo, "slo", "", "override the experiment's SLO, e.g. 'p95<1s,error_rate<1%'")
	f.IntVar(&c.targetUsers, "target-users", 0, "override the experiment's target_users (the capacity question)")
	f.BoolVar(&c.gate, "gate", false, "after the run, evaluate the experiment's gates (exit 1 if one fails)")
	f.StringVar(&c.baseline, "baseline", "", "with --gate: a baseline JSON or results folder to compare with")
	f.StringVar(&c.tolerance, "tolerance", "", "with --gate: allowed regressions, e.g. p95=10%,rps=5%,capacity=1step")
	return cmd
}

func (c *runCmd) run(ctx context.Context, name string, stdout, stderr io.Writer) error {
	if c.runtime != "auto" && c.runtime != "docker" && c.runtime != "local" {
		return usagef("--runtime %q: use auto, docker or local", c.runtime)
	}
	if err := c.checkGateFlags(); err != nil {
		return err
	}
	e, err := experiments.Load(name)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	if c.slo != "" {
		e.SLO = c.slo
	}
	if c.targetUsersSet {
		if c.targetUsers == 0 {
			return usagef("--target-users 0: must be ≥ 1 user; leave it out to keep the experiment's target_users")
		}
		e.TargetUsers = c.targetUsers
	}
	if err := e.Validate(); err != nil {
		return usagef("%s: %w", name, err)
	}
	e, err = e.ResolveTarget(ctx)
	if err != nil {
		return err
	}
	// From here on everything printed goes through the experiment's
	// redactor (the progress bar needs the terminal itself: it redacts
	// its log lines on its own).
	red := useSecrets(e.Redactor())
	term := stderr
	stdout, stderr = red.Writer(stdout), red.Writer(stderr)

	rt, err := experiments.SelectRuntime(ctx, c.runtime, e)
	if err != nil {
		return err
	}
	note := rt.Note
	defer rt.Close()
	if note != "" {
		fmt.Fprintf(stderr, "loadlab: %s\n", note)
	}
	if warn := rt.Leftovers(ctx); warn != "" {
		fmt.Fprintf(stderr, "loadlab: warning: %s (remove them with `loadlab clean`)\n", warn)
	}

	env := results.HostEnvironment(version)
	env.Runtime = rt.Name()
	env.RuntimeNote = note
	env.DockerVersion = rt.EngineVersion(ctx)
	runID := results.NewRunID(time.Now(), e.Name)
	dir, err := experiments.Prepare(c.out, runID, e, env)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "loadlab: run %s: %d configuration(s) × %d repeat(s), %s, runtime %s\n",
		runID, len(e.Expand()), e.Repeat, e.Scenario.Describe(), rt.Name())
	fmt.Fprintf(stderr, "loadlab: results in %s (each step is written as soon as it is measured)\n", dir)
	if addrs := rt.Addresses(e); addrs != "" {
		fmt.Fprintf(stderr, "loadlab: load goes only to %s\n", addrs)
	}

	// A second Ctrl-C exits without the runner's teardown: remove this
	// run's containers and networks by their run label instead.
	removeHook := onForcedExit.add(func(ctx context.Context) {
		if removed, err := rt.Sweep(ctx, runID, forcedSweepSettle); err != nil || len(removed) > 0 {
			fmt.Fprintf(stderr, "loadlab: forced cleanup of run %s: removed %d object(s)%s\n", runID, len(removed), errSuffix(err))
		}
	})
	progress, stopProgress := newProgress(term)
	progress.red = red
	r := &experiments.Runner{Runtime: rt, Dir: dir, RunID: runID, Log: progress, Progress: progress.update, Seed: c.seed}
	res, runErr := r.Run(ctx, e)
	stopProgress()
	if runErr != nil && ctx.Err() != nil {
		// Interrupted: one more pass over the run's label; after a deploy
		// cancelled mid-request, keep looking, since the daemon may still
		// create a container or network after the deploy's cleanup looked.
		settle := time.Duration(0)
		if res.Stage == experiments.StageDeploy {
			settle = sweepSettle
		}
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
		removed, err := rt.Sweep(sctx, runID, settle)
		cancel()
		if err != nil || len(removed) > 0 {
			fmt.Fprintf(stderr, "loadlab: removed %d object(s) created by the interrupted deploy%s\n", len(removed), errSuffix(err))
		}
	}
	removeHook()

	if runErr != nil && res.Steps == 0 && len(res.Failed) == 0 {
		// Interrupted (or broken) before anything was measured: there is
		// nothing to report.
		fmt.Fprintf(stderr, "loadlab: no step was measured: no report written (results folder %s)\n", dir)
		return runErr
	}
	// The report is written from whatever was measured, also after Ctrl-C.
	rctx := context.WithoutCancel(ctx)
	in, err := report.LoadDir(dir)
	if err != nil {
		return errors.Join(runErr, fmt.Errorf("read results for the report: %w", err))
	}
	files, err := report.WriteAll(rctx, dir, in)
	if err != nil {
		return errors.Join(runErr, fmt.Errorf("write report: %w", err))
	}
	if err := report.WriteTerminal(stdout, in); err != nil {
		return errors.Join(runErr, err)
	}
	fmt.Fprintf(stderr, "loadlab: report: %s/report.html (%d files)\n", dir, len(files))
	for _, f := range res.Failed {
		fmt.Fprintf(stderr, "loadlab: configuration failed: %s\n", f)
	}
	if runErr != nil {
		return runErr
	}
	if ctx.Err() != nil {
		// The signal came while the report was being written: it is
		// complete, but the run still ends as interrupted (130/143).
		return fmt.Errorf("interrupted after the run (report complete): %w", ctx.Err())
	}
	if len(res.Failed) == len(e.Expand())*e.Repeat {
		return &exitError{code: 1, err: fmt.Errorf("every configuration failed; see %s", dir)}
	}
	if c.gate {
		return gateRun(ctx, dir, e.Gates, c.baseline, c.tolerance, stdout, stderr)
	}
	return nil
}

// sweepSettle is how long an interrupted docker run keeps looking for
// objects of cancelled create requests (see experiments.Runtime.Sweep).
const sweepSettle = 2 * time.Second

// forcedSweepSettle is the same for a forced exit (second Ctrl-C), whose
// sweep may meet the runner's own teardown half done.
const forcedSweepSettle = time.Second

// errSuffix is ": <err>" or "".
func errSuffix(err error) string {
	if err == nil {
		return ""
	}
	return ": " + err.Error()
}

// checkGateFlags rejects gate flags that could only fail after the whole
// run: --baseline or --tolerance without --gate, a --tolerance that does
// not parse or has no baseline, a --baseline that does not exist.
func (c *runCmd) checkGateFlags() error {
	if !c.gate && (c.baseline != "" || c.tolerance != "") {
		return usagef("--baseline and --tolerance apply to the gate after the run: add --gate")
	}
	if c.tolerance != "" {
		if c.baseline == "" {
			return usagef("--tolerance needs --baseline")
		}
		if _, err := gate.ParseTolerance(c.tolerance); err != nil {
			return usagef("--tolerance: %w", err)
		}
	}
	if c.baseline != "" {
		if _, err := os.Stat(c.baseline); err != nil {
			return usagef("--baseline %s: %w (give a baseline JSON from `loadlab baseline save` or a results folder)", c.baseline, errors.Unwrap(err))
		}
	}
	return nil
}

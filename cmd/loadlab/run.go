package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/loadlab/loadlab/experiments"
	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/report/gate"
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
	repeat      int
	gate        bool
	// gateOpts are --gate's baseline comparison flags (bindBaselineFlags).
	gateOpts gate.Options

	// targetUsersSet says --target-users was given (an explicit 0 is
	// refused); repeatSet says --repeat was; runtimeSet says --runtime
	// was (it then overrides the experiment's runtime:).
	targetUsersSet, repeatSet, runtimeSet bool
	// changed says whether a flag was given on the command line.
	changed func(name string) bool
}

func newRunCmd() *cobra.Command {
	c := &runCmd{}
	cmd := &cobra.Command{
		Use:   "run [experiment.yaml | quick | workshop | workshop-search | gate | gate-ab | challenger | llm]",
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
			c.repeatSet = cmd.Flags().Changed("repeat")
			c.runtimeSet = cmd.Flags().Changed("runtime")
			c.changed = cmd.Flags().Changed
			return c.run(cmd.Context(), name, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&c.runtime, "runtime", "auto", "where to deploy: auto (docker if the daemon answers, else local), docker, local, swarm (a service per configuration on the swarm this engine manages); overrides the experiment's runtime:")
	f.StringVar(&c.out, "out", "results", "folder that receives results/<UTC time>-<experiment>/")
	f.Int64Var(&c.seed, "seed", 1, "seed for generated request bodies and think times")
	f.StringVar(&c.slo, "slo", "", "override the experiment's SLO, e.g. 'p95<1s,error_rate<1%'")
	f.IntVar(&c.targetUsers, "target-users", 0, "override the experiment's target_users (the capacity question)")
	f.IntVar(&c.repeat, "repeat", 0, fmt.Sprintf("override the experiment's repeat: run every configuration N times (1 to %d), e.g. for a gate's statistics", experiments.MaxRepeat))
	f.BoolVar(&c.gate, "gate", false, "after the run, evaluate the experiment's gates (exit 1 if one fails)")
	bindBaselineFlags(f, &c.gateOpts, "with --gate: ")
	return cmd
}

// run binds the flags to the experiment name and runs it (see
// experiments.Execute); the console redacts the experiment's secrets from
// the moment they are known.
func (c *runCmd) run(ctx context.Context, name string, stdout, stderr io.Writer) error {
	e, err := c.experiment(ctx, name)
	if err != nil {
		return err
	}
	// From here on everything printed goes through the experiment's
	// redactor (the progress bar needs the terminal itself: it redacts
	// its log lines on its own).
	red := useSecrets(e.Redactor())
	progress, stopProgress := newProgress(stderr)
	progress.red = red
	stdout, stderr = red.Writer(stdout), red.Writer(stderr)
	sess := experiments.Session{
		RuntimeMode: e.RuntimeMode(), Out: c.out, Seed: c.seed, Version: version,
		Stdout: stdout, Stderr: stderr,
		Log: progress, Progress: progress.update, EndProgress: stopProgress,
		OnForcedExit: onForcedExit.add,
	}
	if c.gate {
		o := c.gateOpts
		sess.Gate = &o
	}
	// The gate stage's *gate.ExitError decides the exit code (1, 2 or 3).
	return experiments.Execute(ctx, e, sess)
}

// experiment loads the experiment name with the flags' overrides,
// validated and with its target resolved. Bad flags or a bad experiment
// file are usage errors (exit 2); a compose file that cannot be read is
// an error (exit 1).
func (c *runCmd) experiment(ctx context.Context, name string) (experiments.Experiment, error) {
	if !slices.Contains(experiments.Runtimes, c.runtime) {
		return experiments.Experiment{}, usagef("--runtime %q: use %s", c.runtime, strings.Join(experiments.Runtimes, ", "))
	}
	if err := c.checkGateFlags(c.changed); err != nil {
		return experiments.Experiment{}, err
	}
	e, err := experiments.Load(name)
	if err != nil {
		return e, &exitError{Code: 2, Err: err}
	}
	if c.gateOpts.Against != "" && e.Challenger == nil {
		return e, usagef("--against %s: %s has no challenger: block, so there is no champion to gate against (add one, or use --baseline)", c.gateOpts.Against, name)
	}
	if c.gateOpts.Against != "" && e.Challenger.Weight != experiments.MaxChallengerWeight {
		return e, usagef("--against %s: %s's challenger weight is %s: the two versions must share every step equally to be compared (weight: 50%%)", c.gateOpts.Against, name, e.Challenger.Weight)
	}
	if c.slo != "" {
		e.SLO = c.slo
	}
	if c.runtimeSet {
		e.Runtime = c.runtime
	}
	if c.targetUsersSet {
		if c.targetUsers == 0 {
			return e, usagef("--target-users 0: must be ≥ 1 user; leave it out to keep the experiment's target_users")
		}
		e.TargetUsers = c.targetUsers
	}
	if c.repeatSet {
		if err := experiments.CheckRepeat(c.repeat); err != nil {
			return e, usagef("--repeat: %w; leave it out to keep the experiment's repeat (%d)", err, e.Repeat)
		}
		e.Repeat = c.repeat
	}
	if err := e.Validate(); err != nil {
		return e, usagef("%s: %w", name, err)
	}
	return e.ResolveTarget(ctx)
}

// checkGateFlags rejects gate flags that could only fail after the whole
// run: a baseline comparison flag without --gate, a --tolerance that does
// not parse or has no baseline, an --alpha out of (0, 1), a --baseline
// that does not exist.
func (c *runCmd) checkGateFlags(changed func(string) bool) error {
	if !c.gate {
		for _, f := range []string{"baseline", "against", "tolerance", "alpha", "allow-missing", "allow-other-experiment", "summary"} {
			if changed(f) {
				return usagef("--%s applies to the gate after the run: add --gate", f)
			}
		}
	}
	o := c.gateOpts
	if _, err := o.ParseTolerance(); err != nil {
		return usagef("%w", err)
	}
	if o.Against != "" && o.Against != record.VersionChampion {
		return usagef("--against %q: the one version a challenger is gated against is %q", o.Against, record.VersionChampion)
	}
	if err := checkAlpha(o.Alpha); err != nil {
		return err
	}
	if o.Baseline != "" {
		if _, err := os.Stat(o.Baseline); err != nil {
			return usagef("--baseline %s: %w (give a baseline JSON from `loadlab baseline save` or a results folder)", o.Baseline, errors.Unwrap(err))
		}
	}
	return nil
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/report"
	"github.com/loadlab/loadlab/report/gate"
)

// gateCmd evaluates SLO thresholds and baseline regressions on a recorded
// run, for CI. Exit codes: 0 pass, 1 a gate failed, 2 usage or input
// error, 3 the run was incomplete or the generator saturated.
type gateCmd struct {
	opts gateOptions
}

// gateOptions are the flags shared by `gate`, `baseline save` and `run --gate`.
type gateOptions struct {
	slo       string
	atUsers   float64
	at        string
	baseline  string
	tolerance string
	junit     string
}

func newGateCmd() *cobra.Command {
	c := &gateCmd{}
	cmd := &cobra.Command{
		Use:   "gate results/<run>",
		Short: "Pass/fail a recorded run against SLO thresholds and a baseline (for CI)",
		Long: `Evaluate SLO thresholds on the recorded steps of a run and compare it with a
baseline. Thresholds come from --slo, else the experiment's gates:, else its slo:.
They are evaluated at the target users (default; the highest step when unknown),
at --at-users N, or --at capacity.

Writes gate.junit.xml into the results folder (or --junit PATH) and appends a
Markdown summary to $GITHUB_STEP_SUMMARY when that variable is set.

Exit codes: 0 every gate passed, 1 a gate failed, 2 usage or input error,
3 the run cannot be trusted (incomplete, failed configuration, or the load
generator was saturated).`,
		Example: `  loadlab gate results/20261122T120000Z-quick --slo 'p95<1s,error_rate<1%,rps>=500'
  loadlab gate results/new --baseline baselines/quick.json --tolerance p95=10%,rps=5%,capacity=1step`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("gate takes one results folder (got %d arguments)", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.opts.run(cmd.Context(), args[0], cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	c.opts.bind(cmd, true)
	return cmd
}

func (o *gateOptions) bind(cmd *cobra.Command, withBaseline bool) {
	f := cmd.Flags()
	f.StringVar(&o.slo, "slo", "", "thresholds, e.g. 'p95<1s,error_rate<1%,rps>=500' (default: the experiment's gates, else its slo)")
	f.Float64Var(&o.atUsers, "at-users", 0, "evaluate at the step with this many users (or req/s)")
	f.StringVar(&o.at, "at", "", "where to evaluate: target (default), capacity")
	if withBaseline {
		f.StringVar(&o.baseline, "baseline", "", "baseline JSON (from `loadlab baseline save`) or a results folder to compare with")
		f.StringVar(&o.tolerance, "tolerance", "", "allowed regressions vs the baseline (default "+gate.DefaultTolerance+")")
		f.StringVar(&o.junit, "junit", "", "JUnit XML path (default <results>/gate.junit.xml)")
	}
}

// input builds the gate input of a results folder (gate.FromDir); its
// errors are usage errors, exit 2.
func (o *gateOptions) input(dir string) (gate.Input, error) {
	in, err := gate.FromDir(dir, gate.Options{SLO: o.slo, AtLoad: o.atUsers, At: o.at})
	if err != nil {
		return gate.Input{}, &exitError{code: gate.ExitUsage, err: err}
	}
	return in, nil
}

func (o *gateOptions) run(ctx context.Context, dir string, stdout, stderr io.Writer) error {
	// Flags are checked before any folder is judged: a usage error is exit
	// 2 whatever the runs hold.
	var tol gate.Tolerance
	switch {
	case o.baseline != "":
		text := o.tolerance
		if text == "" {
			text = gate.DefaultTolerance
		}
		var err error
		if tol, err = gate.ParseTolerance(text); err != nil {
			return usagef("--tolerance: %w", err)
		}
	case o.tolerance != "":
		return usagef("--tolerance needs --baseline")
	}
	in, err := o.input(dir)
	if err != nil {
		return err
	}
	if o.baseline != "" {
		b, err := loadBaseline(o.baseline, in)
		if err != nil {
			if ee := (*exitError)(nil); errors.As(err, &ee) {
				return err
			}
			return &exitError{code: gate.ExitUsage, err: err}
		}
		in.Baseline, in.Tolerance = b, tol
	}
	v := gate.Evaluate(in)
	if err := gate.WriteTable(stdout, v); err != nil {
		return err
	}
	junit := o.junit
	if junit == "" {
		junit = filepath.Join(dir, "gate.junit.xml")
	}
	if err := writeJUnit(junit, v); err != nil {
		return err
	}
	if err := gate.AppendStepSummary(v); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "loadlab: gate: %s (JUnit: %s)\n", [...]string{"pass", "FAIL", "usage", "UNTRUSTWORTHY"}[v.ExitCode()], junit)
	if code := v.ExitCode(); code != gate.ExitPass {
		return &exitError{code: code}
	}
	return nil
}

func writeJUnit(path string, v gate.Verdict) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write JUnit: %w", err)
	}
	if err := gate.WriteJUnit(f, v); err != nil {
		f.Close()
		return fmt.Errorf("write JUnit %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write JUnit %s: %w", path, err)
	}
	return nil
}

// loadBaseline reads a baseline JSON, or builds one from a results folder
// at the point cur is gated at. A results folder must hold a complete run,
// judged by its own plan.json and steps.jsonl as `baseline save` judges
// it; otherwise the error is an exitError with ExitUntrustworthy.
func loadBaseline(path string, cur gate.Input) (*gate.Baseline, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		in, err := report.ReadDir(path)
		if err != nil {
			return nil, fmt.Errorf("baseline run: %w", err)
		}
		if err := completeBaseline(path, in.Records, in.Plan, in.Torn); err != nil {
			return nil, err
		}
		g := cur
		g.Records, g.Plan, g.Torn = in.Records, in.Plan, in.Torn
		g.Capacity, g.Step = report.Capacities(in)
		b, err := gate.NewBaseline(g, time.Now())
		if err != nil {
			return nil, fmt.Errorf("baseline run %s: %w", path, err)
		}
		return &b, nil
	}
	return gate.LoadBaseline(path)
}

// completeBaseline refuses, with ExitUntrustworthy, a results folder that
// cannot serve as a baseline: an incomplete run or one with a failed
// configuration or repeat (gate.Untrusted).
func completeBaseline(dir string, recs []record.Record, plan *record.Plan, torn *record.TornLine) error {
	if why := gate.Untrusted(recs, plan, torn); len(why) > 0 {
		return &exitError{code: gate.ExitUntrustworthy, err: fmt.Errorf("%s cannot serve as a baseline (%s): a baseline must come from a complete run without failures",
			dir, strings.Join(why, "; "))}
	}
	return nil
}

// gateRun is `loadlab run --gate`: the experiment's gates on the fresh run.
func gateRun(ctx context.Context, dir, gates, baseline, tolerance string, stdout, stderr io.Writer) error {
	o := gateOptions{slo: gates, baseline: baseline, tolerance: tolerance}
	return o.run(ctx, dir, stdout, stderr)
}

// baselineCmd groups baseline management; `baseline save` stores what a
// later gate compares with.
func newBaselineCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "baseline", Short: "Store a run's figures for later gates to compare with"}
	o := &gateOptions{}
	save := &cobra.Command{
		Use:     "save results/<run> baselines/<name>.json",
		Short:   "Save a run's capacity and metrics at the gated point as a baseline JSON",
		Example: "  loadlab baseline save results/20261122T120000Z-quick baselines/quick.json",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 2 {
				return usagef("baseline save takes a results folder and an output path (got %d arguments)", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.slo = "p95<1h" // thresholds are irrelevant to a baseline; any valid one selects the point
			in, err := o.input(args[0])
			if err != nil {
				return err
			}
			if err := completeBaseline(args[0], in.Records, in.Plan, in.Torn); err != nil {
				return err
			}
			b, err := gate.NewBaseline(in, time.Now())
			if err != nil {
				return err
			}
			if err := b.Save(args[1]); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "loadlab: baseline of %s (%d configurations, %s) saved to %s\n",
				b.Run, len(b.Configs), strconv.Quote(in.At), args[1])
			return nil
		},
	}
	f := save.Flags()
	f.Float64Var(&o.atUsers, "at-users", 0, "keep the metrics of the step with this many users (or req/s)")
	f.StringVar(&o.at, "at", "", "where to take the metrics: target (default), capacity")
	cmd.AddCommand(save)
	return cmd
}

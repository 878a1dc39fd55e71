package main

import (
	"math"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/loadlab/loadlab/report/gate"
)

// gateCmd evaluates SLO thresholds and baseline regressions on a recorded
// run, for CI. Exit codes: 0 pass, 1 a gate failed, 2 usage or input
// error, 3 the run was incomplete or the generator saturated.
type gateCmd struct {
	opts gate.Options
}

func newGateCmd() *cobra.Command {
	c := &gateCmd{}
	cmd := &cobra.Command{
		Use:   "gate results/<run>",
		Short: "Pass/fail a recorded run against SLO thresholds and a baseline (for CI)",
		Long: `Evaluate SLO thresholds on the recorded steps of a run and compare it with a
baseline. Thresholds come from --slo, else the experiment's gates:, else its slo:.
They are evaluated at the target users (default; the highest step when unknown),
at --at-users N, or --at capacity. Streamed responses have their own metrics:
ttft_<stat>, itl_<stat>, tpot_<stat> (stat: min, mean, p50, p90, p95, p99, max),
output_tokens_per_s and goodput_rps; a run that did not measure one fails it.

A baseline is compared with, per configuration, at the load level it holds
(whatever --at says); a run without a complete step at that level exits 2.
With repeats on both sides a regression fails only when it is significantly
beyond --tolerance (one-sided Mann-Whitney U against the baseline moved to the
tolerance's limit, p < --alpha) and the change itself is significant; "~"
marks a change that is not significant, and never fails.
A configuration missing from either side fails unless --allow-missing; a
baseline of another experiment exits 2 unless --allow-other-experiment.

--against champion gates a champion/challenger run (challenger: in the
experiment) on itself: each challenger against its champion, measured in the
same time windows under one load, with the same rules as a baseline. On a
machine whose speed drifts between runs this is the comparison that holds a
tight tolerance (weight: 50% gives both versions the same load).

Writes gate.junit.xml into the results folder (or --junit PATH), a Markdown
summary to --summary FILE, and appends it to $GITHUB_STEP_SUMMARY when that
variable is set.

Exit codes: 0 every gate passed, 1 a gate failed, 2 usage or input error,
3 the run cannot be trusted (incomplete, failed configuration, or the load
generator was saturated).`,
		Example: `  loadlab gate results/20261122T120000Z-quick --slo 'p95<1s,error_rate<1%,rps>=500'
  loadlab gate results/new --baseline baselines/quick.json --tolerance p95=10%,rps=5%,capacity=1step
  loadlab gate results/new --baseline results/main-run --tolerance cpu_per_request=10% --summary gate.md
  loadlab gate results/ab-run --against champion --tolerance cpu_per_request=10%,requests_per_cpu_s=10%
  loadlab gate results/llm-run --slo 'ttft_p95<1s,tpot_p95<100ms,error_rate<1%'
  loadlab gate results/llm-run --baseline baselines/llm.json --tolerance ttft_p95=10%,output_tokens_per_s=10%,goodput_rps=10%`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("gate takes one results folder (got %d arguments)", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkAlpha(c.opts.Alpha); err != nil {
				return err
			}
			return gate.Run(cmd.Context(), args[0], c.opts, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	bindGateFlags(cmd, &c.opts)
	return cmd
}

// bindGateFlags binds the flags of `gate` to o (gate.Options).
func bindGateFlags(cmd *cobra.Command, o *gate.Options) {
	f := cmd.Flags()
	f.StringVar(&o.SLO, "slo", "", "thresholds, e.g. 'p95<1s,error_rate<1%,rps>=500' (default: the experiment's gates, else its slo)")
	f.Float64Var(&o.AtLoad, "at-users", 0, "evaluate at the step with this many users (or req/s)")
	f.StringVar(&o.At, "at", "", "where to evaluate: target (default), capacity")
	bindBaselineFlags(f, o, "")
	f.StringVar(&o.JUnit, "junit", "", "JUnit XML path (default <results>/gate.junit.xml)")
}

// checkAlpha refuses a significance level outside (0, 1): a usage error,
// before anything is read or deployed.
func checkAlpha(a float64) error {
	if a <= 0 || a >= 1 || math.IsNaN(a) {
		return usagef("--alpha %g: want a significance level between 0 and 1, e.g. 0.05", a)
	}
	return nil
}

// bindBaselineFlags binds the baseline comparison's flags and --summary to
// o, for `gate` and for `run --gate`; with is prefixed to their help
// ("with --gate: ").
func bindBaselineFlags(f *pflag.FlagSet, o *gate.Options, with string) {
	f.StringVar(&o.Baseline, "baseline", "", with+"the baseline to compare with: a JSON `FILE` saved by loadlab baseline save, or a results folder (such as the last run of main)")
	f.StringVar(&o.Against, "against", "", with+"gate a champion/challenger run's challenger against its champion of the same run (the one value: champion), instead of a --baseline: both measured at the same time under one load, so a machine whose speed drifts moves both")
	f.StringVar(&o.Tolerance, "tolerance", "", with+"allowed regressions vs the baseline, e.g. p95=10%,rps=5%,capacity=1step (default "+gate.DefaultTolerance+", plus "+gate.DefaultStreamTolerance+" for a streaming run whose baseline holds streams)")
	f.Float64Var(&o.Alpha, "alpha", gate.DefaultAlpha, with+"significance level: with repeats, a regression fails only when it is significantly beyond its tolerance (one-sided Mann-Whitney U, or with --against Wilcoxon's signed-rank test on the pairs, p below this) and the change itself significant")
	f.BoolVar(&o.AllowMissing, "allow-missing", false, with+"accept configurations that the run or the baseline lacks (noted instead of failing)")
	f.BoolVar(&o.AllowOtherExperiment, "allow-other-experiment", false, with+"compare with a baseline of another experiment (noted instead of refused)")
	f.StringVar(&o.Summary, "summary", "", with+"also write the Markdown summary (for a pull-request comment) to this file")
}

// baselineCmd groups baseline management; `baseline save` stores what a
// later gate compares with.
func newBaselineCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "baseline", Short: "Store a run's figures for later gates to compare with"}
	o := &gate.Options{}
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
			return gate.SaveBaseline(cmd.Context(), args[0], args[1], *o, cmd.ErrOrStderr())
		},
	}
	f := save.Flags()
	f.Float64Var(&o.AtLoad, "at-users", 0, "keep the metrics of the step with this many users (or req/s)")
	f.StringVar(&o.At, "at", "", "where to take the metrics: target (default), capacity")
	cmd.AddCommand(save)
	return cmd
}

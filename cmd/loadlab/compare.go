package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/loadlab/loadlab/report"
)

// compareCmd shows two recorded runs side by side.
type compareCmd struct {
	out string
}

func newCompareCmd() *cobra.Command {
	c := &compareCmd{}
	cmd := &cobra.Command{
		Use:   "compare results/<a> results/<b>",
		Short: "Compare two runs side by side: capacity, p95 at target and max RPS, with deltas, statistics across repeats and plots",
		Long: `Compare two recorded runs configuration by configuration (matched by name):
capacity, p95 at the target load and the highest RPS within the SLO, each with
its delta (B − A). Each run is judged by its own experiment's SLO and target.

Then the statistics a CI gate uses, across the runs' repeats (repeat: N, or
--repeat N): p95, p50, rps, error_rate, cpu_per_request and requests_per_cpu_s
at each run's target step, and the capacity; when either run streamed responses
(stream: sse or ndjson), also ttft_p95, tpot_p95, itl_p95, output_tokens_per_s
and goodput_rps. Each shows each run's median ± its
95 % confidence interval and B vs A as benchstat prints it: the change of the
median with its range, the Mann-Whitney U p-value and the repeats (n=A+B), or
"~" when the change is not significant at α = 0.05. With one repeat on a side
the plain change is shown with "no statistics"; when the repeats are too few
to ever reach α whatever their values (3+3 and 3+4 cannot, 4+4 and 5+5 can),
it says so.

compare.md (with the same statistics) and the comparison plots (run A solid,
run B dashed) are written to --out.`,
		Example: `  loadlab compare results/20261122T120000Z-workshop results/20261129T090000Z-workshop --out results/compare`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 2 {
				return usagef("give two results folders: loadlab compare results/<a> results/<b> (got %d arguments)", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.run(cmd, args[0], args[1], cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringVar(&c.out, "out", "", "folder for compare.md and the plots (default: compare-<a>-vs-<b> beside run b)")
	return cmd
}

func (c *compareCmd) run(cmd *cobra.Command, dirA, dirB string, stdout, stderr io.Writer) error {
	var runs [2]report.Analysis
	for i, dir := range []string{dirA, dirB} {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return usagef("%s is not a results folder (give results/<run>, the folder holding steps.jsonl)", dir)
		}
		in, err := report.LoadDir(dir)
		if err != nil {
			return err
		}
		runs[i] = report.Analyze(in)
	}
	nameA, nameB := filepath.Base(filepath.Clean(dirA)), filepath.Base(filepath.Clean(dirB))
	cmp := report.Compare(runs[0], runs[1], nameA, nameB)
	out := c.out
	if out == "" {
		out = filepath.Join(filepath.Dir(filepath.Clean(dirB)), "compare-"+nameA+"-vs-"+nameB)
	}
	files, err := report.WriteCompareAll(cmd.Context(), out, cmp)
	if err != nil {
		return fmt.Errorf("write comparison: %w", err)
	}
	if err := report.WriteCompareTable(stdout, cmp); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "loadlab: comparison written to %s (%d files)\n", out, len(files))
	return nil
}

package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/loadlab/loadlab/report"
	"github.com/loadlab/loadlab/slo"
)

// reportCmd re-renders the report of a recorded run from its steps.jsonl.
type reportCmd struct {
	out         string
	slo         string
	targetUsers int
	title       string
}

func newReportCmd() *cobra.Command {
	c := &reportCmd{}
	cmd := &cobra.Command{
		Use:   "report results/<run>",
		Short: "Re-render a run's report (tables, plots, HTML) from its steps.jsonl",
		Long: `Re-render every report file of a recorded run from its steps.jsonl (and its
experiment.yaml and environment.json when present): report.md, report.html,
summary.json, steps.csv and plots/*.png|svg, and print the comparison table
with the recommendation. Works on partial runs too.

The SLO and target_users come from the run's experiment.yaml; --slo and
--target-users override them (e.g. to ask what a stricter SLO would give).`,
		Example: `  loadlab report results/20261122T120000Z-workshop
  loadlab report results/20261122T120000Z-workshop --slo 'p95<500ms,error_rate<1%' --out /tmp/strict`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("give one results folder: loadlab report results/<run> (got %d arguments)", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.run(cmd, args[0], cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&c.out, "out", "", "folder to write the report into (default: the results folder itself)")
	f.StringVar(&c.slo, "slo", "", "judge the steps by this SLO instead of the experiment's, e.g. 'p95<1s,error_rate<1%'")
	f.IntVar(&c.targetUsers, "target-users", 0, "the load the capacity question asks about (default: the experiment's target_users)")
	f.StringVar(&c.title, "title", "", "report title (default: the experiment's name)")
	return cmd
}

func (c *reportCmd) run(cmd *cobra.Command, dir string, stdout, stderr io.Writer) error {
	if c.targetUsers < 0 {
		return usagef("--target-users %d: must be a positive number of users (or req/s for open-loop runs)", c.targetUsers)
	}
	var override slo.SLO
	if c.slo != "" {
		s, err := slo.Parse(c.slo)
		if err != nil {
			return usagef("--slo %q: %w", c.slo, err)
		}
		override = s
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return usagef("%s is not a results folder (give results/<run>, the folder holding steps.jsonl)", dir)
	}
	in, err := report.LoadDir(dir)
	if err != nil {
		return err
	}
	if override != nil {
		in.SLO = override
	}
	if c.targetUsers > 0 {
		in.TargetLoad = c.targetUsers
	}
	if c.title != "" {
		in.Title = c.title
	}
	out := c.out
	if out == "" {
		out = dir
	}
	files, err := report.WriteAll(cmd.Context(), out, in)
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if err := report.WriteTerminal(stdout, in); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "loadlab: report written to %s (%d files; open report.html)\n", out, len(files))
	return nil
}

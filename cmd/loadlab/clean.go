package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/loadlab/loadlab/target/docker"
)

// cleanCmd removes what killed runs left in Docker: every container and
// network labelled loadlab.run (or only one run's, with --run).
type cleanCmd struct {
	run    string
	dryRun bool
}

func newCleanCmd() *cobra.Command {
	c := &cleanCmd{}
	cmd := &cobra.Command{
		Use:   "clean",
		Short: "Remove containers and networks left by interrupted runs",
		Long: `Remove every Docker container (forcibly, running or not) and then every network
that carries a loadlab.run label: what a run killed before its teardown left
behind. Images are kept. Prints one line per object removed.

Do not run it while another loadlab run uses Docker on this machine: its
containers carry the same label (use --run to limit the removal to one run).`,
		Example: `  loadlab clean
  loadlab clean --dry-run
  loadlab clean --run 20261122T120000Z-quick`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.exec(cmd.Context(), cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&c.run, "run", "", "remove only what this run ID created (label loadlab.run=<id>)")
	cmd.Flags().BoolVar(&c.dryRun, "dry-run", false, "list what would be removed, remove nothing")
	return cmd
}

func (c *cleanCmd) exec(ctx context.Context, out io.Writer) error {
	rt, err := docker.New(ctx)
	if err != nil {
		return fmt.Errorf("clean: %w", err)
	}
	defer rt.Close()
	var names []string
	verb := "removed"
	switch {
	case c.dryRun:
		verb = "would remove"
		if c.run != "" {
			names, err = rt.LeftoversRun(ctx, c.run)
		} else {
			names, err = rt.Leftovers(ctx)
		}
	case c.run != "":
		names, err = rt.CleanRun(ctx, c.run)
	default:
		names, err = rt.Clean(ctx)
	}
	for _, n := range names {
		if _, werr := fmt.Fprintf(out, "%s %s\n", verb, n); werr != nil {
			return werr
		}
	}
	if err != nil {
		return fmt.Errorf("clean: %w", err)
	}
	if len(names) == 0 {
		_, err = fmt.Fprintln(out, "nothing to clean: no container or network carries a loadlab.run label")
	}
	return err
}

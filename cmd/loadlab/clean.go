package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"

	"github.com/spf13/cobra"

	"github.com/loadlab/loadlab/target/runtime"
	"github.com/loadlab/loadlab/target/runtime/docker"
	"github.com/loadlab/loadlab/target/runtime/swarm"
)

// cleanCmd removes what killed runs left in Docker: the swarm services
// (when the engine manages a swarm), containers and networks labelled
// loadlab.run (or only one run's, with --run) whose
// owner process is gone (see runtime.Leftover), or all of them with --force.
type cleanCmd struct {
	run    string
	dryRun bool
	force  bool
}

func newCleanCmd() *cobra.Command {
	c := &cleanCmd{}
	cmd := &cobra.Command{
		Use:   "clean",
		Short: "Remove services, containers and networks left by interrupted runs",
		Long: `Remove the Swarm services (when this engine manages a swarm; their task
containers are awaited), then the Docker containers (forcibly, running or
not) and then the networks that carry a loadlab.run label and whose owner is
gone: what a run killed before its teardown left behind. Images are kept.
Prints one line per object removed.

Every object records the loadlab process that created it (labels
loadlab.owner.pid, loadlab.owner.host, loadlab.owner.start). An object is
kept while that process still runs on this host (same PID and start time),
and when it was created from another host, whose processes cannot be
checked from here; objects without owner labels (older loadlab versions)
are removed. --force removes everything labelled, live runs included.`,
		Example: `  loadlab clean
  loadlab clean --dry-run
  loadlab clean --run 20261122T120000Z-quick-3fa9c2
  loadlab clean --force`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.exec(cmd.Context(), cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&c.run, "run", "", "remove only what this run ID created (label loadlab.run=<id>)")
	cmd.Flags().BoolVar(&c.dryRun, "dry-run", false, "list what would be removed, remove nothing")
	cmd.Flags().BoolVar(&c.force, "force", false, "also remove what runs still in progress (or started on another host) own")
	return cmd
}

func (c *cleanCmd) exec(ctx context.Context, out io.Writer) error {
	rt, err := docker.New(ctx)
	if err != nil {
		return fmt.Errorf("clean: %w", err)
	}
	defer rt.Close()
	host, _ := os.Hostname()
	kept := map[string]string{} // run ID → why it is kept
	sel := func(labels map[string]string) bool {
		if c.force || runtime.Leftover(labels, host, runtime.Alive) {
			return true
		}
		kept[labels[docker.LabelRun]] = keptReason(labels, host)
		return false
	}
	// Services go first: Swarm would replace task containers removed
	// under a live service.
	names, err := cleanServices(ctx, c.run, c.dryRun, sel)
	var more []string
	var derr error
	verb := "removed"
	if c.dryRun {
		verb = "would remove"
		more, derr = rt.Leftovers(ctx, c.run, sel)
	} else {
		more, derr = rt.Clean(ctx, c.run, sel)
	}
	names, err = append(names, more...), errors.Join(err, derr)
	for _, n := range names {
		if _, werr := fmt.Fprintf(out, "%s %s\n", verb, n); werr != nil {
			return werr
		}
	}
	for _, run := range slices.Sorted(maps.Keys(kept)) {
		if _, werr := fmt.Fprintf(out, "kept run %s: %s (--force removes it)\n", run, kept[run]); werr != nil {
			return werr
		}
	}
	if err != nil {
		return fmt.Errorf("clean: %w", err)
	}
	if len(names) == 0 && len(kept) == 0 {
		_, err = fmt.Fprintln(out, "nothing to clean: no service, container or network carries a loadlab.run label")
	}
	return err
}

// cleanServices removes (or with dryRun lists) the swarm services of run
// (every run when "") that sel selects; nothing when the engine manages
// no swarm.
func cleanServices(ctx context.Context, run string, dryRun bool, sel docker.Select) ([]string, error) {
	sw, err := swarm.New(ctx, swarm.Options{})
	if errors.Is(err, swarm.ErrNoSwarm) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("swarm services: %w", err)
	}
	defer sw.Close()
	if dryRun {
		return sw.Leftovers(ctx, run, sel)
	}
	return sw.Clean(ctx, run, sel)
}

// keptReason says why an object with these labels is kept.
func keptReason(labels map[string]string, host string) string {
	o, _ := runtime.OwnerOf(labels)
	if o.Host != host {
		return fmt.Sprintf("its owner, loadlab process %d, runs on host %q, which cannot be checked from here", o.PID, o.Host)
	}
	return fmt.Sprintf("its owner, loadlab process %d, is still running", o.PID)
}

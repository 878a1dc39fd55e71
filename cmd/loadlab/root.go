package main

import (
	"github.com/spf13/cobra"
)

// rootCmd is the top-level command; each subcommand is a struct of its own
// (see serve.go, ramp.go, run.go, ...) built by a constructor.
type rootCmd struct {
	cmd *cobra.Command
}

func newRootCmd(version string) *cobra.Command {
	r := &rootCmd{}
	r.cmd = &cobra.Command{
		Use:   "loadlab",
		Short: "Load-test ML inference APIs under Docker resource limits and report capacity",
		Long: `loadlab deploys an inference API under each configuration of an experiment
matrix (CPU, memory, replicas), ramps simulated users in steps, measures each
step (RPS, errors, latency percentiles, container and generator CPU/memory),
and reports the capacity of each configuration under an SLO.

  loadlab run experiments/quick.yaml          # a whole experiment
  loadlab ramp --url http://127.0.0.1:8000     # ramp a running API
  loadlab serve                                # the reference inference API`,
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	r.cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &usageError{err: err}
	})
	r.cmd.AddCommand(subcommands()...)
	return r.cmd
}

// subcommands lists every subcommand; add new ones here.
func subcommands() []*cobra.Command {
	return []*cobra.Command{
		newServeCmd(),
		newHealthcheckCmd(),
		newTrainCmd(),
		newRampCmd(),
		newCleanCmd(),
		newReportCmd(),
		newCompareCmd(),
		newRunCmd(),
		newGateCmd(),
		newBaselineCmd(),
		newAgentCmd(),
	}
}

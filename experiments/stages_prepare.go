package experiments

import (
	"context"
	"fmt"
	"time"

	"github.com/loadlab/loadlab/rundir"
)

// runtimeStage chooses the runtime (Session.RuntimeMode), says why when it
// is not the one asked for, and warns about leftovers of earlier runs.
type runtimeStage struct{}

func (runtimeStage) String() string { return "runtime" }

func (runtimeStage) Run(ctx context.Context, s *runState) error {
	rt, err := SelectRuntime(ctx, s.RuntimeMode, s.e)
	if err != nil {
		return err
	}
	s.rt = rt
	if rt.Note != "" {
		fmt.Fprintf(s.Stderr, "loadlab: %s\n", rt.Note)
	}
	if warn := rt.Leftovers(ctx); warn != "" {
		fmt.Fprintf(s.Stderr, "loadlab: warning: %s (remove them with `loadlab clean`)\n", warn)
	}
	return nil
}

// resultsStage makes the run's ID and creates its results folder with the
// resolved experiment, the plan and the environment (see Prepare), before
// any load is sent; it says where the results and the load go.
type resultsStage struct{}

func (resultsStage) String() string { return "results folder" }

func (resultsStage) Run(ctx context.Context, s *runState) error {
	env := rundir.HostEnvironment(s.Version)
	env.Runtime = s.rt.Name()
	env.RuntimeNote = s.rt.Note
	env.RuntimeApproximate = s.rt.Approximate()
	env.DockerVersion = s.rt.EngineVersion(ctx)
	s.runID = rundir.NewRunID(time.Now(), s.e.Name)
	dir, err := Prepare(s.Out, s.runID, s.e, env)
	if err != nil {
		return err
	}
	s.dir = dir
	if ro := s.e.Rollout; ro != nil {
		fmt.Fprintf(s.Stderr, "loadlab: run %s: %s, runtime %s\n", s.runID, ro.Describe(), s.rt.Name())
	} else if l := s.e.Search; l != nil {
		fmt.Fprintf(s.Stderr, "loadlab: run %s: limit search for %d users: %s, %s, runtime %s\n",
			s.runID, s.e.TargetUsers, describeSearch(*l), s.e.Scenario.Describe(), s.rt.Name())
	} else {
		fmt.Fprintf(s.Stderr, "loadlab: run %s: %d configuration(s) × %d repeat(s), %s, runtime %s\n",
			s.runID, len(s.e.Expand()), s.e.Repeat, s.e.Scenario.Describe(), s.rt.Name())
	}
	fmt.Fprintf(s.Stderr, "loadlab: results in %s (each step is written as soon as it is measured)\n", dir)
	if addrs := s.rt.Addresses(s.e); addrs != "" {
		fmt.Fprintf(s.Stderr, "loadlab: load goes only to %s\n", addrs)
	}
	return nil
}

package experiments

import (
	"context"
	"fmt"
	"time"
)

// sweepSettle is how long an interrupted docker run keeps looking for
// objects of cancelled create requests (see Runtime.Sweep).
const sweepSettle = 2 * time.Second

// forcedSweepSettle is the same for a forced exit (second Ctrl-C), whose
// sweep may meet the runner's own teardown half done.
const forcedSweepSettle = time.Second

// measureStage runs every configuration × repeat (see Runner), each step
// appended to steps.jsonl as it is measured. While it runs, a forced exit
// removes the run's containers and networks by their run label (the
// runner's own teardown does not run then); sweepStage unregisters that.
type measureStage struct{}

func (measureStage) String() string { return "measure" }

func (measureStage) Run(ctx context.Context, s *runState) error {
	if s.OnForcedExit != nil {
		s.removeHook = s.OnForcedExit(func(ctx context.Context) {
			if removed, err := s.rt.Sweep(ctx, s.runID, forcedSweepSettle); err != nil || len(removed) > 0 {
				fmt.Fprintf(s.Stderr, "loadlab: forced cleanup of run %s: removed %d object(s)%s\n", s.runID, len(removed), errSuffix(err))
			}
		})
	}
	r := &Runner{Runtime: s.rt, Dir: s.dir, RunID: s.runID, Log: s.Log, Progress: s.Progress, Seed: s.Seed, Agents: s.rt.agents(s.runID)}
	s.measured = true
	s.res, s.loopErr = r.Run(ctx, s.e)
	if s.EndProgress != nil {
		s.EndProgress()
	}
	return s.loopErr
}

// sweepStage, after an interrupted measurement, makes one more pass over
// the run's label; after a deploy cancelled mid-request it keeps looking,
// since the daemon may still create a container or network after the
// deploy's cleanup looked. Then the forced-exit cleanup is unregistered.
type sweepStage struct{}

func (sweepStage) String() string { return "sweep" }
func (sweepStage) final()         {}

func (sweepStage) Run(ctx context.Context, s *runState) error {
	if !s.measured {
		return nil
	}
	if s.loopErr != nil && ctx.Err() != nil {
		settle := time.Duration(0)
		if s.res.Stage == StageDeploy {
			settle = sweepSettle
		}
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
		removed, err := s.rt.Sweep(sctx, s.runID, settle)
		cancel()
		if err != nil || len(removed) > 0 {
			fmt.Fprintf(s.Stderr, "loadlab: removed %d object(s) created by the interrupted deploy%s\n", len(removed), errSuffix(err))
		}
	}
	if s.removeHook != nil {
		s.removeHook()
	}
	return nil
}

// errSuffix is ": <err>" or "".
func errSuffix(err error) string {
	if err == nil {
		return ""
	}
	return ": " + err.Error()
}

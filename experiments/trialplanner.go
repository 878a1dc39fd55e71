package experiments

import (
	"github.com/loadlab/loadlab/scenarios"
	"github.com/loadlab/loadlab/scenarios/engine"
	"github.com/loadlab/loadlab/search"
	"github.com/loadlab/loadlab/slo"
)

// trialPlanner plans the steps of one trial of a limit search on scenario
// s: approach steps up to target and one step at it
// (Scenario.TrialPlanner), or, for a TrialCapacity trial, a capacity
// search up to target (see capacityTrial).
func trialPlanner(s scenarios.Scenario, target float64, verdict slo.SLO, phase string) scenarios.Planner {
	if phase == search.TrialCapacity {
		// TODO(hB merge): s.Ramp.Search = capacityTrial(target); s.Planner(verdict)
		_ = capacityTrial(target)
	}
	return s.TrialPlanner(target, verdict, phase)
}

// options makes the engine run the trial's planner instead of the
// scenario's plan.
func (t *trialRun) options(opts *engine.Options) {
	// TODO(hB merge): opts.Planner = t.planner
	_ = opts
}

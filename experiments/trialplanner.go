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
		c := capacityTrial(target)
		s.Ramp.Search = &c
		s.Ramp.From, s.Ramp.To, s.Ramp.By, s.Ramp.Steps = 0, 0, 0, nil
		return s.Planner(verdict)
	}
	return s.TrialPlanner(target, verdict, phase)
}

// options makes the engine run the trial's planner instead of the
// scenario's plan (the engine then accepts a ramp without levels).
func (t *trialRun) options(opts *engine.Options) {
	opts.Planner = t.planner
}

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
		return trialScenario(s, target).Planner(verdict)
	}
	return s.TrialPlanner(target, verdict, phase)
}

// trialScenario is the scenario the engine runs for a trial up to target:
// s with a ramp that is the capacity search of a TrialCapacity trial
// (capacityTrial). A limit search's scenario has no load levels of its
// own, and the engine validates the scenario it runs; the trial's planner
// (Options.Planner) decides the steps, so for any other trial the ramp
// only makes the scenario whole.
func trialScenario(s scenarios.Scenario, target float64) scenarios.Scenario {
	c := capacityTrial(target)
	s.Ramp.Search = &c
	s.Ramp.From, s.Ramp.To, s.Ramp.By, s.Ramp.Steps = 0, 0, 0, nil
	return s
}

// options makes the engine run the trial's planner instead of the
// scenario's plan.
func (t *trialRun) options(opts *engine.Options) {
	opts.Planner = t.planner
}

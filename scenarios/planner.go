package scenarios

import (
	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/slo"
)

// Planner decides a ramp's steps one at a time, so that a search can choose
// each load from what the steps before it measured. It is pure: records
// in, the next step out.
type Planner interface {
	// Next returns the step to run after done — every step run so far,
	// oldest first, the last one judged by the SLO (its SLO field set) but
	// not yet emitted — or false when the ramp is over. It may annotate
	// the last record's Search field (a search's verdict on it and, when
	// it ends the search, the result). Step.Index counts from 0; Offset is
	// not meaningful for a search.
	Next(done []record.Record) (Step, bool)
	// Len is the number of steps planned, or 0 when it is not known in
	// advance (a search).
	Len() int
}

// Planner returns the scenario's planner (defaults applied): its
// ramp.search when set, judged against verdict (the experiment's SLO, or
// stop.slo), else its fixed Plan.
func (s Scenario) Planner(verdict slo.SLO) Planner {
	panic("scenarios: not yet implemented")
}

// TrialPlanner is a limit search's trial of one configuration (defaults
// applied): a few quick approach steps up to target (users, or requests/s
// under model rate), each only long enough to spawn its users and take a
// short measurement, ending the trial early when one breaches verdict,
// then one step at target held for the ramp's hold, which decides the
// trial. Every step is marked Search{Kind: SearchLimits, Trial: trial}.
func (s Scenario) TrialPlanner(target float64, verdict slo.SLO, trial string) Planner {
	panic("scenarios: not yet implemented")
}

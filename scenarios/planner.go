package scenarios

import (
	"errors"

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

// ErrNoVerdict refuses a search without an SLO to judge its steps (see
// PlannerErr).
var ErrNoVerdict = errors.New("a search needs an SLO to judge its steps")

// PlannerErr is the reason planner cannot run, checked before any load:
// a search or a trial built without an SLO (ErrNoVerdict). Nil for a
// planner that does not say.
func PlannerErr(p Planner) error {
	if c, ok := p.(interface{ Err() error }); ok {
		return c.Err()
	}
	return nil
}

// Planned returns the steps of a planner that knows them in advance (the
// fixed plan, a trial), in order, or nil (a search).
func Planned(p Planner) []Step {
	if s, ok := p.(interface{ Steps() []Step }); ok {
		return s.Steps()
	}
	return nil
}

// Planner returns the scenario's planner (defaults applied): its
// ramp.search when set, judged against verdict (the experiment's SLO, or
// stop.slo), else its fixed Plan. A search with an empty verdict cannot
// run: PlannerErr reports it, and its Next plans nothing.
func (s Scenario) Planner(verdict slo.SLO) Planner {
	d := s.WithDefaults()
	if d.Ramp.Search != nil {
		return newSearchPlanner(d, verdict)
	}
	return Fixed(d.Plan())
}

// Fixed is the planner of a plan known in advance: step i after i steps,
// whatever they measured (the engine applies the stop conditions).
func Fixed(steps []Step) Planner { return fixedPlanner(steps) }

type fixedPlanner []Step

// Next returns the step after done, or false after the last.
func (f fixedPlanner) Next(done []record.Record) (Step, bool) {
	if len(done) >= len(f) {
		return Step{}, false
	}
	return f[len(done)], true
}

// Len is the number of steps.
func (f fixedPlanner) Len() int { return len(f) }

// Steps is the plan.
func (f fixedPlanner) Steps() []Step { return f }

package scenarios

import (
	"math"
	"time"

	"github.com/loadlab/loadlab/record"
)

// Plan returns the steps of the scenario with its defaults applied; it is
// pure (no clock, no I/O).
//
// The levels are ramp.steps when given, else ramp.from, from+by, from+2·by,
// … up to and including ramp.to; when to is not reached exactly the last
// step is ramp.to. A range whose from equals its to is the one step from,
// whatever by is. Under model users a level is a whole number of users
// (Step.Users), under model rate requests/s (Step.Rate). Step i starts at
// Offset i·hold and lasts hold.
//
// Step.Settle, the start of the step left out of its measurement window,
// is ramp.settle or, under model users, the time to spawn or stop the
// users the step adds or removes at spawn_rate (rounded up to the
// millisecond), whichever is longer, so that a window never measures a
// half-spawned step; it never exceeds hold.
//
// An invalid ramp still yields a bounded plan (at most MaxSteps steps);
// call Validate first to reject it.
func (s Scenario) Plan() []Step {
	d := s.WithDefaults()
	levels := d.Ramp.levels()
	steps := make([]Step, len(levels))
	prev := 0
	for i, v := range levels {
		st := Step{
			Index:  i,
			Offset: time.Duration(i) * d.Ramp.Hold,
			Hold:   d.Ramp.Hold,
			Settle: max(d.Ramp.Settle, 0),
		}
		if d.Model == record.ModelRate {
			st.Rate = v
		} else {
			st.Users = int(math.Round(v))
			st.Settle = max(st.Settle, spawnTime(st.Users-prev, d.SpawnRate))
			prev = st.Users
		}
		st.Settle = min(st.Settle, max(st.Hold, 0))
		steps[i] = st
	}
	return steps
}

// levels lists the ramp's load levels, at most MaxSteps.
func (r Ramp) levels() []float64 {
	if len(r.Steps) > 0 {
		return append([]float64(nil), r.Steps[:min(len(r.Steps), MaxSteps)]...)
	}
	from, to, by := r.From, r.To, r.By
	if !finite(from, to, by) || (from == 0 && to == 0) {
		return nil
	}
	if by <= 0 || to <= from {
		return []float64{from}
	}
	eps := by * 1e-9
	var out []float64
	for i := 0; i < MaxSteps; i++ {
		v := from + float64(i)*by
		if v > to+eps {
			break
		}
		if math.Abs(v-to) <= eps {
			v = to
		}
		out = append(out, v)
	}
	if last := out[len(out)-1]; last < to && len(out) < MaxSteps {
		out = append(out, to)
	}
	return out
}

// spawnTime is how long adding (or removing) delta users takes at rate
// users/s, rounded up to the millisecond; 0 for a rate ≤ 0.
func spawnTime(delta int, rate float64) time.Duration {
	if delta < 0 {
		delta = -delta
	}
	if !(rate > 0) || delta == 0 {
		return 0
	}
	ms := math.Ceil(float64(delta) / rate * 1000)
	if ms > float64(math.MaxInt64/int64(time.Millisecond)) {
		return math.MaxInt64
	}
	return time.Duration(ms) * time.Millisecond
}

// PeakUsers is the most closed-loop users the scenario's own ramp may reach
// (defaults applied): the largest level of its plan or, for a capacity
// search (ramp.search), its max rounded up; 0 under model rate. Sizing
// that depends on connections (one per user) uses it.
func (s Scenario) PeakUsers() int {
	d := s.WithDefaults()
	if d.Model == record.ModelRate {
		return 0
	}
	peak := 0
	if d.Ramp.Search != nil {
		peak = int(math.Ceil(d.Ramp.Search.Max))
	}
	for _, st := range d.Plan() {
		peak = max(peak, st.Users)
	}
	return peak
}

// FirstLoad is the load of the scenario's first step (defaults applied):
// the first level of its plan, or a capacity search's from; users, or
// requests/s under model rate; 0 when the ramp has neither (a limit
// search's scenario, whose trials plan their own steps).
func (s Scenario) FirstLoad() float64 {
	d := s.WithDefaults()
	if d.Ramp.Search != nil {
		return d.Ramp.Search.From
	}
	plan := d.Plan()
	switch {
	case len(plan) == 0:
		return 0
	case d.Model == record.ModelRate:
		return plan[0].Rate
	}
	return float64(plan[0].Users)
}

package scenarios

import (
	"fmt"
	"math"
	"time"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/search"
	"github.com/loadlab/loadlab/slo"
)

// searchPlanner runs a ramp.search: each step is the next probe that
// search.Next decides from the probes before it, each judged by
// search.Classify against the verdict. Users persist between probes (the
// engine adds or removes them at spawn_rate), so a probe's settle covers
// the spawning of its change from the previous probe's users (see
// spawnStep) and, after a slow probe, the drain of its late answers (see
// drainTime).
type searchPlanner struct {
	c       search.Capacity // defaults applied
	verdict slo.SLO
	model   string
	hold    time.Duration // the ramp's hold, for a decision without one
	settle  time.Duration // the ramp's settle
	spawn   float64       // users/s
	timeout time.Duration // the request timeout: the longest an answer can be owed
}

// newSearchPlanner is d's search (d with defaults applied and a search).
func newSearchPlanner(d Scenario, verdict slo.SLO) *searchPlanner {
	return &searchPlanner{c: *d.Ramp.Search, verdict: verdict, model: d.Model,
		hold: d.Ramp.Hold, settle: max(d.Ramp.Settle, 0), spawn: d.SpawnRate, timeout: d.Timeout}
}

// Err is ErrNoVerdict when the search has no SLO to judge its probes.
func (p *searchPlanner) Err() error {
	if len(p.verdict) == 0 {
		return verdictError("ramp.search needs an SLO to judge probes: set stop.slo in the scenario or slo in the experiment")
	}
	return nil
}

// Len is 0: a search does not know its length in advance.
func (p *searchPlanner) Len() int { return 0 }

// Next classifies every probe of done, asks search.Next, annotates the
// last record with the search's judgement (and, when the search ends, its
// result) and returns the next probe. Without a verdict it plans nothing.
func (p *searchPlanner) Next(done []record.Record) (Step, bool) {
	if len(p.verdict) == 0 {
		return Step{}, false
	}
	probes := make([]search.Probe, len(done))
	for i, rec := range done {
		probes[i] = search.Classify(rec, p.verdict, p.c.Margin)
		if rec.Search != nil {
			probes[i].Phase = rec.Search.Phase
		}
	}
	d := search.Next(p.c, probes)
	n := len(done)
	if !d.Done && n >= search.MaxProbes { // search.Next's own bound, kept here so that no engine runs more
		d.Done = true
		d.Result = &record.SearchResult{Capacity: d.Last.Low, FirstFail: d.Last.High, Probes: n,
			Reason: fmt.Sprintf("stopped after %d probes, the most a search may take", n)}
	}
	if n > 0 {
		done[n-1].Search = annotate(done[n-1].Search, d)
	}
	if d.Done {
		return Step{}, false
	}
	return p.step(d, done), true
}

// step is the probe d decides after done. Its settle covers the spawning
// of its change of users and the drain of the previous probe's late
// answers, one after the other (spawnStep: the window keeps its length).
func (p *searchPlanner) step(d search.Decision, done []record.Record) Step {
	n := len(done)
	hold := d.Hold
	if hold <= 0 {
		hold = p.hold
	}
	st := Step{Index: n, Hold: hold, Settle: min(p.settle, hold),
		Search: &record.Search{Kind: record.SearchCapacity, Phase: d.Phase, Probe: n + 1}}
	var drain time.Duration
	if n > 0 {
		drain = p.drainTime(done[n-1], d.Load)
	}
	if p.model == record.ModelRate {
		st.Rate = d.Load
		return spawnStep(st, drain)
	}
	st.Users = max(1, int(math.Round(d.Load)))
	prev := 0
	if n > 0 {
		prev = done[n-1].Load.Users
	}
	return spawnStep(st, spawnTime(st.Users-prev, p.spawn)+drain)
}

// drainTime is how long the answers owed at the end of probe prev may keep
// arriving into the next probe, of load next: the engine measures a
// request in the window its answer arrives in, and users removed by a
// step down finish their request. After a probe that breached (its SLO
// failed, or its pressure is above 1) or before a lower load, it is prev's
// slowest latency (Latency.Max, the slowest answer or the age of the
// oldest request still in flight; the p99 would leave the slowest 1 % of a
// backlog in the next window) rounded up to the millisecond, at most the
// request timeout; the whole timeout when prev had no answer but requests
// still in flight. Otherwise 0: a probe within its SLO leaves no backlog
// worth waiting for.
func (p *searchPlanner) drainTime(prev record.Record, next float64) time.Duration {
	pressure, _ := p.verdict.Pressure(prev)
	if prev.SLO.Pass && !(pressure > 1) && next >= prev.Offered() {
		return 0
	}
	switch {
	case prev.Latency == nil && prev.InFlight > 0:
		return p.timeout
	case prev.Latency == nil || !(prev.Latency.Max > 0):
		return 0
	}
	ms := math.Ceil(prev.Latency.Max)
	if p.timeout > 0 && ms >= float64(p.timeout/time.Millisecond) {
		return p.timeout
	}
	return time.Duration(ms) * time.Millisecond
}

// spawnStep lengthens st (Settle ≤ Hold) for the time spawn its users
// take to spawn: its settle becomes at least spawn, and its hold grows by
// as much as its settle did, so that its window (Hold − Settle) is never
// shortened. A search's probe or a trial's step that jumps by many users
// is held longer rather than measured half-spawned, or not at all.
func spawnStep(st Step, spawn time.Duration) Step {
	if spawn > st.Settle {
		st.Hold += spawn - st.Settle
		st.Settle = spawn
	}
	return st
}

// annotate is the Search field of a probe's record after the search
// judged it: prev's kind, phase and probe (a capacity probe when prev is
// nil), the probe's pressure, the decision's verdict, decided pressure,
// note and bracket, and the result when the search ended on it. The
// pressure is the search's (Decision.Last.Pressure): nil when not finite
// (nothing measured) and for an untrusted probe (saturated generator,
// partial step), whose pressure was never measured.
func annotate(prev *record.Search, d search.Decision) *record.Search {
	s := record.Search{Kind: record.SearchCapacity}
	if prev != nil {
		s = *prev
	}
	l := d.Last
	s.Verdict, s.Note, s.Low, s.High = l.Verdict, l.Note, l.Low, l.High
	s.Pressure = finitePtr(l.Pressure)
	s.Decided = finitePtr(l.Decided)
	s.Result = nil
	if d.Done {
		s.Result = d.Result
	}
	return &s
}

// finitePtr is a copy of *v, or nil when v is nil or not finite (JSON has
// no infinity).
func finitePtr(v *float64) *float64 {
	if v == nil || math.IsNaN(*v) || math.IsInf(*v, 0) {
		return nil
	}
	x := *v
	return &x
}

// verdictError is a planner's ErrNoVerdict, in its own words.
type verdictError string

func (e verdictError) Error() string { return string(e) }
func (e verdictError) Unwrap() error { return ErrNoVerdict }

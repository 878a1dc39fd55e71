package scenarios

import (
	"math"
	"strings"
	"time"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/search"
	"github.com/loadlab/loadlab/slo"
)

// MinApproachWindow is the shortest measurement of an approach step of a
// trial: its hold is its settle plus max(hold/4, MinApproachWindow).
const MinApproachWindow = 2 * time.Second

// TrialPlanner is a limit search's trial of one configuration (defaults
// applied): a few quick approach steps up to target (users, or requests/s
// under model rate), each only long enough to spawn its users and take a
// short measurement, ending the trial early when one breaches verdict,
// then one step at target held for the ramp's hold, which decides the
// trial. Every step is marked Search{Kind: SearchLimits, Trial: trial}.
//
// The approach steps are at target/4, target/2 and 3·target/4 (whole
// users under model users; levels below 1 user, or not below target, and
// duplicates are left out). Each has Settle = max(ramp.settle, the time
// to spawn its change of users at spawn_rate) and Hold = Settle +
// max(ramp.hold/4, MinApproachWindow). The trial step at target holds
// ramp.hold with Settle = ramp.settle, both lengthened by the spawn time
// beyond ramp.settle when its users take longer to spawn (its window is
// never shortened). A step passes when its record's SLO passed and verdict holds on
// it; the trial step's verdict is pass or fail, an approach step's is
// empty unless it breached, which ends the trial with verdict fail and a
// note "breached on the way up: …". A step that cannot be trusted (its
// generator saturated, or cut short: search.Classify) gets verdict repeat
// and a note "cannot be trusted: …" instead, when it is the trial step or
// breached (a breaching one still ends the trial). Probe is left 0 (the runner numbers
// trials). An empty verdict cannot run (PlannerErr: ErrNoVerdict).
func (s Scenario) TrialPlanner(target float64, verdict slo.SLO, trial string) Planner {
	d := s.WithDefaults()
	users := d.Model != record.ModelRate
	level := func(v float64) float64 {
		if users {
			return math.Round(v)
		}
		return v
	}
	goal := level(target)
	if users {
		goal = max(goal, 1)
	}
	var levels []float64
	for _, f := range []float64{0.25, 0.5, 0.75} {
		v := level(target * f)
		if !(v > 0) || (users && v < 1) || v >= goal || (len(levels) > 0 && v == levels[len(levels)-1]) {
			continue
		}
		levels = append(levels, v)
	}
	settle := max(d.Ramp.Settle, 0)
	p := &trialPlanner{verdict: verdict, trial: trial}
	prev, offset := 0, time.Duration(0)
	add := func(v float64, phase string, window time.Duration) {
		st := Step{Index: len(p.steps), Offset: offset, Settle: settle,
			Search: &record.Search{Kind: record.SearchLimits, Phase: phase, Trial: trial}}
		st.Hold = d.Ramp.Hold
		if window > 0 { // an approach step: its settle, then a short window
			st.Hold = st.Settle + window
		}
		st.Settle = min(st.Settle, max(st.Hold, 0))
		if users {
			st.Users = int(v)
			st = spawnStep(st, spawnTime(st.Users-prev, d.SpawnRate))
			prev = st.Users
		} else {
			st.Rate = v
		}
		offset += st.Hold
		p.steps = append(p.steps, st)
	}
	for _, v := range levels {
		add(v, record.PhaseApproach, max(d.Ramp.Hold/4, MinApproachWindow))
	}
	add(goal, record.PhaseTrial, 0)
	return p
}

// trialPlanner is TrialPlanner's plan and judgement.
type trialPlanner struct {
	steps   []Step
	verdict slo.SLO
	trial   string
}

// Err is ErrNoVerdict when the trial has no SLO to judge it.
func (p *trialPlanner) Err() error {
	if len(p.verdict) == 0 {
		return verdictError("a limit search needs an SLO to judge its trials: set slo in the experiment")
	}
	return nil
}

// Len is the number of steps planned (approach steps and the trial step).
func (p *trialPlanner) Len() int { return len(p.steps) }

// Steps is the plan.
func (p *trialPlanner) Steps() []Step { return p.steps }

// Next judges the last record of done (see TrialPlanner) and returns the
// next step, or false after the trial step or a breaching approach step.
func (p *trialPlanner) Next(done []record.Record) (Step, bool) {
	if len(p.verdict) == 0 {
		return Step{}, false
	}
	n := len(done)
	if n > 0 {
		last := &done[n-1]
		s := record.Search{Kind: record.SearchLimits, Phase: record.PhaseTrial, Trial: p.trial}
		if last.Search != nil {
			s = *last.Search
		} else if n < len(p.steps) {
			s = *p.steps[n-1].Search
		}
		if pr, _ := p.verdict.Pressure(*last); last.Latency != nil {
			s.Pressure = finitePtr(&pr)
		}
		pass, breaches := p.judge(*last)
		end := n >= len(p.steps)
		switch probe := search.Classify(*last, p.verdict, 0); {
		case probe.Verdict == search.Untrusted && (s.Phase == record.PhaseTrial || !pass):
			// A saturated generator or a step cut short decides nothing
			// (search.TrialOf calls the trial untrusted): never a fail that
			// blames the API. A breaching one on the way up ends the trial.
			s.Verdict, s.Note = record.VerdictRepeat, "cannot be trusted: "+probe.Why
			end = end || !pass || s.Phase == record.PhaseTrial
		case s.Phase == record.PhaseTrial:
			s.Verdict, end = record.VerdictFail, true
			if pass {
				s.Verdict = record.VerdictPass
			} else {
				s.Note = strings.Join(breaches, ", ")
			}
		case !pass:
			s.Verdict, end = record.VerdictFail, true
			s.Note = "breached on the way up: " + strings.Join(breaches, ", ") + " at " + offeredText(*last)
		}
		last.Search = &s
		if end {
			return Step{}, false
		}
	}
	if n >= len(p.steps) {
		return Step{}, false
	}
	return p.steps[n], true
}

// judge is whether rec passed both its recorded SLO verdict and the
// trial's verdict, with the breaches of either (each once).
func (p *trialPlanner) judge(rec record.Record) (bool, []string) {
	own := p.verdict.Evaluate(rec)
	var breaches []string
	seen := map[string]bool{}
	for _, b := range append(append([]string(nil), rec.SLO.Breaches...), own.Breaches...) {
		if !seen[b] {
			seen[b] = true
			breaches = append(breaches, b)
		}
	}
	return rec.SLO.Pass && own.Pass, breaches
}

// offeredText is a record's load in words: "2500 users" or "300 req/s".
func offeredText(rec record.Record) string {
	if rec.Load.Model == record.ModelRate {
		return formatNum(rec.Load.Rate) + " req/s"
	}
	return formatNum(float64(rec.Load.Users)) + " users"
}

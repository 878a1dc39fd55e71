package search

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/loadlab/loadlab/record"
)

// MinRate is the lowest load a capacity search under model rate probes
// when it brackets downward: 0.1 requests/s. Under model users the lowest
// is 1 user.
const MinRate = 0.1

// measurement is one load measured by consecutive probes of the same phase:
// a single probe when it decides at once, or the repeats of a load near the
// margin (or of untrusted steps).
type measurement struct {
	load  float64
	phase string
	// first and last index the probes of the measurement in the history.
	first, last int
	// trusted holds the pressures of its trusted probes, in order.
	trusted []float64
	near    bool
	// untrusted counts the untrusted probes at its end, in a row.
	untrusted int
	// decided: verdict (Pass or Fail) and the pressure it rests on.
	decided  bool
	verdict  Verdict
	pressure float64
	// gaveUp: Repeats untrusted probes in a row; the search ends here.
	gaveUp bool
}

// add judges one more probe of the measurement (see Next).
func (m *measurement) add(p Probe, repeats int) {
	m.last++
	if p.Verdict == Untrusted {
		m.untrusted++
		m.gaveUp = m.untrusted >= repeats
		return
	}
	m.untrusted = 0
	m.trusted = append(m.trusted, p.Pressure)
	if p.Verdict == Near {
		m.near = true
	}
	switch {
	case !m.near: // a clear pass or fail decides at once
		m.decided, m.verdict, m.pressure = true, p.Verdict, p.Pressure
	case len(m.trusted) >= repeats:
		m.decided, m.pressure = true, record.Median(m.trusted)
		m.verdict = Fail
		if m.pressure < 1 {
			m.verdict = Pass
		}
	}
}

// state is what a history of probes established.
type state struct {
	c Capacity
	// ms are the measurements, oldest first.
	ms []measurement
	// verdicts is the latest decided verdict of each load (rounded).
	verdicts map[float64]Verdict
	// low and high bracket the capacity (0: none yet).
	low, high float64
	// confirms counts the confirmations started.
	confirms int
}

// replay groups the history into measurements and decides their loads.
func replay(c Capacity, history []Probe) *state {
	s := &state{c: c, verdicts: map[float64]Verdict{}}
	for i, p := range history {
		n := len(s.ms)
		if n == 0 || s.ms[n-1].decided || s.ms[n-1].gaveUp || !sameLoad(s.ms[n-1].load, p.Load) || s.ms[n-1].phase != p.Phase {
			s.ms = append(s.ms, measurement{load: p.Load, phase: p.Phase, first: i, last: i - 1})
			if p.Phase == record.PhaseConfirm {
				s.confirms++
			}
		}
		m := &s.ms[len(s.ms)-1]
		m.add(p, c.Repeats)
		if m.decided {
			s.verdicts[round9(m.load)] = m.verdict
		}
	}
	s.low, s.high = bounds(s.verdicts)
	return s
}

// sameLoad reports whether two loads are the same up to rounding.
func sameLoad(a, b float64) bool { return round9(a) == round9(b) }

// bounds is High, the lowest failing load, and Low, the highest passing
// load below it (a pass at or above High is noise and ignored).
func bounds(verdicts map[float64]Verdict) (low, high float64) {
	for l, v := range verdicts {
		if v == Fail && (high == 0 || l < high) {
			high = l
		}
	}
	for l, v := range verdicts {
		if v == Pass && (high == 0 || l < high) && l > low {
			low = l
		}
	}
	return low, high
}

// Next decides, from the history of probes (oldest first) of a search c
// (defaults applied), what to measure next or the answer. It is pure and
// total: any history, including non-monotone noise (a pass above a
// breach), gives a decision, and a search never exceeds MaxProbes.
//
// Consecutive probes of the same load and phase are one measurement of
// that load. A Pass or Fail decides it at once; a Near probe has it
// measured again (same phase, at Hold; a confirmation at ConfirmHold)
// until Repeats trusted probes exist, decided by their median pressure
// (pass below 1); Repeats Untrusted probes in a row end the search (its
// last probe's Verdict is then empty, and with no passing load its Reason
// says it is undecided: a Capacity of 0 then means no answer). A
// load's latest decided verdict stands. High is the lowest failing load,
// Low the highest passing load below it; the search brackets from From by
// Factor (downward by Factor while nothing passed, down to 1 user or
// MinRate), bisects while High − Low exceeds the resolution (or 1 user),
// then confirms Low at ConfirmHold: a failed confirmation makes Low the
// new High and the search bisects below it. Loads are whole numbers when
// c.Whole. Decision.Last's Pressure and Decided are nil when infinite (a
// step without answers).
func Next(c Capacity, history []Probe) Decision {
	if len(history) == 0 {
		return Decision{Load: c.From, Phase: record.PhaseBracket, Hold: c.BracketHold}
	}
	s := replay(c, history)
	m := s.ms[len(s.ms)-1]
	lastProbe := history[len(history)-1]
	d := Decision{Last: record.Search{Pressure: finite(lastProbe.Pressure), Low: s.low, High: s.high}}
	if lastProbe.Verdict == Untrusted {
		d.Last.Pressure = nil
	}
	switch {
	case m.gaveUp:
		// Nothing follows this probe: it is no repeat.
		why := lastProbe.Why
		if why == "" {
			why = "the step could not be trusted"
		}
		reason := fmt.Sprintf("%s at %s %d times in a row: %s", why, FormatLoad(m.load, c.Whole), m.untrusted, s.gaveUpText())
		d.Last.Note = reason
		d = s.done(d, len(history), false, reason)
		d.Result.Undecided = s.low == 0
		return d
	case !m.decided:
		d.Last.Verdict = record.VerdictRepeat
		d.Last.Note = s.repeatNote(m, lastProbe)
		if len(history) >= MaxProbes {
			return s.done(d, len(history), false, s.limitReason())
		}
		d.Load, d.Phase, d.Hold = m.load, m.phase, c.Hold
		if m.phase == record.PhaseConfirm {
			d.Hold = c.ConfirmHold
		}
		return d
	}
	d.Last.Verdict = record.VerdictFail
	if m.verdict == Pass {
		d.Last.Verdict = record.VerdictPass
	}
	d.Last.Decided = finite(m.pressure)
	d.Last.Note = s.decidedNote(m)
	if m.phase == record.PhaseConfirm && m.verdict == Pass {
		return s.done(d, len(history), sameLoad(m.load, s.low), s.confirmedReason())
	}
	d = s.plan(d, len(history))
	if !d.Done && len(history) >= MaxProbes {
		d.Load, d.Phase, d.Hold = 0, "", 0
		return s.done(d, len(history), false, s.limitReason())
	}
	return d
}

// plan is the next probe after a decided measurement, or the end.
func (s *state) plan(d Decision, probes int) Decision {
	c := s.c
	next := func(load float64, phase string, hold time.Duration) Decision {
		d.Load, d.Phase, d.Hold = load, phase, hold
		return d
	}
	switch {
	case s.high == 0 && s.low == 0:
		return next(c.From, record.PhaseBracket, c.BracketHold)
	case s.high == 0 && s.low >= c.Max-1e-9:
		return s.confirm(d, probes)
	case s.high == 0:
		return next(math.Min(s.up(s.low*c.Factor), c.Max), record.PhaseBracket, c.BracketHold)
	case s.low == 0:
		load, floor := s.down(s.high/c.Factor), MinRate
		if c.Whole {
			floor = 1
		}
		if load < floor-1e-9 {
			return s.done(d, probes, false, fmt.Sprintf("no load met the SLO, down to %s", FormatLoad(s.high, c.Whole)))
		}
		return next(load, record.PhaseBracket, c.BracketHold)
	case s.withinResolution():
		return s.confirm(d, probes)
	}
	mid := (s.low + s.high) / 2
	if c.Whole {
		mid = math.Floor(mid)
	}
	return next(mid, record.PhaseBisect, c.Hold)
}

// confirm probes Low again at ConfirmHold, unless MaxConfirms were spent.
func (s *state) confirm(d Decision, probes int) Decision {
	if s.confirms >= MaxConfirms {
		return s.done(d, probes, false, fmt.Sprintf("%d confirmations failed: %s passed last but is unconfirmed", s.confirms, FormatLoad(s.low, s.c.Whole)))
	}
	d.Load, d.Phase, d.Hold = s.low, record.PhaseConfirm, s.c.ConfirmHold
	return d
}

// withinResolution reports whether the bracket is narrow enough to stop
// bisecting.
func (s *state) withinResolution() bool {
	gap := s.high - s.low
	if s.c.Whole && gap <= 1+1e-9 {
		return true
	}
	limit := s.c.Resolution.Value
	if s.c.Resolution.Percent {
		limit = s.c.Resolution.Value / 100 * s.low
	}
	return gap <= limit+1e-9
}

// up and down round a bracket load to a whole number of users (upward and
// downward) when loads are whole, and never return Low itself going up.
func (s *state) up(x float64) float64 {
	if !s.c.Whole {
		return x
	}
	return math.Max(math.Ceil(x-1e-9), s.low+1)
}

func (s *state) down(x float64) float64 {
	if !s.c.Whole {
		return x
	}
	return math.Floor(x + 1e-9)
}

// done ends the search with the current bracket.
func (s *state) done(d Decision, probes int, confirmed bool, reason string) Decision {
	d.Done, d.Load, d.Phase, d.Hold = true, 0, "", 0
	d.Result = &record.SearchResult{Capacity: s.low, FirstFail: s.high, Probes: probes, Confirmed: confirmed, Reason: reason}
	return d
}

// gaveUpText says what a search that met untrusted steps too often knows:
// with no passing load it is undecided, not a capacity of 0.
func (s *state) gaveUpText() string {
	switch {
	case s.low > 0:
		return "the search cannot go higher on this machine"
	case s.high > 0:
		return fmt.Sprintf("the search is undecided: %s breached and no load below it could be judged", FormatLoad(s.high, s.c.Whole))
	}
	return "the search is undecided: no load could be judged"
}

func (s *state) limitReason() string {
	return fmt.Sprintf("the probe limit (%d) was reached: %s", MaxProbes, s.bracketText())
}

func (s *state) confirmedReason() string {
	w := s.c.Whole
	if s.high == 0 {
		return fmt.Sprintf("the max, %s, met the SLO and held for the confirmation: the capacity is at least the max", FormatLoad(s.low, w))
	}
	return fmt.Sprintf("%s met the SLO and held for the confirmation; %s breached it", FormatLoad(s.low, w), FormatLoad(s.high, w))
}

// bracketText says what is known: "the capacity is between 3,000 and
// 3,200 users, unconfirmed".
func (s *state) bracketText() string {
	w := s.c.Whole
	switch {
	case s.low == 0 && s.high == 0:
		return "nothing was decided"
	case s.low == 0:
		return fmt.Sprintf("no load met the SLO (%s breached), unconfirmed", FormatLoad(s.high, w))
	case s.high == 0:
		return fmt.Sprintf("the capacity is at least %s, unconfirmed", FormatLoad(s.low, w))
	}
	return fmt.Sprintf("the capacity is between %s and %s, unconfirmed", FormatNumber(s.low), FormatLoad(s.high, w))
}

// repeatNote says why a measurement is not decided yet.
func (s *state) repeatNote(m measurement, p Probe) string {
	if p.Verdict == Untrusted {
		why := p.Why
		if why == "" {
			why = "the step could not be trusted"
		}
		return fmt.Sprintf("%s: measuring again (untrusted %d of %d in a row)", why, m.untrusted, s.c.Repeats)
	}
	why := p.Why
	if why == "" {
		why = fmt.Sprintf("pressure %.2f", p.Pressure)
	}
	return fmt.Sprintf("%s, within %s of the limit: measuring again (%d of %d)",
		why, formatPct(s.c.Margin), len(m.trusted), s.c.Repeats)
}

// decidedNote explains a decided measurement when it is not plain: a
// median of repeats, noise against the bracket, a failed confirmation.
func (s *state) decidedNote(m measurement) string {
	var notes []string
	w := s.c.Whole
	if len(m.trusted) > 1 {
		notes = append(notes, fmt.Sprintf("decided by the median pressure %.2f of %d measurements", m.pressure, len(m.trusted)))
	}
	switch {
	case m.verdict == Pass && s.high > 0 && m.load >= s.high-1e-9:
		notes = append(notes, fmt.Sprintf("passed above the failing %s: noise; the failing load stands", FormatLoad(s.high, w)))
	case m.verdict == Fail && m.phase == record.PhaseConfirm:
		notes = append(notes, fmt.Sprintf("confirmation failed at %s: stepping down", FormatLoad(m.load, w)))
	case m.verdict == Fail:
		if above := s.passAbove(m.load); above > 0 {
			notes = append(notes, fmt.Sprintf("failed below the passing %s: noise; the failure stands and the search goes below it", FormatLoad(above, w)))
		}
	}
	return strings.Join(notes, "; ")
}

// passAbove is the highest load above load whose latest verdict is a pass
// (0: none).
func (s *state) passAbove(load float64) float64 {
	var best float64
	for l, v := range s.verdicts {
		if v == Pass && l > load+1e-9 && l > best {
			best = l
		}
	}
	return best
}

// formatPct renders a fraction as a percentage: 0.1 → "10 %".
func formatPct(f float64) string { return FormatNumber(f*100) + " %" }

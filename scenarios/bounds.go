package scenarios

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/loadlab/loadlab/record"
)

// Sanity bounds: a value beyond one is far more likely a typo (users:
// 1e12, hold: 1000000h) than a plan, and is refused unless the scenario
// sets allow_large: true (`loadlab ramp --allow-large`), which raises each
// to its Large… ceiling. The ceilings are never lifted: they keep the
// plan's arithmetic exact and one load generator within reach of one
// machine.
const (
	MaxUsers       = 100_000            // users per step (closed loop); an experiment's target_users
	MaxRate        = 1_000_000          // requests/s per step (open loop)
	MaxHold        = 24 * time.Hour     // ramp.hold (3× for stability.max_hold); an experiment's warmup and cooldown
	MaxTimeout     = time.Hour          // timeout per request; an experiment's target.health_timeout
	MaxThink       = time.Hour          // think.max
	MaxConcurrency = 100_000            // max_workers (requests in flight) and pool (connections)
	MaxDuration    = 7 * 24 * time.Hour // one ramp's planned length; an experiment's whole run

	LargeMaxUsers       = 10_000_000
	LargeMaxRate        = 100_000_000
	LargeMaxHold        = 30 * 24 * time.Hour
	LargeMaxTimeout     = 24 * time.Hour
	LargeMaxThink       = 24 * time.Hour
	LargeMaxConcurrency = 10_000_000
	LargeMaxDuration    = 365 * 24 * time.Hour
)

// MinWindow is the shortest stability.window (never lifted): shorter
// windows measure noise.
const MinWindow = 100 * time.Millisecond

// Limits are the bounds in force for one scenario: the sanity bounds, or
// the ceilings when Large (allow_large: true).
type Limits struct {
	Users, Rate                    float64
	Hold, Timeout, Think, Duration time.Duration
	Concurrency                    int
	Large                          bool
}

// Limits returns the bounds Validate applies to s.
func (s Scenario) Limits() Limits {
	if s.AllowLarge {
		return Limits{LargeMaxUsers, LargeMaxRate, LargeMaxHold, LargeMaxTimeout, LargeMaxThink, LargeMaxDuration, LargeMaxConcurrency, true}
	}
	return Limits{MaxUsers, MaxRate, MaxHold, MaxTimeout, MaxThink, MaxDuration, MaxConcurrency, false}
}

// Pick is sane, or large under allow_large.
func (l Limits) Pick(sane, large time.Duration) time.Duration {
	if l.Large {
		return large
	}
	return sane
}

// Exceeds is the message for a value got above a bound whose sane value
// is sane and whose ceiling is large, saying how to raise it when it can
// be, e.g. "2h is above 1h: lower it, or set allow_large: true …".
func (l Limits) Exceeds(got, sane, large string) string {
	if l.Large {
		return got + " is above " + large + ", the most loadlab allows even with allow_large"
	}
	return got + " is above " + sane + ": " + Raise(large)
}

// Raise says how to go beyond a sanity bound, up to its ceiling large.
func Raise(large string) string {
	return "lower it, or set allow_large: true in the scenario (--allow-large on loadlab ramp) to allow up to " + large
}

// ExceedsCount is Exceeds for a count (users, connections): got is
// written as "got what", the bounds in unit.
func (l Limits) ExceedsCount(got float64, what, unit string, sane, large float64) string {
	return l.Exceeds(num(got)+" "+what, Grouped(sane)+" "+unit, Grouped(large)+" "+unit)
}

// ExceedsDuration is Exceeds for a duration.
func (l Limits) ExceedsDuration(got, sane, large time.Duration) string {
	return l.Exceeds(FormatDuration(got), FormatDuration(sane), FormatDuration(large))
}

// Days renders a long duration's bound with its days: "168h (7 days)".
func Days(d time.Duration) string {
	return fmt.Sprintf("%s (%s days)", FormatDuration(d), num(d.Hours()/24))
}

// Grouped prints a whole number with thousands separators (100,000).
func Grouped(v float64) string {
	s := strconv.FormatFloat(math.Trunc(v), 'f', 0, 64)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// PlannedLength is the longest the ramp may last: its steps, each of
// ramp.hold or, with stability enabled, up to stability.max_hold (defaults
// applied); for a ramp.search, search.MaxProbes probes of its longest
// hold lengthened by their spawning and drain (see searchLength). Call it
// on a valid scenario: it assumes bounded holds.
func (s Scenario) PlannedLength() (steps int, perStep, total time.Duration) {
	d := s.WithDefaults()
	if d.Ramp.Search != nil {
		steps, perStep = d.searchLength()
		return steps, perStep, time.Duration(steps) * perStep
	}
	steps, perStep = len(d.Plan()), d.Ramp.Hold
	if d.Stability.Enabled {
		perStep = max(perStep, d.Stability.MaxHold)
	}
	return steps, perStep, time.Duration(steps) * perStep
}

// checkLevelBound reports a level above the users or rate bound; ok when
// within it.
func (s Scenario) checkLevelBound(p *problems, field string, v float64) bool {
	l := s.Limits()
	switch {
	case s.Model == record.ModelRate && v > l.Rate:
		p.Add(field, "%s", l.ExceedsCount(v, "requests/s", "requests/s", MaxRate, LargeMaxRate))
	case s.Model != record.ModelRate && v > l.Users:
		p.Add(field, "%s", l.ExceedsCount(v, "users", "users per step", MaxUsers, LargeMaxUsers))
	default:
		return true
	}
	return false
}

// checkBounds reports the fields of s (defaults applied) above their bound,
// other than the levels (see checkLevelBound). rampOK says whether the
// plan is valid, so that its length can be checked.
func (s Scenario) checkBounds(p *problems, rampOK bool) {
	l := s.Limits()
	for _, d := range []struct {
		field            string
		got, sane, large time.Duration
	}{
		{"ramp.hold", s.Ramp.Hold, MaxHold, LargeMaxHold},
		{"think.max", s.Think.Max, MaxThink, LargeMaxThink},
		{"timeout", s.Timeout, MaxTimeout, LargeMaxTimeout},
		{"stability.max_hold", s.Stability.MaxHold, 3 * MaxHold, 3 * LargeMaxHold}, // its default is 3×hold
	} {
		if d.got > l.Pick(d.sane, d.large) {
			p.Add(d.field, "%s", l.ExceedsDuration(d.got, d.sane, d.large))
			rampOK = rampOK && d.field != "ramp.hold" && d.field != "stability.max_hold"
		}
	}
	if s.MaxWorkers > l.Concurrency {
		p.Add("max_workers", "%s", l.ExceedsCount(float64(s.MaxWorkers), "requests in flight", "requests in flight", MaxConcurrency, LargeMaxConcurrency))
	}
	if s.Connections == ConnShared && s.Pool > l.Concurrency {
		p.Add("pool", "%s", l.ExceedsCount(float64(s.Pool), "connections", "connections", MaxConcurrency, LargeMaxConcurrency))
	}
	if st := s.Stability; st.Enabled && st.Window > 0 && st.Window < MinWindow {
		p.Add("stability.window", "must be ≥ %s: shorter windows measure noise (got %s)", MinWindow, st.Window)
	}
	if !rampOK {
		return
	}
	if n, per, total := s.PlannedLength(); total > l.Duration {
		msg := Days(l.Duration) + ", the most loadlab allows even with allow_large"
		if !l.Large {
			msg = Days(l.Duration) + " for one ramp: " + Raise(Days(LargeMaxDuration))
		}
		p.Add("ramp", "%d steps of up to %s last %s, above %s", n, FormatDuration(per), FormatDuration(total), msg)
	}
}

package scenarios

import (
	"errors"
	"strings"
	"time"

	"github.com/loadlab/loadlab/internal/yamlfile"
	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/search"
)

// This file holds what a scenario checks and says about a ramp.search (a
// capacity search instead of a ladder); its planner is in searchplan.go.

// checkSearch reports the problems of a ramp.search (defaults applied):
// the ladder fields it excludes, search.Capacity's own rules under
// ramp.search., its levels within the users or rate bounds (whole users
// under model users), and a settle that would leave a probe no window.
func (s Scenario) checkSearch(p *problems) {
	r := s.Ramp
	c := *r.Search
	var ladder []string
	for _, f := range []struct {
		name string
		set  bool
	}{{"ramp.from", r.From != 0}, {"ramp.to", r.To != 0}, {"ramp.by", r.By != 0}, {"ramp.steps", len(r.Steps) > 0}} {
		if f.set {
			ladder = append(ladder, f.name)
		}
	}
	if len(ladder) > 0 {
		p.Add("ramp.search", "excludes %s: a search chooses its own loads between search.from and search.max; remove %s, or remove ramp.search to walk a ladder",
			strings.Join(ladder, ", "), strings.Join(ladder, " and "))
	}
	if err := c.Validate(); err != nil {
		for _, e := range unjoin(err) {
			field, msg := splitProblem(e)
			if field == "hold" { // the ramp's hold, which checkRamp reports
				continue
			}
			p.Add(yamlfile.Join("ramp.search", field), "%s", msg)
		}
	}
	s.checkSearchExcludes(p)
	s.checkSearchLevel(p, "ramp.search.from", c.From)
	s.checkSearchLevel(p, "ramp.search.max", c.Max)
	if r.Settle > 0 {
		for _, h := range []struct {
			field string
			hold  time.Duration
		}{{"ramp.search.bracket_hold", c.BracketHold}, {"ramp.search.confirm_hold", c.ConfirmHold}} {
			if h.hold > 0 && r.Settle >= h.hold {
				p.Add(h.field, "must be longer than ramp.settle %s, or its probes measure nothing (got %s)", r.Settle, h.hold)
			}
		}
	}
}

// checkSearchExcludes reports the fields a search would silently ignore:
// a search never stops on stop.slo (it is the verdict on each probe), so
// stop.margin and stop.abort_error_rate mean nothing to it; and
// stability, whose window derives from ramp.hold, would run a short
// bracket_hold probe to max_hold.
func (s Scenario) checkSearchExcludes(p *problems) {
	if s.Stop.Margin != 0 {
		p.Add("stop.margin", "not used by ramp.search: a search never stops on stop.slo, it judges each probe by it; "+
			"its noise band is ramp.search.margin (a probe within that fraction of a limit is measured again, default %s): "+
			"move the value there, or remove ramp.search", num(search.DefaultMargin))
	}
	if s.Stop.AbortErrorRate != 0 {
		p.Add("stop.abort_error_rate", "not used by ramp.search: a search does not stop on errors; "+
			"judge them with an error_rate condition in the SLO (e.g. stop.slo: \"p95<1s,error_rate<1%%\") and remove stop.abort_error_rate, or remove ramp.search")
	}
	if s.Stability.Enabled {
		p.Add("stability.enabled", "not with ramp.search: a search repeats loads near the limit instead (ramp.search.repeats); remove stability or ramp.search")
	}
}

// checkSearchLevel checks a search's load (from or max) against the users
// or rate bounds; the search itself reports a load ≤ 0 or not whole.
func (s Scenario) checkSearchLevel(p *problems, field string, v float64) {
	if finite(v) && v > 0 {
		s.checkLevelBound(p, field, v)
	}
}

// splitProblem reads a search problem, "field: problem (fix)" (or a
// *FieldError), as its field and message; a problem without a field name
// is the whole search's.
func splitProblem(err error) (field, msg string) {
	var fe *FieldError
	if errors.As(err, &fe) {
		return fe.Field, fe.Msg
	}
	text := err.Error()
	if f, rest, ok := strings.Cut(text, ": "); ok && f != "" && !strings.ContainsAny(f, " \t") {
		return f, rest
	}
	return "", text
}

// describeSearch is the ramp part of Describe for a search, e.g.
// "capacity search of users from 100 to at most 20000, resolution 5%".
func describeSearch(c search.Capacity, model string) string {
	what, unit := "users", ""
	if model == record.ModelRate {
		what, unit = "rate", " req/s"
	}
	res := formatNum(c.Resolution.Value)
	switch {
	case c.Resolution.Percent:
		res += "%"
	case model == record.ModelRate:
		res += " req/s"
	case c.Resolution.Value == 1:
		res += " user"
	default:
		res += " users"
	}
	out := "capacity search of " + what + " from " + formatNum(c.From) + " to at most " + formatNum(c.Max) + unit
	if c.Resolution.Value != 0 {
		out += ", resolution " + res
	}
	return out
}

// searchLength is the longest a search may last: at most search.MaxProbes
// probes, each of up to its longest hold (the confirmation's) plus the
// request timeout (the drain of a slow probe's answers, see drainTime)
// and, under model users, the time to spawn max users (a probe is
// lengthened by its spawning and its drain, see spawnStep).
func (s Scenario) searchLength() (steps int, perStep time.Duration) {
	c := *s.Ramp.Search
	perStep = max(s.Ramp.Hold, c.Hold, c.BracketHold, c.ConfirmHold) + max(s.Timeout, 0)
	if s.Model != record.ModelRate && finite(c.Max) && c.Max > 0 && c.Max <= LargeMaxUsers {
		perStep += spawnTime(int(c.Max), s.SpawnRate)
	}
	return search.MaxProbes, perStep
}

package report

import (
	"fmt"
	"sort"
	"strings"
)

// Recommendation answers the capacity question of a run.
type Recommendation struct {
	// Config is the recommended configuration (Meets) or the best one that
	// falls short; empty when no configuration was measured.
	Config string `json:"config"`
	Meets  bool   `json:"meets_target"`
	// ShortBy is how far the best configuration's capacity falls short of
	// the target, in the offered-load unit (0 when Meets, and when its
	// ramp was cut short before it failed: then nobody knows).
	ShortBy float64 `json:"short_by"`
	// Sentence is the answer in one or two sentences, e.g. "2 replicas × 1
	// CPU × 1 GiB serve 10,000 users at p95 442 ms, 0.1 % errors; 1 replica
	// × 1 CPU × 1 GiB fails at 6,500 users (p95 1.16 s)."
	Sentence string `json:"sentence"`
}

// recommend picks the cheapest configuration whose capacity reaches the
// target (ties: lower memory, then fewer replicas), or, when none does, the
// one with the highest capacity, and phrases the answer.
func recommend(a Analysis) Recommendation {
	var measured []ConfigResult
	for _, c := range a.Configs {
		if len(c.Steps) > 0 {
			measured = append(measured, c)
		}
	}
	if len(measured) == 0 {
		var why []string
		for _, c := range a.Configs {
			if c.Failure != "" {
				why = append(why, c.Name+": "+c.Failure)
			}
		}
		s := "No configuration could be measured"
		if len(why) > 0 {
			s += " (" + strings.Join(why, "; ") + ")"
		}
		return Recommendation{Sentence: withNote(s+".", incompleteNote(a, ""))}
	}
	sorted := byCost(measured)
	c, killed, ok := healthiestReaching(sorted)
	if ok {
		st, _ := c.Step(c.TargetStep)
		s := fmt.Sprintf("%s %s %s %s at %s", c.Config.Describe(), verbServe(c), formatCount(a.Target), a.Unit, targetLatencyText(st))
		switch {
		case len(killed) > 0 && killed[0].Name == c.Name:
			s += fmt.Sprintf(", but its replicas were OOM-killed %d times at or below %s %s: give it more memory", oomUpToTarget(c), formatCount(a.Target), a.Unit)
		case len(killed) > 0:
			s += fmt.Sprintf("; %s also meets the SLO there but its replicas were OOM-killed %d times at or below %s %s",
				killed[0].Config.Describe(), oomUpToTarget(killed[0]), formatCount(a.Target), a.Unit)
		}
		if c.Approximate() {
			s += " (approximate: local runtime)"
		}
		if c.failed.any() {
			s += c.failed.caveat()
		}
		if alt, ok := strongestCheaper(sorted, c); ok {
			s += "; " + alt.Config.Describe() + " " + verdictCore(alt, a)
		}
		return Recommendation{Config: c.Name, Meets: true, Sentence: withNote(s+".", incompleteNote(a, ""))}
	}

	best := append([]ConfigResult(nil), sorted...)
	sort.SliceStable(best, func(i, j int) bool { return best[i].Capacity > best[j].Capacity })
	b := best[0]
	within := a.SLO
	if a.SLOSource != "slo" {
		within = "the recorded SLO"
		if a.SLO != "" {
			within += " (" + a.SLO + ")"
		}
	}
	rec := Recommendation{Config: b.Name, ShortBy: a.Target - b.Capacity}
	desc := b.Config.Describe()
	if b.Approximate() {
		desc += " (approximate: local runtime)"
	}
	if b.failed.any() {
		desc += " (" + b.failed.failedText() + ": " + b.failed.reasons() + ")"
	}
	note := incompleteNote(a, "")
	none := "No configuration"
	if note != "" {
		none = "No measured configuration" // the others may, for all we know
	}
	if b.CapacityStep < 0 {
		rec.Sentence = withNote(fmt.Sprintf("%s meets %s even at the lowest load: the best, %s, %s.",
			none, within, desc, verdictCore(b, a)), note)
		return rec
	}
	st, _ := b.Step(b.CapacityStep)
	s := fmt.Sprintf("%s serves %s %s within %s. The best, %s, holds %s %s (p95 %s, %s errors)",
		none, formatCount(a.Target), a.Unit, within, desc, formatCount(b.Capacity), a.Unit,
		latencyText(st.P95), formatPct(st.ErrorRate.Median))
	switch _, broke := b.Step(b.BreakStep); {
	case b.CutShort != "" && !broke:
		// How far short it falls is unknown: the ramp never got there.
		rec.ShortBy = 0
		s += ", then was " + b.CutShort
		note = incompleteNote(a, b.Name)
	default:
		s += fmt.Sprintf(", %s %s (%.0f %%) short", formatCount(rec.ShortBy), a.Unit, 100*rec.ShortBy/a.Target)
		if broke {
			s += "; it " + verdictCore(b, a)
		}
	}
	rec.Sentence = withNote(s+".", note)
	return rec
}

// healthiestReaching is the first configuration of sorted (cheapest
// first) that reaches the target without an OOM kill at or below it;
// killed are the cheaper ones that reach it only with kills (a replica
// restarted fast enough to keep errors under the SLO still lost its
// memory and its requests: no configuration to size production on).
// When every one that reaches the target was killed, c is the cheapest
// of them (killed[0]). ok is false when none reaches the target.
func healthiestReaching(sorted []ConfigResult) (c ConfigResult, killed []ConfigResult, ok bool) {
	for _, c := range sorted {
		switch {
		case !c.ReachesTarget:
		case oomUpToTarget(c) > 0:
			killed = append(killed, c)
		default:
			return c, killed, true
		}
	}
	if len(killed) > 0 {
		return killed[0], killed, true
	}
	return ConfigResult{}, nil, false
}

// oomUpToTarget is c's OOM kills summed over its steps up to and including
// its target step (every repeat).
func oomUpToTarget(c ConfigResult) int {
	n := 0
	for i := 0; i <= c.TargetStep && i < len(c.Steps); i++ {
		n += c.Steps[i].OOMKills
	}
	return n
}

// withNote appends the incomplete-run caveat to a sentence, if any.
func withNote(s, note string) string {
	if note == "" {
		return s
	}
	return s + " " + note
}

// strongestCheaper returns the cheaper configuration that came closest: the
// highest capacity among those cheaper than c that do not reach the target.
func strongestCheaper(sorted []ConfigResult, c ConfigResult) (ConfigResult, bool) {
	var best ConfigResult
	found := false
	for _, o := range sorted {
		if o.Name == c.Name || !costLess(o, c) || o.ReachesTarget {
			continue
		}
		if !found || o.Capacity >= best.Capacity {
			best, found = o, true
		}
	}
	return best, found
}

// verdictCore phrases why a configuration falls short, without caveats:
// "fails at 6,500 users (p95 1.16 s)".
func verdictCore(c ConfigResult, a Analysis) string {
	v := verdict(c, a.sloConds, a.Target)
	return strings.TrimSuffix(v, "; approximate (local runtime)")
}

func verbServe(c ConfigResult) string {
	if c.Config.Replicas > 1 {
		return "serve"
	}
	return "serves"
}

package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/search"
	"github.com/loadlab/loadlab/slo"
)

// limitsSentence answers the workshop question from a limit search: "The
// smallest configuration that serves 10,000 users at p95 < 1 s, < 1 %
// errors: 1 replica × 0.25 CPU × 512 MiB (0.2 CPU fails: p95 1.40 s …).
// With 2 replicas: 2 × 0.15 CPU." best is the cheapest result.
func limitsSentence(ls *LimitSearch, best search.ReplicaResult, target float64, unit string, conds slo.SLO) string {
	m := *best.Minimal
	smallest := "The smallest configuration that serves"
	switch {
	case !best.Complete:
		smallest = "The smallest configuration found so far (its search did not finish) that serves"
	case best.Truncated:
		smallest = "The smallest configuration found before the trial budget ran out (the answer may be incomplete) that serves"
	}
	s := fmt.Sprintf("%s %s %s %s: %s", smallest, formatCount(target), unit, sloPhrase(conds), m.Describe())
	if best.FailBelow > 0 {
		s += fmt.Sprintf(" (%s fails: %s)", record.FormatCPUs(best.FailBelow), strings.TrimSuffix(best.FailWhy, "."))
	}
	s += "."
	if best.Undecided != "" {
		s += " Its memory could not be decided: " + strings.TrimSuffix(best.Undecided, ".") + "."
	}
	for _, r := range ls.results {
		if r.Replicas == best.Replicas {
			continue
		}
		s += " With " + record.ReplicasText(r.Replicas) + ": "
		switch {
		case r.Undecided != "" && r.Minimal == nil:
			s += "undecided (" + strings.TrimSuffix(r.Undecided, ".") + ")"
		case !r.Complete && r.Minimal != nil:
			s += fmt.Sprintf("the search did not finish (so far %d × %s served it)", r.Replicas, record.FormatCPUs(r.Minimal.CPUs))
		case r.Minimal != nil:
			s += fmt.Sprintf("%d × %s", r.Replicas, record.FormatCPUs(r.Minimal.CPUs))
			if r.Minimal.MemoryBytes != m.MemoryBytes {
				s += " × " + record.FormatBytes(float64(r.Minimal.MemoryBytes))
			}
		case !r.Complete:
			s += "the search did not finish"
		default:
			s += "no CPU limit searched served it"
		}
		if r.Truncated {
			s += " (the trial budget ran out: the answer may be incomplete)"
		}
		if r.Undecided != "" && r.Minimal != nil {
			s += "; its memory could not be decided (" + strings.TrimSuffix(r.Undecided, ".") + ")"
		}
		s += "."
	}
	return s
}

// unsettled says, one sentence each, which replica counts of a search
// that served nothing could not be decided or ran out of trials (""
// when none), and, for the projection, why there is none: a count not
// decided might serve the target.
func unsettled(ls *LimitSearch) (sentences, problem string) {
	var names []string
	for _, r := range ls.Replicas {
		switch {
		case r.Undecided != "":
			sentences += fmt.Sprintf(" With %s the search could not decide: %s.", record.ReplicasText(r.Replicas), strings.TrimSuffix(r.Undecided, "."))
		case r.Truncated:
			sentences += fmt.Sprintf(" With %s the trial budget ran out: the answer may be incomplete.", record.ReplicasText(r.Replicas))
		default:
			continue
		}
		names = append(names, record.ReplicasText(r.Replicas))
	}
	if len(names) > 0 {
		problem = "the search of " + strings.Join(names, " and ") + " did not decide: a configuration tried there might serve the target"
	}
	return sentences, problem
}

// sloPhrase renders the SLO for a sentence: "at p95 < 1 s, < 1 % errors";
// "within the recorded SLO" when no conditions are known.
func sloPhrase(conds slo.SLO) string {
	if len(conds) == 0 {
		return "within the recorded SLO"
	}
	parts := make([]string, len(conds))
	for i, c := range conds {
		switch {
		case c.Metric == "error_rate":
			parts[i] = c.Op + " " + formatKind(c.Kind, c.Value) + " errors"
		case c.Kind.Milliseconds():
			parts[i] = c.Metric + " " + c.Op + " " + formatKind(c.Kind, c.Value)
		default:
			parts[i] = conditionText(c)
		}
	}
	return "at " + strings.Join(parts, ", ")
}

// searchRecommendation answers the question with the limit search, when
// the run had one: the cheapest minimal configuration it found (the
// recommendation names its trial configuration), or, when it found none,
// searchShortfall: for a finished search with the projection beyond this
// machine, or, when the measurements disagree (disagreement), with that
// instead of a projection.
func searchRecommendation(a *Analysis) {
	if a.Search == nil || a.Search.Limits == nil {
		return
	}
	ls := a.Search.Limits
	if best, ok := search.Cheapest(ls.results); ok && best.Minimal != nil {
		ls.Sentence = limitsSentence(ls, best, a.Target, a.Unit, a.sloConds)
		if ls.Recommended != "" {
			a.Recommendation = Recommendation{Config: ls.Recommended, Meets: true, Sentence: withNote(ls.Sentence, incompleteNote(*a, ""))}
		}
		return
	}
	after := ""
	complete := !slices.ContainsFunc(ls.Replicas, func(r ReplicaSearch) bool { return !r.Complete })
	if !complete || len(ls.Replicas) == 0 {
		ls.Sentence = fmt.Sprintf("No searched configuration has served %s %s %s so far; the search did not finish.", formatCount(a.Target), a.Unit, sloPhrase(a.sloConds))
		ls.ProjectionProblem = "no projection for an unfinished search: a trial not yet run might serve the target"
	} else {
		ls.Sentence = fmt.Sprintf("No searched configuration serves %s %s %s on this machine.", formatCount(a.Target), a.Unit, sloPhrase(a.sloConds))
		more, undecided := unsettled(ls)
		ls.Sentence += more
		p, problem := limitsProjection(ls, a.Configs, a.Target, a.Unit)
		if undecided != "" {
			p, problem = nil, undecided
		}
		if d := disagreement(ls, p, a.Target, a.Unit); d != "" {
			p, problem, ls.Disagreement = nil, d, d
			after = "The" + strings.TrimPrefix(d, "the") + "."
		} else if p != nil {
			after = p.Sentence
		}
		a.Projection, ls.ProjectionProblem = p, problem
	}
	a.Recommendation = searchShortfall(*a, ls, after)
}

// searchShortfall is the recommendation after a limit search that found
// no configuration serving the target: it does not meet it, whatever the
// configurations' steps alone would say (they ignore the OOM kills and
// restarts that fail a trial). It names the best configuration the
// search measured (bestMeasured) and says the search's sentence, then
// after (a projection, or why there is none). When the search measured
// nothing, the generic recommendation's sentence says why.
func searchShortfall(a Analysis, ls *LimitSearch, after string) Recommendation {
	s := ls.Sentence
	if after != "" {
		s += " " + after
	}
	name, capacity := bestMeasured(ls, a.Configs)
	if name == "" {
		if a.Recommendation.Config == "" {
			s += " " + a.Recommendation.Sentence
		}
		return Recommendation{Sentence: s}
	}
	rec := Recommendation{Config: name, Sentence: withNote(s, incompleteNote(a, ""))}
	if capacity > 0 {
		rec.ShortBy = max(a.Target-capacity, 0)
	}
	return rec
}

// bestMeasured names the configuration a limit search that served nothing
// measured best, with its capacity at the largest limits: the capacity
// trial of the highest capacity, else (capacity 0: not measured) the
// configuration tried whose steps held the highest load; "" when the
// search measured no step.
func bestMeasured(ls *LimitSearch, configs []ConfigResult) (string, float64) {
	name, capacity := "", 0.0
	for _, r := range ls.Replicas {
		for _, row := range r.Path {
			c, ok := configByName(configs, row.Config)
			if ok && len(c.Steps) > 0 && row.Phase == search.TrialCapacity && row.Verdict == TrialMeasured && r.Capacity > capacity {
				name, capacity = c.Name, r.Capacity
			}
		}
	}
	if name != "" {
		return name, capacity
	}
	best := -1.0
	for _, r := range ls.Replicas {
		for _, row := range r.Path {
			if c, ok := configByName(configs, row.Config); ok && len(c.Steps) > 0 && c.Capacity > best {
				name, best = c.Name, c.Capacity
			}
		}
	}
	return name, 0
}

// searchWarnings are the caveats of reading a search back: a search: key
// that could not be read, bounds reconstructed from the trials, trials
// off the CPU grid.
func searchWarnings(in Input, a Analysis) []string {
	var out []string
	if in.SearchProblem != "" {
		out = append(out, "experiment.yaml: "+in.SearchProblem+"; the limit search is read from its trials alone.")
	}
	if a.Search == nil || a.Search.Limits == nil {
		return out
	}
	ls := a.Search.Limits
	if ls.Reconstructed {
		from := "experiment.yaml has no search: key: the limit search's bounds"
		if in.SearchProblem != "" {
			from = "Its bounds"
		}
		out = append(out, fmt.Sprintf("%s are reconstructed from its trials (%s, inferred from the CPUs tried), so whether each replica count finished is a guess.",
			from, gridText(ls.limits.CPUs)))
	}
	return append(out, ls.OffGrid...)
}

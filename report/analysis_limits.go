package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/search"
	"github.com/loadlab/loadlab/slo"
)

// MonotonicityAssumption is how reports state what a limit search assumes.
const MonotonicityAssumption = "The search assumes capacity is monotone in CPU: if a configuration serves the target, one with more CPU per replica (same replicas and memory) does too. " +
	"A trial that contradicted this (a larger limit failing where a smaller one passed) was run again once, and the latest result at that limit stands."

// LimitSearch is what a limit search found, per replica count, retraced
// from its trials by package search (search.TrialOf, search.Results,
// search.Cheapest): what the runner decided on.
type LimitSearch struct {
	// Assumption states the monotonicity the search rests on.
	Assumption string `json:"assumption"`
	// Replicas has one entry per replica count, in the search's order.
	Replicas []ReplicaSearch `json:"replicas"`
	// Recommended is the name of the trial configuration of the cheapest
	// minimal configuration (one of the analysis' configs); "" when no
	// replica count served the target.
	Recommended string `json:"recommended,omitempty"`
	// Sentence answers the question: the smallest configuration that
	// serves the target within the SLO, and the other replica counts.
	Sentence string `json:"sentence"`
	// Reconstructed is true when experiment.yaml had no readable search:
	// key and the search's bounds were taken from its trials.
	Reconstructed bool `json:"reconstructed,omitempty"`
	// ProjectionProblem says why no projection could be made when one was
	// needed ("" otherwise).
	ProjectionProblem string `json:"projection_problem,omitempty"`

	results []search.ReplicaResult
}

// ReplicaSearch is the search of one replica count.
type ReplicaSearch struct {
	Replicas int `json:"replicas"`
	// MinimalConfig names the trial configuration of the minimal limits;
	// MinimalCPUs is its CPU per replica (null when nothing served the
	// target) and MemoryBytes its memory per replica (or the searched
	// memory when nothing served).
	MinimalConfig string   `json:"minimal_config,omitempty"`
	MinimalCPUs   *float64 `json:"minimal_cpus"`
	MemoryBytes   int64    `json:"memory"`
	// FailCPUsBelow is the CPU per replica just below the minimal one that
	// failed (null: none tried), FailWhy why.
	FailCPUsBelow *float64 `json:"fail_cpus_below"`
	FailWhy       string   `json:"fail_why,omitempty"`
	// Trials counts the trials, re-runs included.
	Trials int `json:"trials"`
	// Capacity is the measured capacity at the largest limits when none
	// served the target (0 otherwise, or when not measured).
	Capacity       float64  `json:"capacity"`
	Complete       bool     `json:"complete"`
	Contradictions []string `json:"contradictions"`
	// Path is the trials of this replica count in the order run.
	Path []TrialRow `json:"path"`
}

// TrialRow is one trial as the report shows it.
type TrialRow struct {
	// Trial numbers the trials of the whole search from 1, in run order.
	Trial       int     `json:"trial"`
	Phase       string  `json:"phase"`
	Config      string  `json:"config"`
	CPUs        float64 `json:"cpus"`
	MemoryBytes int64   `json:"memory_bytes"`
	// Verdict is pass, fail, untrusted, interrupted (the run ended
	// before the trial's deciding step: it decided nothing) or, for a
	// capacity trial, measured (its Capacity).
	Verdict  string  `json:"verdict"`
	Why      string  `json:"why"`
	Capacity float64 `json:"capacity,omitempty"`
}

// Trial verdicts of a TrialRow.
const (
	TrialPass        = "pass"
	TrialFail        = "fail"
	TrialUntrusted   = "untrusted"
	TrialInterrupted = "interrupted"
	TrialMeasured    = "measured"
)

// isTrialRecord reports whether r belongs to a trial of a limit search:
// a step marked as one (or a capacity trial's probe), or, in a limit
// search run, a configuration that failed before any step.
func isTrialRecord(r record.Record, limitRun bool) bool {
	if r.Search != nil {
		return r.Search.Kind == record.SearchLimits || r.Search.Trial != ""
	}
	return limitRun && r.Failure != ""
}

// groupTrials splits the trial records of a limit search into trials, in
// order of appearance: a trial is the consecutive records of one
// configuration and repeat, and ends with its deciding step (the step at
// the target, the probe carrying a capacity search's result, or a failure
// record), so a configuration run again (a re-check) is a new trial.
func groupTrials(recs []record.Record, limitRun bool) [][]record.Record {
	var out [][]record.Record
	open := false
	for _, r := range recs {
		if !isTrialRecord(r, limitRun) {
			continue
		}
		if n := len(out); !open || out[n-1][0].Config.Name != r.Config.Name || out[n-1][0].Repeat != r.Repeat {
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], r)
		open = !decides(r)
	}
	return out
}

// decides reports whether r ends its trial: a failure record, the step
// at the target, a capacity search's last probe, or an approach step that
// breached.
func decides(r record.Record) bool {
	if r.Failure != "" {
		return true
	}
	s := r.Search
	return s != nil && (s.Phase == record.PhaseTrial || s.Result != nil || s.Phase == record.PhaseApproach && s.Verdict == record.VerdictFail)
}

// analyzeLimits retraces a limit search: its trials judged by
// search.TrialOf at target against s, what each replica count found
// (search.Results over the trials that decided something) and the
// cheapest minimal configuration. limits is the experiment's search:
// (nil: reconstructed from the trials).
func analyzeLimits(recs []record.Record, limits *search.Limits, target float64, s slo.SLO, configs []ConfigResult) *LimitSearch {
	groups := groupTrials(recs, limits != nil)
	if limits == nil && len(groups) == 0 {
		return nil
	}
	ls := &LimitSearch{Assumption: MonotonicityAssumption, Replicas: []ReplicaSearch{}}
	var l search.Limits
	if limits != nil {
		l = *limits
	} else {
		l, ls.Reconstructed = reconstructLimits(groups), true
	}
	l = l.WithDefaults()

	var trials []search.Trial
	var rows []TrialRow
	for i, g := range groups {
		cfg := g[0].Config
		row := TrialRow{Trial: i + 1, Phase: trialPhase(g), Config: cfg.Name, CPUs: cfg.CPUs, MemoryBytes: int64(cfg.MemoryBytes)}
		if i == len(groups)-1 {
			// The last trial without its deciding step, or cut during it:
			// the run ended in it. (An earlier one was decided, or cut
			// short and run again: the search moved on.)
			last := g[len(g)-1]
			switch {
			case !decides(last):
				row.Verdict, row.Why = TrialInterrupted, "the run ended before the step at the target load: decides nothing"
			case last.Partial && last.Failure == "":
				row.Verdict, row.Why = TrialInterrupted, "the run ended during the step at the target load (cut short): decides nothing"
			}
			if row.Verdict == TrialInterrupted {
				rows = append(rows, row)
				continue
			}
		}
		t := search.TrialOf(g, target, s)
		trials = append(trials, t)
		row.Why, row.Capacity = t.Why, t.Capacity
		switch {
		case t.Phase == search.TrialCapacity && t.Capacity > 0:
			row.Verdict = TrialMeasured
		case t.Untrusted:
			row.Verdict = TrialUntrusted
		case t.Pass:
			row.Verdict = TrialPass
		default:
			row.Verdict = TrialFail
		}
		if t.Phase != "" {
			row.Phase = t.Phase
		}
		rows = append(rows, row)
	}
	ls.results = search.Results(l, trials)
	for _, r := range ls.results {
		rs := ReplicaSearch{Replicas: r.Replicas, FailWhy: r.FailWhy, Trials: r.Trials, Capacity: r.Capacity, Complete: r.Complete,
			Contradictions: append([]string{}, r.Contradictions...), Path: []TrialRow{}, MemoryBytes: int64(l.Memory.Max)}
		for _, row := range rows {
			if replicasOf(row, groups) == r.Replicas {
				rs.Path = append(rs.Path, row)
			}
		}
		if m := r.Minimal; m != nil {
			cpus := m.CPUs
			rs.MinimalCPUs, rs.MemoryBytes, rs.MinimalConfig = &cpus, int64(m.MemoryBytes), configNamed(configs, *m)
		}
		if r.FailBelow > 0 {
			f := r.FailBelow
			rs.FailCPUsBelow = &f
		}
		ls.Replicas = append(ls.Replicas, rs)
	}
	if best, ok := search.Cheapest(ls.results); ok && best.Minimal != nil {
		ls.Recommended = configNamed(configs, *best.Minimal)
	}
	return ls
}

// trialPhase is the trial kind its records name (search.TrialCPU when
// they name none, e.g. a failure record).
func trialPhase(g []record.Record) string {
	for _, r := range g {
		if r.Search != nil && r.Search.Trial != "" {
			return r.Search.Trial
		}
	}
	return search.TrialCPU
}

// replicasOf is the replica count of a trial row (its configuration's,
// at least 1).
func replicasOf(row TrialRow, groups [][]record.Record) int {
	return max(groups[row.Trial-1][0].Config.Replicas, 1)
}

// configNamed finds the analysis' configuration with the limits of m:
// the one of its name, else one with the same replicas, CPU and memory
// that reaches the target; "" when none.
func configNamed(configs []ConfigResult, m record.Config) string {
	if i := slices.IndexFunc(configs, func(c ConfigResult) bool { return c.Name == m.Name && m.Name != "" }); i >= 0 {
		return configs[i].Name
	}
	same := func(c ConfigResult) bool {
		return max(c.Config.Replicas, 1) == max(m.Replicas, 1) && c.Config.CPUs == m.CPUs && c.Config.MemoryBytes == m.MemoryBytes
	}
	if i := slices.IndexFunc(configs, func(c ConfigResult) bool { return same(c) && c.ReachesTarget }); i >= 0 {
		return configs[i].Name
	}
	if i := slices.IndexFunc(configs, same); i >= 0 {
		return configs[i].Name
	}
	return ""
}

// reconstructLimits is the search's bounds as its trials show them, for a
// run whose experiment.yaml has no readable search: the replica counts in
// the order tried, the CPU range tried, the memory of the first trial.
func reconstructLimits(groups [][]record.Record) search.Limits {
	var l search.Limits
	for _, g := range groups {
		c := g[0].Config
		if !slices.Contains(l.Replicas, max(c.Replicas, 1)) {
			l.Replicas = append(l.Replicas, max(c.Replicas, 1))
		}
		if l.CPUs.Min == 0 || c.CPUs < l.CPUs.Min {
			l.CPUs.Min = c.CPUs
		}
		l.CPUs.Max = max(l.CPUs.Max, c.CPUs)
		if l.Memory.Max == 0 {
			l.Memory = search.MemoryRange{Min: c.MemoryBytes, Max: c.MemoryBytes}
		}
	}
	return l
}

// limitsSentence answers the workshop question from a limit search: "The
// smallest configuration that serves 10,000 users at p95 < 1 s, < 1 %
// errors: 1 replica × 0.25 CPU × 512 MiB (0.2 CPU fails: p95 1.40 s …).
// With 2 replicas: 2 × 0.15 CPU." best is the cheapest result.
func limitsSentence(ls *LimitSearch, best search.ReplicaResult, target float64, unit string, conds slo.SLO) string {
	m := *best.Minimal
	smallest := "The smallest configuration that serves"
	if !best.Complete {
		smallest = "The smallest configuration found so far (its search did not finish) that serves"
	}
	s := fmt.Sprintf("%s %s %s %s: %s", smallest, formatCount(target), unit, sloPhrase(conds), m.Describe())
	if best.FailBelow > 0 {
		s += fmt.Sprintf(" (%s fails: %s)", record.FormatCPUs(best.FailBelow), strings.TrimSuffix(best.FailWhy, "."))
	}
	s += "."
	for _, r := range ls.results {
		if r.Replicas == best.Replicas {
			continue
		}
		s += " With " + replicasText(r.Replicas) + ": "
		switch {
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
		s += "."
	}
	return s
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
		case c.Kind == slo.KindLatency:
			parts[i] = c.Metric + " " + c.Op + " " + formatKind(c.Kind, c.Value)
		default:
			parts[i] = conditionText(c)
		}
	}
	return "at " + strings.Join(parts, ", ")
}

// searchRecommendation answers the question with the limit search, when
// the run had one: the cheapest minimal configuration it found (the
// recommendation names its trial configuration), or, when a finished
// search found none, the best measured configuration with the
// projection beyond this machine.
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
	ls.Sentence = fmt.Sprintf("No searched configuration serves %s %s %s on this machine.", formatCount(a.Target), a.Unit, sloPhrase(a.sloConds))
	complete := !slices.ContainsFunc(ls.Replicas, func(r ReplicaSearch) bool { return !r.Complete })
	if !complete || len(ls.Replicas) == 0 {
		ls.Sentence = fmt.Sprintf("No searched configuration has served %s %s %s so far; the search did not finish.", formatCount(a.Target), a.Unit, sloPhrase(a.sloConds))
		ls.ProjectionProblem = "no projection for an unfinished search: a trial not yet run might serve the target"
		return
	}
	a.Projection, ls.ProjectionProblem = limitsProjection(ls, a.Configs, a.Target, a.Unit)
	if a.Projection != nil {
		a.Recommendation.Sentence += " " + a.Projection.Sentence
	}
}

// searchWarnings are the caveats of reading a search back: a search: key
// that could not be read, bounds reconstructed from the trials.
func searchWarnings(in Input, a Analysis) []string {
	var out []string
	if in.SearchProblem != "" {
		out = append(out, "experiment.yaml: "+in.SearchProblem+"; the limit search is read from its trials alone.")
	}
	if a.Search != nil && a.Search.Limits != nil && a.Search.Limits.Reconstructed && in.SearchProblem == "" {
		out = append(out, "experiment.yaml has no search: key: the limit search's bounds are reconstructed from its trials, so whether each replica count finished is a guess.")
	}
	return out
}

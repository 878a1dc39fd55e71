package report

import (
	"math"
	"slices"

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
	// Disagreement says how the measurements of a finished search that
	// served nothing contradict each other (then nothing is projected and
	// the run should be repeated); "" when they do not.
	Disagreement string `json:"disagreement,omitempty"`
	// OffGrid lists, one sentence each, the trials whose CPU is not on the
	// search's CPU grid: the search's result leaves them out.
	OffGrid []string `json:"off_grid,omitempty"`

	results []search.ReplicaResult
	// limits are the bounds the trials were retraced with.
	limits search.Limits
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
	Capacity float64 `json:"capacity"`
	Complete bool    `json:"complete"`
	// Undecided, when not empty, says why a configuration of this replica
	// count could not be decided (search.ReplicaResult.Undecided: e.g. a
	// generator saturated twice); with MinimalCPUs null the replica count
	// is undecided, else only its memory is.
	Undecided string `json:"undecided"`
	// Truncated is true when the trial budget ran out before the answer
	// was confirmed: MinimalCPUs is only the smallest that passed so far,
	// and the answer may be incomplete.
	Truncated      bool     `json:"truncated"`
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
	// Pressure is the deciding step's SLO pressure (search.Trial.Pressure:
	// above 1 breaches); null when nothing answered, the trial failed on
	// something other than its SLO, or it decided nothing.
	Pressure *float64 `json:"pressure"`
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
// breached (verdict fail) or, untrusted, ended the trial (verdict repeat:
// scenarios.TrialPlanner).
func decides(r record.Record) bool {
	if r.Failure != "" {
		return true
	}
	s := r.Search
	ended := s != nil && s.Phase == record.PhaseApproach && (s.Verdict == record.VerdictFail || s.Verdict == record.VerdictRepeat)
	return s != nil && (s.Phase == record.PhaseTrial || s.Result != nil || ended)
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
		if p := t.Pressure; p > 0 && !math.IsInf(p, 0) && !math.IsNaN(p) && t.Phase != search.TrialCapacity {
			row.Pressure = &p
		}
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
	ls.limits = l
	flagOffGrid(ls, rows, groups, l)
	ls.results = search.Results(l, trials)
	for _, r := range ls.results {
		rs := ReplicaSearch{Replicas: r.Replicas, FailWhy: r.FailWhy, Trials: r.Trials, Capacity: r.Capacity, Complete: r.Complete,
			Undecided: r.Undecided, Truncated: r.Truncated,
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

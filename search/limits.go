package search

import (
	"fmt"
	"math"
	"strings"

	"github.com/loadlab/loadlab/internal/yamlfile"
	"github.com/loadlab/loadlab/record"
)

// Limits configures a limit search across configurations (an experiment's
// search:): for each replica count, the smallest CPU per replica, on a grid
// of Resolution between Min and Max, whose configuration serves the
// target load within the SLO; then, when Memory is a range, the smallest
// memory that serves it at that CPU. Capacity is assumed monotone in CPU:
// a trial that contradicts it is run again once, and the latest result at
// a limit stands. Trials are noisy: a CPU trial within DefaultMargin of
// its SLO's limit is measured again and decided by the median of
// TrialRepeats measurements, and both ends of the final bracket (the
// minimal CPU and the failure just below it) are measured once more
// before the answer stands.
type Limits struct {
	CPUs CPURange `yaml:"cpus" json:"cpus"`
	// Memory is fixed (512m) or a range {min, max}.
	Memory MemoryRange `yaml:"memory" json:"memory"`
	// Replicas are the replica counts searched, each independently, in
	// order; default [1].
	Replicas []int `yaml:"replicas,omitempty" json:"replicas,omitempty"`
	// Strategy is "bisect" (default) or "grid": every CPU value of the
	// grid, in order, for comparison with the bisection.
	Strategy string `yaml:"strategy,omitempty" json:"strategy,omitempty"`
}

// Strategies of a limit search.
const (
	StrategyBisect = "bisect"
	StrategyGrid   = "grid"
)

// CPURange is the CPU grid per replica: Min, Min+Resolution, … up to Max
// (Max itself always on it).
type CPURange struct {
	Min        float64 `yaml:"min" json:"min" nonzero:"> 0"`
	Max        float64 `yaml:"max" json:"max" nonzero:"> 0"`
	Resolution float64 `yaml:"resolution,omitempty" json:"resolution,omitempty" nonzero:"> 0"`
}

// MemoryRange is a fixed memory limit (Min == Max) or a range searched on
// a doubling grid from Min up to Max. YAML: 512m, or {min: 64m, max: 2g}.
type MemoryRange struct {
	Min, Max record.Bytes
}

// Fixed reports whether the memory is one size.
func (m MemoryRange) Fixed() bool { return m.Min == m.Max }

// MemoryUseLimit is the largest fraction of its memory limit a replica may
// use at the target load for the memory to count as enough.
const MemoryUseLimit = 0.9

// Trial phases (Trial.Phase, TrialDecision.Phase).
const (
	TrialCPU      = "cpu"      // a step of the CPU bisection (or grid)
	TrialRecheck  = "recheck"  // a trial run again: it contradicted monotonicity, came within DefaultMargin of its limit, or could not be trusted
	TrialConfirm  = "confirm"  // an end of the final CPU bracket (the minimal, the failure below it) measured once more
	TrialMemory   = "memory"   // the smallest memory at the minimal CPU
	TrialCapacity = "capacity" // a capacity search at the largest limits, when even they fail (for the projection)
)

// Trial is one configuration tried by a limit search and what it showed.
type Trial struct {
	Config record.Config
	Phase  string
	// Pass: the step at the target load met the SLO, trusted (generator not
	// saturated, step complete), with no OOM kill or restart; for a
	// memory trial also below MemoryUseLimit of the limit.
	Pass bool
	// Why is the reason it failed (or, for a pass, the deciding measure), a
	// sentence for the report: "p95 1.40s breaches p95<1s at 10,000 users".
	Why string
	// Untrusted: the deciding step could not be trusted (saturated
	// generator, partial step, on the way up too; for a memory trial also
	// no memory use measured); the trial is run again, and a configuration
	// untrusted twice in a row is undecided (ReplicaResult.Undecided).
	Untrusted bool
	// Pressure is the deciding step's SLO pressure (slo.SLO.Pressure:
	// above 1 breaches; 0 under an empty SLO). It is +Inf when nothing was
	// answered, and when the trial failed on something other than its SLO
	// (a failed deployment, an OOM kill or restart): such a failure is no
	// noise to weigh. A CPU trial within DefaultMargin of 1 is measured
	// again (TrialRecheck) until TrialRepeats trusted measurements decide
	// it by their median (below 1 passes).
	Pressure float64
	// MemoryPeak is the largest memory use of one replica over the trial's
	// steps (bytes); MemoryPct that as a fraction of the limit.
	MemoryPeak record.Bytes
	MemoryPct  float64
	// Capacity is a TrialCapacity trial's measured capacity (users or
	// requests/s); 0 otherwise. A TrialCapacity trial passes when it
	// reaches the target: it then contradicts the failing largest limits,
	// which are run again.
	Capacity float64
}

// TrialDecision is the next configuration to try, or Done.
type TrialDecision struct {
	Done   bool
	Config record.Config // Name is left to the caller (record.Config.AutoName)
	Phase  string
	// Note says why this trial (e.g. "re-run: 0.3 CPU failed where 0.25 CPU passed").
	Note string
}

// NextTrial decides, from the trials so far (oldest first), the next
// configuration of the search l, or Done. Replica counts are searched in
// the order of l.Replicas, each to its end before the next. It is pure and
// bounded: at most l.TrialBudget() trials per replica count.
//
// The bisection of a grid of n values takes the largest limits, then
// about log2(n) bisection trials, then a confirmation of each end of the
// bracket: 9 trials on a grid of 40 values of a system without noise
// (fewer when the minimal is the grid's minimum). Each value tried within
// DefaultMargin of its limit costs TrialRepeats trials instead of one
// (and needs no confirmation); each contradiction, untrusted trial or
// failed confirmation costs one more. On a 40-value grid the tests find
// at most 23 trials for a system whose pressure is need ÷ CPU with one
// spurious failure and one spurious pass (limits_noise_test.go).
func NextTrial(l Limits, trials []Trial) TrialDecision {
	for _, r := range l.Replicas {
		if p := planOf(l, r, trialsOf(trials, r)); !p.done {
			return p.next
		}
	}
	return TrialDecision{Done: true}
}

// trialsOf is the trials of replica count r (0 replicas count as 1), in
// order.
func trialsOf(trials []Trial, r int) []Trial {
	var out []Trial
	for _, t := range trials {
		if max(t.Config.Replicas, 1) == r {
			out = append(out, t)
		}
	}
	return out
}

// MaxTrials bounds the CPU values of a grid: Validate refuses more.
const MaxTrials = 100

// ExtraTrials is the trial budget of a replica count beyond its grid's
// values: repeats near the limit, re-runs, confirmations, memory and
// capacity trials.
const ExtraTrials = 20

// TrialBudget is the most trials the search l runs for one replica count:
// its grid's length plus ExtraTrials (at most MaxTrials + ExtraTrials). A
// replica count that spends it ends Truncated.
func (l Limits) TrialBudget() int { return len(l.CPUs.Grid()) + ExtraTrials }

// ReplicaResult is what a limit search found for one replica count.
type ReplicaResult struct {
	Replicas int
	// Minimal is the smallest configuration that served the target, its
	// CPU confirmed when Complete and not Truncated (nil when none did,
	// even at the largest limits, and when a CPU value was Undecided).
	Minimal *record.Config
	// FailBelow is the CPU per replica just below Minimal's that failed
	// (0: Minimal is the grid's minimum, or nothing below it was tried),
	// and FailWhy why it failed.
	FailBelow float64
	FailWhy   string
	// Trials counts the trials of this replica count, repeats included.
	Trials int
	// Contradictions lists, in sentences, the trials that contradicted
	// monotonicity and which result stood.
	Contradictions []string
	// Capacity is the measured capacity at the largest limits when none
	// served the target (from the TrialCapacity trial); 0 otherwise.
	Capacity float64
	// Complete is false when the search of this replica count did not end
	// (an interrupted run).
	Complete bool
	// Undecided, when not empty, says in a sentence that a configuration
	// could not be trusted twice in a row ("the generator was saturated at
	// 10,000 users twice: this machine cannot decide 2 replicas × 0.5
	// CPU"). For a CPU value the count is undecided: Minimal is nil and
	// Complete true. For a memory value only the memory is: Minimal keeps
	// the minimal CPU at the largest memory, which served the target.
	Undecided string
	// Truncated is true when the count spent its trial budget
	// (Limits.TrialBudget) before its answer was confirmed: Complete is
	// true, and Minimal is only the smallest configuration that passed so
	// far (TruncatedNote says so).
	Truncated bool
}

// TruncatedNote is the sentence for a Truncated result, "" otherwise:
// "the trial budget (60 trials) ran out before the answer was confirmed:
// 0.75 CPU per replica is only the smallest that passed so far".
func (r ReplicaResult) TruncatedNote() string {
	if !r.Truncated {
		return ""
	}
	s := fmt.Sprintf("the trial budget (%d trials) ran out before the answer was confirmed", r.Trials)
	if r.Minimal == nil {
		return s + ": no configuration passed so far"
	}
	return fmt.Sprintf("%s: %s per replica is only the smallest that passed so far", s, formatCPUs(r.Minimal.CPUs))
}

// Results retraces what the search l found per replica count (in the
// order of l.Replicas) from its trials; it is what NextTrial decided on,
// so a report and the runner agree.
//
// For a search that did not end (Complete false), Minimal is the smallest
// configuration known so far to serve the target, if any.
func Results(l Limits, trials []Trial) []ReplicaResult {
	out := make([]ReplicaResult, 0, len(l.Replicas))
	for _, r := range l.Replicas {
		ts := trialsOf(trials, r)
		p := planOf(l, r, ts)
		res := ReplicaResult{Replicas: r, Minimal: p.minimal, FailBelow: p.failBelow, FailWhy: p.failWhy,
			Trials: len(ts), Capacity: p.capacity, Complete: p.done, Undecided: p.undecided, Truncated: p.truncated}
		if res.Minimal != nil {
			res.Capacity = 0
		}
		res.Contradictions = contradictions(l, r, ts)
		out = append(out, res)
	}
	return out
}

// contradictions retraces the re-runs of contradicting trials and what
// each showed (as decided: a re-run near the limit by the median of its
// repeats; one still undecided is left out).
func contradictions(l Limits, r int, ts []Trial) []string {
	var out []string
	all := replayTrials(l.CPUs.Grid(), ts)
	for k, t := range ts {
		if t.Phase != TrialRecheck {
			continue
		}
		before := planOf(l, r, ts[:k])
		m := all.of[k]
		if !before.contradiction || m == nil || !m.decided || m.trials[0] != k {
			continue
		}
		what := strings.TrimPrefix(before.next.Note, "re-run: ")
		if m.pass {
			out = append(out, fmt.Sprintf("%s; run again, it passed: the pass stands", what))
		} else {
			out = append(out, fmt.Sprintf("%s; run again, it failed again: the failure stands (%s)", what, m.why))
		}
	}
	return out
}

// Cheapest is the result with the cheapest minimal configuration: least
// CPUs × replicas, then least memory × replicas, then fewer replicas;
// false when no replica count served the target.
func Cheapest(rs []ReplicaResult) (ReplicaResult, bool) {
	var best ReplicaResult
	found := false
	for _, r := range rs {
		if r.Minimal == nil {
			continue
		}
		if !found || cheaper(r, best) {
			best, found = r, true
		}
	}
	return best, found
}

// cheaper reports whether a's minimal configuration costs less than b's.
func cheaper(a, b ReplicaResult) bool {
	na, nb := float64(max(a.Minimal.Replicas, 1)), float64(max(b.Minimal.Replicas, 1))
	ca, cb := round9(a.Minimal.CPUs*na), round9(b.Minimal.CPUs*nb)
	if ca != cb {
		return ca < cb
	}
	ma, mb := float64(a.Minimal.MemoryBytes)*na, float64(b.Minimal.MemoryBytes)*nb
	if ma != mb {
		return ma < mb
	}
	return na < nb
}

// WithDefaults fills what l leaves empty: replicas [1], strategy bisect,
// resolution 0.05 CPU.
func (l Limits) WithDefaults() Limits {
	if len(l.Replicas) == 0 {
		l.Replicas = []int{1}
	}
	if l.Strategy == "" {
		l.Strategy = StrategyBisect
	}
	if l.CPUs.Resolution == 0 {
		l.CPUs.Resolution = DefaultCPUResolution
	}
	return l
}

// DefaultCPUResolution is the CPU grid's default step per replica.
const DefaultCPUResolution = 0.05

// Validate reports every problem of a limit search with defaults applied
// as "field: problem (fix)" errors joined (cpus.min, cpus.max,
// cpus.resolution, memory, replicas, strategy), including a grid of more
// than MaxTrials values; minCPUs and minMemory are the runtime's smallest
// limits (0: none).
func (l Limits) Validate(minCPUs float64, minMemory record.Bytes) error {
	var es yamlfile.Errors
	c := l.CPUs
	cpuOK := true
	switch {
	case !(c.Min > 0) || math.IsInf(c.Min, 0):
		es.Add("cpus.min", "must be > 0 CPU per replica (got %s), e.g. 0.05", FormatNumber(c.Min))
		cpuOK = false
	case minCPUs > 0 && c.Min < minCPUs-1e-9:
		es.Add("cpus.min", "must be ≥ %s, the runtime's smallest CPU limit (got %s)", FormatNumber(minCPUs), FormatNumber(c.Min))
	}
	if !(c.Max > 0) || math.IsInf(c.Max, 0) {
		es.Add("cpus.max", "must be > 0 CPU per replica (got %s), e.g. 2", FormatNumber(c.Max))
		cpuOK = false
	} else if c.Max < c.Min {
		es.Add("cpus.max", "must be ≥ cpus.min (got max %s, min %s)", FormatNumber(c.Max), FormatNumber(c.Min))
		cpuOK = false
	}
	if !(c.Resolution > 0) || math.IsInf(c.Resolution, 0) {
		es.Add("cpus.resolution", "must be > 0 CPU (got %s), e.g. 0.05", FormatNumber(c.Resolution))
		cpuOK = false
	}
	if cpuOK {
		n := math.Floor((c.Max-c.Min)/c.Resolution+1e-9) + 1
		if round9(c.Min+(n-1)*c.Resolution) < round9(c.Max) {
			n++ // Max is on the grid too
		}
		if n > MaxTrials {
			es.Add("cpus.resolution", "makes a grid of %s CPU values, more than %d (raise the resolution or narrow min–max)", FormatNumber(n), MaxTrials)
		}
	}
	m := l.Memory
	switch {
	case m.Min <= 0:
		es.Add("memory", "must be set: a size such as 512m, or a range {min: 64m, max: 2g}")
	case minMemory > 0 && m.Min < minMemory:
		es.Add("memory", "must be ≥ %s, the runtime's smallest memory limit (got %s)", minMemory, m.Min)
	}
	if m.Min > 0 && m.Max < m.Min {
		es.Add("memory.max", "must be ≥ memory.min (got max %s, min %s)", m.Max, m.Min)
	}
	seen := map[int]bool{}
	for i, r := range l.Replicas {
		switch {
		case r < 1:
			es.Add(fmt.Sprintf("replicas[%d]", i), "must be ≥ 1 (got %d)", r)
		case seen[r]:
			es.Add(fmt.Sprintf("replicas[%d]", i), "%d is listed twice: list each replica count once", r)
		}
		seen[r] = true
	}
	if l.Strategy != StrategyBisect && l.Strategy != StrategyGrid {
		es.Add("strategy", "unknown strategy %q (allowed: bisect, grid)", l.Strategy)
	}
	return es.Join()
}

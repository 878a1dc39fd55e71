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
// a limit stands.
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
	TrialRecheck  = "recheck"  // a trial run again because it contradicted monotonicity
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
	// generator, partial step); the trial is run again once.
	Untrusted bool
	// MemoryPeak is the largest memory use of one replica over the trial's
	// steps (bytes); MemoryPct that as a fraction of the limit.
	MemoryPeak record.Bytes
	MemoryPct  float64
	// Capacity is a TrialCapacity trial's measured capacity (users or
	// requests/s); 0 otherwise.
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
// bounded: at most MaxTrials trials per replica count.
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

// MaxTrials bounds the trials of one replica count (grid strategy
// included: a grid of more values is refused by Validate).
const MaxTrials = 100

// ReplicaResult is what a limit search found for one replica count.
type ReplicaResult struct {
	Replicas int
	// Minimal is the smallest configuration that served the target (nil
	// when none did, even at the largest limits).
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
			Trials: len(ts), Capacity: p.capacity, Complete: p.done}
		if res.Minimal != nil {
			res.Capacity = 0
		}
		res.Contradictions = contradictions(l, r, ts)
		out = append(out, res)
	}
	return out
}

// contradictions retraces the re-runs of contradicting trials and what
// each showed.
func contradictions(l Limits, r int, ts []Trial) []string {
	var out []string
	for k, t := range ts {
		if t.Phase != TrialRecheck {
			continue
		}
		before := planOf(l, r, ts[:k])
		if !before.contradiction {
			continue
		}
		what := strings.TrimPrefix(before.next.Note, "re-run: ")
		if t.Pass {
			out = append(out, fmt.Sprintf("%s; run again, it passed: the pass stands", what))
		} else {
			out = append(out, fmt.Sprintf("%s; run again, it failed again: the failure stands (%s)", what, t.Why))
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
		es.Add("cpus.min", "must be > 0 CPU per replica (got %s), e.g. 0.05", formatNumber(c.Min))
		cpuOK = false
	case minCPUs > 0 && c.Min < minCPUs-1e-9:
		es.Add("cpus.min", "must be ≥ %s, the runtime's smallest CPU limit (got %s)", formatNumber(minCPUs), formatNumber(c.Min))
	}
	if !(c.Max > 0) || math.IsInf(c.Max, 0) {
		es.Add("cpus.max", "must be > 0 CPU per replica (got %s), e.g. 2", formatNumber(c.Max))
		cpuOK = false
	} else if c.Max < c.Min {
		es.Add("cpus.max", "must be ≥ cpus.min (got max %s, min %s)", formatNumber(c.Max), formatNumber(c.Min))
		cpuOK = false
	}
	if !(c.Resolution > 0) || math.IsInf(c.Resolution, 0) {
		es.Add("cpus.resolution", "must be > 0 CPU (got %s), e.g. 0.05", formatNumber(c.Resolution))
		cpuOK = false
	}
	if cpuOK {
		n := math.Floor((c.Max-c.Min)/c.Resolution+1e-9) + 1
		if round9(c.Min+(n-1)*c.Resolution) < round9(c.Max) {
			n++ // Max is on the grid too
		}
		if n > MaxTrials {
			es.Add("cpus.resolution", "makes a grid of %s CPU values, more than %d (raise the resolution or narrow min–max)", formatNumber(n), MaxTrials)
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

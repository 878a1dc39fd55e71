package search

import (
	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/slo"
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

// TrialOf judges the records of one configuration's trial (in order; their
// Search.Trial names its phase) against the SLO s at target (users, or
// requests/s under model rate). A configuration that failed to deploy (a
// Failure record) fails its trial with that reason.
func TrialOf(recs []record.Record, target float64, s slo.SLO) Trial {
	panic("search: not yet implemented")
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
	panic("search: not yet implemented")
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
func Results(l Limits, trials []Trial) []ReplicaResult {
	panic("search: not yet implemented")
}

// Cheapest is the result with the cheapest minimal configuration: least
// CPUs × replicas, then least memory × replicas, then fewer replicas;
// false when no replica count served the target.
func Cheapest(rs []ReplicaResult) (ReplicaResult, bool) {
	panic("search: not yet implemented")
}

// WithDefaults fills what l leaves empty: replicas [1], strategy bisect,
// resolution 0.05 CPU.
func (l Limits) WithDefaults() Limits {
	panic("search: not yet implemented")
}

// Validate reports every problem of a limit search with defaults applied
// as "field: problem (fix)" errors joined (cpus.min, cpus.max,
// cpus.resolution, memory, replicas, strategy), including a grid of more
// than MaxTrials values; minCPUs and minMemory are the runtime's smallest
// limits (0: none).
func (l Limits) Validate(minCPUs float64, minMemory record.Bytes) error {
	panic("search: not yet implemented")
}

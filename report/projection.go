package report

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/search"
)

// ProjectionLabel marks every projection: it is arithmetic on
// measurements, never a measurement.
const ProjectionLabel = "projection, not measured"

// ProjectionModel states how a projection is computed.
const ProjectionModel = "replicas = ⌈target ÷ (capacity per replica × efficiency)⌉, where capacity per replica is the capacity measured at the smallest replica count n₁ divided by n₁, " +
	"and efficiency is (capacity(n₂) ÷ capacity(n₁)) ÷ (n₂ ÷ n₁) between the smallest and the largest replica count measured (at most 1; 1 when only one replica count was measured). " +
	"It assumes the efficiency measured holds at every replica count: scaling usually degrades further (shared state, the load balancer, the host), so the real count is likely higher."

// Projection estimates, when no searched configuration served the target
// on this machine, how many replicas at the largest tested limits would:
// from the capacity measured there per replica count and the scaling
// efficiency between replica counts. It is not a measurement and is
// always rendered with Label and the figures it rests on.
type Projection struct {
	// Label is ProjectionLabel.
	Label string `json:"label"`
	// Model is ProjectionModel.
	Model string `json:"model"`
	// Target is the load to serve, in Unit.
	Target float64 `json:"target"`
	Unit   string  `json:"unit"`
	// CPUs and MemoryBytes are the per-replica limits projected: the
	// largest tested.
	CPUs        float64 `json:"cpus_per_replica"`
	MemoryBytes int64   `json:"memory_bytes"`
	// CapacityPerReplica is capacity(n₁) ÷ n₁, in Unit.
	CapacityPerReplica float64 `json:"capacity_per_replica"`
	// Efficiency is the scaling efficiency used (≤ 1); EfficiencyMeasured
	// is false when it was assumed (one replica count), and
	// EfficiencyRaw is the measured value before capping at 1.
	Efficiency         float64 `json:"efficiency"`
	EfficiencyMeasured bool    `json:"efficiency_measured"`
	EfficiencyRaw      float64 `json:"efficiency_raw,omitempty"`
	// Replicas is the projected replica count.
	Replicas int `json:"replicas"`
	// Figures are the measurements it rests on, one sentence each.
	Figures []string `json:"figures"`
	// Sentence is the projection in one sentence, labelled.
	Sentence string `json:"sentence"`
}

// measuredCapacity is one replica count's measured capacity at the
// largest tested limits (Config's limits per replica).
type measuredCapacity struct {
	Replicas int
	Capacity float64
	Config   record.Config
}

// project computes the projection from the measured capacities (any
// order; those with no capacity are ignored); nil and the reason when
// none can be made.
func project(ms []measuredCapacity, target float64, unit string) (*Projection, string) {
	ms = slices.DeleteFunc(slices.Clone(ms), func(m measuredCapacity) bool { return m.Capacity <= 0 || m.Replicas < 1 })
	if len(ms) == 0 {
		return nil, "no capacity was measured at the largest limits (no capacity trial, or it served nothing), so there is nothing to project from"
	}
	if target <= 0 {
		return nil, "no target load to project to"
	}
	slices.SortFunc(ms, func(a, b measuredCapacity) int { return a.Replicas - b.Replicas })
	lo, hi := ms[0], ms[len(ms)-1]
	p := &Projection{Label: ProjectionLabel, Model: ProjectionModel, Target: target, Unit: unit,
		CPUs: lo.Config.CPUs, MemoryBytes: int64(lo.Config.MemoryBytes), Efficiency: 1}
	p.CapacityPerReplica = lo.Capacity / float64(lo.Replicas)
	for _, m := range ms {
		p.Figures = append(p.Figures, fmt.Sprintf("measured: %s held %s %s", m.Config.Describe(), formatCount(m.Capacity), unit))
	}
	p.Figures = append(p.Figures, fmt.Sprintf("capacity per replica: %s ÷ %d = %s %s", formatCount(lo.Capacity), lo.Replicas, formatCount(p.CapacityPerReplica), unit))
	if hi.Replicas > lo.Replicas {
		p.EfficiencyMeasured = true
		p.EfficiencyRaw = (hi.Capacity / lo.Capacity) / (float64(hi.Replicas) / float64(lo.Replicas))
		p.Efficiency = math.Min(p.EfficiencyRaw, 1)
		e := fmt.Sprintf("scaling efficiency from %d to %d replicas: (%s ÷ %s) ÷ (%d ÷ %d) = %.2f",
			lo.Replicas, hi.Replicas, formatCount(hi.Capacity), formatCount(lo.Capacity), hi.Replicas, lo.Replicas, p.EfficiencyRaw)
		if p.EfficiencyRaw > 1 {
			e += ", taken as 1 (a projection never assumes better than linear scaling)"
		}
		p.Figures = append(p.Figures, e)
	} else {
		p.Figures = append(p.Figures, "scaling efficiency assumed 1 (linear): only one replica count was measured, so it could not be measured; the real count is likely higher")
	}
	p.Replicas = int(math.Ceil(target/(p.CapacityPerReplica*p.Efficiency) - 1e-9))
	perReplica := record.Config{CPUs: p.CPUs, MemoryBytes: record.Bytes(p.MemoryBytes), Replicas: p.Replicas}
	p.Sentence = fmt.Sprintf("Projection, not measured: about %s would serve %s %s (%s %s per replica × efficiency %.2f), assuming the measured scaling holds; loadlab could not test this on this machine.",
		perReplica.Describe(), formatCount(target), unit, formatCount(p.CapacityPerReplica), unit, p.Efficiency)
	return p, ""
}

// limitsProjection gathers the capacity trials of a limit search that
// served nothing and projects from them.
func limitsProjection(ls *LimitSearch, configs []ConfigResult, target float64, unit string) (*Projection, string) {
	var ms []measuredCapacity
	for _, r := range ls.Replicas {
		if r.Capacity <= 0 {
			continue
		}
		m := measuredCapacity{Replicas: r.Replicas, Capacity: r.Capacity}
		// The limits it was measured at: the capacity trial's, else the
		// largest CPU tried at this replica count.
		at := -1
		for i, row := range r.Path {
			if row.Phase == search.TrialCapacity {
				at = i
				break
			}
			if at < 0 || row.CPUs > r.Path[at].CPUs {
				at = i
			}
		}
		if at >= 0 {
			row := r.Path[at]
			m.Config = record.Config{Name: row.Config, CPUs: row.CPUs, MemoryBytes: record.Bytes(row.MemoryBytes)}
			if c, ok := configByName(configs, row.Config); ok {
				m.Config = c.Config
			}
		}
		m.Config.Replicas = r.Replicas
		ms = append(ms, m)
	}
	return project(ms, target, unit)
}

func configByName(configs []ConfigResult, name string) (ConfigResult, bool) {
	i := slices.IndexFunc(configs, func(c ConfigResult) bool { return c.Name == name })
	if i < 0 {
		return ConfigResult{}, false
	}
	return configs[i], true
}

// disagreement says how the measurements of a finished limit search that
// served nothing contradict each other, "" when they do not: a replica
// count whose largest limits failed their trial while the capacity search
// at those limits reached the target, or a projection p to no more
// replicas than a count that was tried at those limits and failed. Either
// way a projection would be false (it would call measured what failed,
// or project what was measured): nothing is projected, and the run should
// be repeated. The sentence starts with "the measurements disagree".
func disagreement(ls *LimitSearch, p *Projection, target float64, unit string) string {
	for _, r := range ls.Replicas {
		if r.Capacity > 0 && r.Capacity >= target-1e-9 {
			at, why := largestFailure(r)
			return fmt.Sprintf("the measurements disagree: with %s, %s failed its trial at %s %s (%s), but its capacity search at the same limits reached %s %s; repeat the run",
				record.ReplicasText(r.Replicas), at, formatCount(target), unit, why, formatCount(r.Capacity), unit)
		}
	}
	if p == nil {
		return ""
	}
	for _, r := range ls.Replicas { // the smallest count tried at or above the projection
		if r.Replicas < p.Replicas || len(r.Path) == 0 || slices.ContainsFunc(ls.Replicas, func(o ReplicaSearch) bool {
			return o.Replicas >= p.Replicas && o.Replicas < r.Replicas && len(o.Path) > 0
		}) {
			continue
		}
		at, why := largestFailure(r)
		projected := record.Config{CPUs: p.CPUs, MemoryBytes: record.Bytes(p.MemoryBytes), Replicas: p.Replicas}
		return fmt.Sprintf("the measurements disagree: the capacity measured projects about %s, but %s at %s were tried and failed (%s); repeat the run",
			projected.Describe(), record.ReplicasText(r.Replicas), at, why)
	}
	return ""
}

// largestFailure is the limits of the last failed trial at the largest
// CPU of a replica count's path ("2 CPUs × 512 MiB") and why it failed.
func largestFailure(r ReplicaSearch) (at, why string) {
	at, why = "the largest limits", "it failed"
	top := -1.0
	for _, row := range r.Path {
		if row.Phase == search.TrialCapacity || (row.Verdict != TrialFail && row.Verdict != TrialUntrusted) || row.CPUs < top {
			continue
		}
		top = row.CPUs
		at = record.Config{CPUs: row.CPUs, MemoryBytes: record.Bytes(row.MemoryBytes)}.Limits(" × ")
		why = strings.TrimSuffix(row.Why, ".")
	}
	return at, why
}

package search

import (
	"fmt"
	"math"
	"strings"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/slo"
)

// TrialOf judges the records of one configuration's trial (in order; their
// Search.Trial names its phase) against the SLO s at target (users, or
// requests/s under model rate). A configuration that failed to deploy (a
// Failure record) fails its trial with that reason.
//
// The step whose Search.Phase is record.PhaseTrial decides: it passes when
// it meets s (the record's own SLO verdict when s is empty), was trusted
// (not partial, generator not saturated: else Untrusted), no replica was
// OOM-killed or restarted in any step, and, for a memory trial, memory use
// was measured (else Untrusted) and its peak stayed below MemoryUseLimit
// of the limit. A trial without that step is Untrusted when a step on the
// way up was (saturated, partial), else fails: an approach step breached,
// or the trial was interrupted. Pressure is the deciding step's (see
// Trial.Pressure).
//
// A TrialCapacity trial's Capacity is the capacity its search found; it
// passes when that reaches target (it contradicts the failing largest
// limits), and says "interrupted" only when no probe carries the search's
// result.
func TrialOf(recs []record.Record, target float64, s slo.SLO) Trial {
	t := Trial{Pressure: math.Inf(1)}
	if len(recs) == 0 {
		t.Why = "no step was measured (interrupted)"
		return t
	}
	t.Config = recs[0].Config
	for _, r := range recs {
		if r.Search != nil && r.Search.Trial != "" {
			t.Phase = r.Search.Trial
			break
		}
	}
	for _, r := range recs {
		if r.Failure != "" {
			t.Config = r.Config
			t.Why = "could not deploy/measure: " + r.Failure
			return t
		}
	}
	t.MemoryPeak = memoryPeak(recs, max(t.Config.Replicas, 1))
	if t.Config.MemoryBytes > 0 {
		t.MemoryPct = float64(t.MemoryPeak) / float64(t.Config.MemoryBytes)
	}
	whole := recs[0].Load.Model != record.ModelRate
	at := FormatLoad(target, whole)
	if t.Phase == TrialCapacity {
		return capacityTrial(t, recs, target, whole)
	}
	var trial *record.Record
	for i := range recs {
		if recs[i].Search != nil && recs[i].Search.Phase == record.PhaseTrial {
			trial = &recs[i]
		}
	}
	if trial == nil {
		// A step on the way up that cannot be trusted decides nothing,
		// its breach included.
		for _, r := range recs {
			switch {
			case r.Generator.Saturated:
				t.Untrusted = true
				t.Why = fmt.Sprintf("the generator was saturated at %s on the way up", FormatLoad(r.Offered(), whole))
				return t
			case r.Partial:
				t.Untrusted = true
				t.Why = fmt.Sprintf("the step at %s on the way up was cut short", FormatLoad(r.Offered(), whole))
				return t
			}
		}
		for i := len(recs) - 1; i >= 0; i-- {
			if ev := evaluate(recs[i], s); !ev.Pass {
				t.Pressure = pressureOf(recs[i], s)
				t.Why = fmt.Sprintf("breached at %s on the way up: %s", FormatLoad(recs[i].Offered(), whole), strings.Join(ev.Breaches, "; "))
				return t
			}
		}
		t.Why = fmt.Sprintf("the trial ended before its step at %s (interrupted)", at)
		return t
	}
	switch {
	case trial.Partial:
		t.Untrusted, t.Why = true, fmt.Sprintf("the step at %s was cut short", at)
		return t
	case trial.Generator.Saturated:
		t.Untrusted, t.Why = true, fmt.Sprintf("the generator was saturated at %s", at)
		return t
	}
	if why := crashes(recs); why != "" {
		t.Why = why
		return t
	}
	t.Pressure = pressureOf(*trial, s)
	ev := evaluate(*trial, s)
	if !ev.Pass {
		t.Why = fmt.Sprintf("%s at %s", strings.Join(ev.Breaches, "; "), at)
		return t
	}
	if t.Phase == TrialMemory && t.MemoryPeak == 0 {
		t.Untrusted, t.Why = true, "no memory use was measured: the memory cannot be judged"
		return t
	}
	if t.Phase == TrialMemory && t.MemoryPct >= MemoryUseLimit {
		t.Why = fmt.Sprintf("memory use peaked at %s, %.0f %% of %s (the limit is %.0f %%)",
			record.FormatBytes(float64(t.MemoryPeak)), 100*t.MemoryPct, record.FormatBytes(float64(t.Config.MemoryBytes)), 100*MemoryUseLimit)
		return t
	}
	t.Pass = true
	t.Why = fmt.Sprintf("meets the SLO at %s", at)
	if d := deciding(*trial, s); d != "" {
		t.Why += " (" + d + ")"
	}
	return t
}

// capacityTrial judges the records of a TrialCapacity trial t (see
// TrialOf): its capacity from the probe that carries its search's result.
func capacityTrial(t Trial, recs []record.Record, target float64, whole bool) Trial {
	var res *record.SearchResult
	for i := len(recs) - 1; i >= 0 && res == nil; i-- {
		if r := recs[i].Search; r != nil {
			res = r.Result
		}
	}
	at := FormatLoad(target, whole)
	switch {
	case res == nil:
		t.Why = "the capacity search did not end (interrupted)"
	case res.Capacity == 0 && res.FirstFail > 0:
		t.Why = fmt.Sprintf("no load from %s up met the SLO (target %s)", FormatLoad(res.FirstFail, whole), at)
	case res.Capacity == 0:
		t.Why = fmt.Sprintf("the capacity search judged no load: %s", res.Reason)
	default:
		t.Capacity = res.Capacity
		t.Pass = t.Capacity >= target
		t.Why = fmt.Sprintf("measured capacity %s (target %s)", FormatLoad(t.Capacity, whole), at)
		if t.Pass {
			t.Why += ": it reaches the target"
		}
	}
	return t
}

// pressureOf is rec's pressure against s (0 under an empty SLO, +Inf
// when nothing was answered).
func pressureOf(rec record.Record, s slo.SLO) float64 {
	if rec.Latency == nil {
		return math.Inf(1)
	}
	p, _ := s.Pressure(rec)
	return p
}

// deciding names the condition of s closest to breaching on rec, with its
// measured value and limit ("p95 412.0ms, limit 1.00s"); "" for an empty
// SLO or an unmeasured metric.
func deciding(rec record.Record, s slo.SLO) string {
	_, text := s.Pressure(rec)
	for _, c := range s {
		if c.Text != text {
			continue
		}
		if v, ok := slo.Measure(c.Metric, rec); ok {
			return fmt.Sprintf("%s %s, limit %s", c.Metric, c.Format(v), c.Format(c.Value))
		}
	}
	return ""
}

// evaluate judges rec against s, or by its recorded verdict when s is
// empty.
func evaluate(rec record.Record, s slo.SLO) record.SLOResult {
	if len(s) == 0 {
		return rec.SLO
	}
	return s.Evaluate(rec)
}

// crashes says how replicas were OOM-killed or restarted over the steps
// ("" when none were).
func crashes(recs []record.Record) string {
	var ooms, restarts int
	for _, r := range recs {
		if r.Target != nil {
			ooms += r.Target.OOMKills
			restarts += r.Target.Restarts
		}
	}
	switch {
	case ooms > 0 && restarts > 0:
		return fmt.Sprintf("%d OOM kill(s) and %d restart(s) during the trial", ooms, restarts)
	case ooms > 0:
		return fmt.Sprintf("%d OOM kill(s) during the trial", ooms)
	case restarts > 0:
		return fmt.Sprintf("%d restart(s) during the trial", restarts)
	}
	return ""
}

// memoryPeak is the largest memory use of one replica over the steps:
// from the per-replica figures, else the total divided by replicas.
func memoryPeak(recs []record.Record, replicas int) record.Bytes {
	var peak int64
	for _, r := range recs {
		if r.Target == nil {
			continue
		}
		if len(r.Target.Replicas) == 0 {
			peak = max(peak, r.Target.MemoryBytes/int64(replicas))
		}
		for _, rep := range r.Target.Replicas {
			peak = max(peak, rep.MemoryBytes)
		}
	}
	return record.Bytes(peak)
}

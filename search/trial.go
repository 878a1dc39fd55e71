package search

import (
	"fmt"
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
// OOM-killed or restarted in any step, and, for a memory trial, the peak
// memory use stayed below MemoryUseLimit of the limit. A trial without
// that step fails: an approach step breached on the way up, or the trial
// was interrupted. A TrialCapacity trial never passes; its Capacity is the
// capacity its search found (0 when it did not end).
func TrialOf(recs []record.Record, target float64, s slo.SLO) Trial {
	var t Trial
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
	at := formatLoad(target, whole)
	if t.Phase == TrialCapacity {
		for i := len(recs) - 1; i >= 0; i-- {
			if r := recs[i].Search; r != nil && r.Result != nil {
				t.Capacity = r.Result.Capacity
				break
			}
		}
		t.Why = fmt.Sprintf("measured capacity %s (target %s)", formatLoad(t.Capacity, whole), at)
		if t.Capacity == 0 {
			t.Why = "the capacity search did not end (interrupted)"
		}
		return t
	}
	var trial *record.Record
	for i := range recs {
		if recs[i].Search != nil && recs[i].Search.Phase == record.PhaseTrial {
			trial = &recs[i]
		}
	}
	if trial == nil {
		for i := len(recs) - 1; i >= 0; i-- {
			if ev := evaluate(recs[i], s); !ev.Pass {
				t.Why = fmt.Sprintf("breached at %s on the way up: %s", formatLoad(recs[i].Offered(), whole), strings.Join(ev.Breaches, "; "))
				return t
			}
		}
		if last := recs[len(recs)-1]; last.Generator.Saturated {
			t.Untrusted = true
			t.Why = fmt.Sprintf("the generator was saturated at %s on the way up", formatLoad(last.Offered(), whole))
			return t
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
	ev := evaluate(*trial, s)
	if !ev.Pass {
		t.Why = fmt.Sprintf("%s at %s", strings.Join(ev.Breaches, "; "), at)
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

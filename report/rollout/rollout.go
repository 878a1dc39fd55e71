// Package rollout judges a rolling update measured under load, as pure
// functions: a run's per-second timeline (record.Second) and the instants
// the rollout started and ended in; the verdict out — the requests that
// failed during the rollout (by kind), the worst one-second p95, how long
// it took, and the requests served per version. Renderers write it as a
// Markdown table (the report's plot of the timeline is report's). No
// clock, no I/O.
package rollout

import (
	"maps"
	"slices"
	"time"

	"github.com/loadlab/loadlab/record"
)

// Window is one rollout: what rolled and when.
type Window struct {
	// Name tells rollouts of one run apart ("start-first"); the timeline's
	// seconds of this rollout carry it in record.Second.Rollout.
	Name string `json:"name"`
	// Start is when the update was handed to the orchestrator; End when
	// the orchestrator reported it over (zero: it never ended while
	// measured, and the verdict runs to the last second).
	Start time.Time `json:"start"`
	End   time.Time `json:"end,omitzero"`
	// State is the orchestrator's last word on the update ("completed",
	// "paused", "rollback_completed"…; empty when unknown).
	State string `json:"state,omitempty"`
	// Message is the orchestrator's message about it, if any.
	Message string `json:"message,omitempty"`
}

// Verdict is what a rollout did to the load.
type Verdict struct {
	Name  string `json:"name"`
	State string `json:"state,omitempty"`
	// Ended is false when the rollout had not ended at the last second
	// measured; DurationS then runs to that second's end.
	Ended     bool    `json:"ended"`
	DurationS float64 `json:"duration_s"`
	// Seconds counts the timeline's seconds that overlap the rollout (a
	// second that straddles its start or end counts whole).
	Seconds int `json:"seconds"`
	// Requests, Successes and Failed are the results of those seconds;
	// FailedByKind splits Failed by error kind.
	Requests     int64            `json:"requests"`
	Successes    int64            `json:"successes"`
	Failed       int64            `json:"failed"`
	FailedByKind map[string]int64 `json:"failed_by_kind,omitempty"`
	// WorstP95Ms is the highest one-second p95 during the rollout, in
	// milliseconds, at WorstP95At (the second's start); nil when no result
	// arrived in any of its seconds.
	WorstP95Ms *float64  `json:"worst_p95_ms"`
	WorstP95At time.Time `json:"worst_p95_at,omitzero"`
	// BeforeP95Ms is the median one-second p95 of the seconds before the
	// rollout (the level it started from); nil when there were none.
	BeforeP95Ms *float64 `json:"before_p95_ms"`
	// SilentSeconds counts the rollout's seconds without a single success.
	SilentSeconds int `json:"seconds_without_success"`
	// ServedByVersion estimates the successes per version: each second's
	// successes split in proportion to its running tasks per version
	// (record.Second.Tasks), which is what round-robin over tasks serves;
	// seconds without a task count go to "unknown". Nil when no success.
	ServedByVersion map[string]float64 `json:"served_by_version_estimated,omitempty"`
}

// Lost reports whether the rollout failed any request.
func (v Verdict) Lost() bool { return v.Failed > 0 }

// Judge computes the verdict of rollout w from secs, the seconds of one
// run in time order; only the seconds named w.Name (all of them when
// w.Name is empty) are read.
func Judge(secs []record.Second, w Window) Verdict {
	v := Verdict{Name: w.Name, State: w.State, Ended: !w.End.IsZero()}
	var mine []record.Second
	for _, s := range secs {
		if w.Name == "" || s.Rollout == w.Name {
			mine = append(mine, s)
		}
	}
	end := w.End
	if end.IsZero() && len(mine) > 0 {
		last := mine[len(mine)-1]
		end = last.At.Add(seconds(last.DurationS))
	}
	if end.After(w.Start) {
		v.DurationS = end.Sub(w.Start).Seconds()
	}
	var before []float64
	for _, s := range mine {
		sEnd := s.At.Add(seconds(s.DurationS))
		if !sEnd.After(w.Start) {
			if s.P95Ms != nil {
				before = append(before, *s.P95Ms)
			}
			continue
		}
		if !s.At.Before(end) {
			continue
		}
		v.add(s)
	}
	if len(before) > 0 {
		m := median(before)
		v.BeforeP95Ms = &m
	}
	return v
}

// add counts one second of the rollout.
func (v *Verdict) add(s record.Second) {
	v.Seconds++
	v.Requests += s.Requests
	v.Successes += s.Successes
	v.Failed += s.Errors
	if s.Successes == 0 {
		v.SilentSeconds++
	}
	for k, n := range s.ErrorsByKind {
		if v.FailedByKind == nil {
			v.FailedByKind = map[string]int64{}
		}
		v.FailedByKind[k] += n
	}
	if s.P95Ms != nil && (v.WorstP95Ms == nil || *s.P95Ms > *v.WorstP95Ms) {
		p := *s.P95Ms
		v.WorstP95Ms, v.WorstP95At = &p, s.At
	}
	if s.Successes == 0 {
		return
	}
	if v.ServedByVersion == nil {
		v.ServedByVersion = map[string]float64{}
	}
	total := 0
	for _, n := range s.Tasks {
		total += max(n, 0)
	}
	if total == 0 {
		v.ServedByVersion["unknown"] += float64(s.Successes)
		return
	}
	for _, ver := range slices.Sorted(maps.Keys(s.Tasks)) {
		if n := s.Tasks[ver]; n > 0 {
			v.ServedByVersion[ver] += float64(s.Successes) * float64(n) / float64(total)
		}
	}
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// median of xs (not empty); xs is sorted in place.
func median(xs []float64) float64 {
	slices.Sort(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}

package experiments

import (
	"context"
	"errors"
	"sync"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/scenarios"
	"github.com/loadlab/loadlab/target/runtime"
)

// telemetry turns the deployment's cumulative counters into per-step
// target telemetry: a snapshot when the measurement window starts, another
// when it ends. Every deployment event lands in exactly one step: the
// first step enriched after the event was seen (events of the warm-up, of
// a settle period or between windows go to the next step, never lost).
type telemetry struct {
	dep runtime.Deployment
	// ramp is the ramp's context and abort cancels it, with the error
	// that says the runtime stopped answering as its cause (nil in tests).
	ramp  context.Context
	abort context.CancelCauseFunc
	mu    sync.Mutex
	start runtime.Usage
	ok    bool
	seen  int // events already attributed to a step
}

func (t *telemetry) windowStart(ctx context.Context, _ scenarios.Step) {
	u, err := t.dep.Stats(ctx)
	t.check(err)
	t.mu.Lock()
	defer t.mu.Unlock()
	t.start, t.ok = u, err == nil
}

// check stops the ramp when err says the runtime stopped answering.
func (t *telemetry) check(err error) {
	if t.abort != nil && errors.Is(err, runtime.ErrUnavailable) {
		t.abort(err)
	}
}

// unavailable is the error that stopped the ramp, if the runtime did.
func (t *telemetry) unavailable() error {
	if t.ramp == nil {
		return nil
	}
	if cause := context.Cause(t.ramp); errors.Is(cause, runtime.ErrUnavailable) {
		return cause
	}
	return nil
}

func (t *telemetry) enrich(ctx context.Context, rec *record.Record) {
	t.mu.Lock()
	start, ok := t.start, t.ok
	t.mu.Unlock()
	end, err := t.dep.Stats(ctx)
	t.check(err)
	if err == nil && ok {
		tg := runtime.Between(start, end)
		tg.SetCost(rec.RPS)
		rec.Target = &tg
	}
	if lost := t.unavailable(); lost != nil {
		// The runtime went away during this step (or before it): its
		// load may have met dead replicas, so it cannot count.
		rec.Partial = true
		rec.StopReason = "runtime unavailable: " + lost.Error()
	}
	evs := t.dep.Events()
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.seen < len(evs) {
		fresh := evs[t.seen:]
		rec.Events = append(rec.Events, fresh...)
		t.seen = len(evs)
		// A kill before the window's first sample (during the spawn or
		// the settle) is missing from the counters' difference, yet its
		// events are this step's: count them.
		if n := oomKills(fresh); rec.Target != nil && rec.Target.OOMKills < n {
			rec.Target.OOMKills = n
		}
	}
}

// oomKills counts the kernel OOM kills among events (one oom event each).
func oomKills(evs []record.Event) int {
	n := 0
	for _, ev := range evs {
		if ev.Kind == record.EventOOM {
			n++
		}
	}
	return n
}

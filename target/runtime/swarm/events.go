package swarm

import (
	"context"
	"fmt"
	"time"

	"github.com/loadlab/loadlab/record"
)

// seenTask is what the watcher remembers of one task.
type seenTask struct {
	running bool // seen running at least once
	ended   bool // its end was handled
}

// slotState is one replica (a slot) across its tasks: how many times
// Swarm replaced a failed task in it, the OOM kills seen, whether a failed
// task awaits its replacement, and the counters of its ended tasks.
type slotState struct {
	restarts      int
	ooms          int
	failedPending bool
	acc           slotCounters
}

// watch lists the service's tasks every pollEvery until Close, keeping
// URLs current and turning task state changes into events.
func (d *Deployment) watch() {
	ctx, cancel := context.WithCancel(context.Background())
	d.stopWatch = cancel
	d.watchDone = make(chan struct{})
	go func() {
		defer close(d.watchDone)
		tick := time.NewTicker(pollEvery)
		defer tick.Stop()
		for {
			at := time.Now()
			ts, err := d.tasks(ctx)
			if err == nil {
				d.setCurrent(ts, at)
				d.observe(ctx, ts)
			}
			d.evMu.Lock()
			if ctx.Err() == nil {
				d.watchErr = err
			}
			d.evMu.Unlock()
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
}

// setCurrent keeps ts, a listing of the tasks begun at at, as the one
// URLs answer from, unless a listing begun later is already kept.
func (d *Deployment) setCurrent(ts []task, at time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if at.Before(d.currentAt) {
		return
	}
	d.current, d.currentAt = ts, at
}

// observe turns the tasks' state changes since the last listing into
// events (ts is slot by slot, oldest first):
//   - a task that failed or was rejected is an exit (its exit code and
//     Swarm's error), preceded by an oom event when its node's engine says
//     the kernel OOM-killed it (visible for tasks on nodes loadlab has an
//     engine for);
//   - the next task of that slot to run is a restart.
//
// Tasks Swarm shuts down itself (scale, update, removal) are not events,
// nor is anything seen once Close began.
func (d *Deployment) observe(ctx context.Context, ts []task) {
	for _, t := range ts {
		d.evMu.Lock()
		if d.closing {
			d.evMu.Unlock()
			return
		}
		s := d.seenTask(t.id)
		slot := d.slot(t.slot)
		switch {
		case t.running() && !s.running:
			s.running = true
			if slot.failedPending {
				slot.failedPending = false
				slot.restarts++
				d.events = append(d.events, record.Event{
					Time: time.Now().UTC(), Replica: d.replicaName(t.slot), Kind: record.EventRestart,
					Message: fmt.Sprintf("Swarm replaced the failed task with task %.12s on %s", t.id, t.nodeName()),
				})
			}
		case t.ended() && !s.ended:
			s.ended = true
			if !t.failed() {
				break
			}
			slot.failedPending = true
			d.evMu.Unlock()
			oom := d.oomKilled(ctx, t)
			d.evMu.Lock()
			if d.closing {
				d.evMu.Unlock()
				return
			}
			at := time.Now().UTC()
			if oom {
				slot.ooms++
				d.events = append(d.events, record.Event{Time: at, Replica: d.replicaName(t.slot), Kind: record.EventOOM, OOMKilled: true,
					Message: "killed by the kernel OOM killer (memory limit reached)"})
			}
			ev := record.Event{Time: at, Replica: d.replicaName(t.slot), Kind: record.EventExit, ExitCode: t.exitCode, OOMKilled: oom && t.exitCode == 137}
			ev.Message = fmt.Sprintf("task %.12s on %s %s: %s", t.id, t.nodeName(), t.state, t.message)
			d.events = append(d.events, ev)
		}
		d.evMu.Unlock()
	}
}

// seenTask and slot return the watcher's memory of a task and a slot,
// creating it; the caller holds evMu.
func (d *Deployment) seenTask(id string) *seenTask {
	s, ok := d.seen[id]
	if !ok {
		s = &seenTask{}
		d.seen[id] = s
	}
	return s
}

func (d *Deployment) slot(n int) *slotState {
	s, ok := d.slots[n]
	if !ok {
		s = &slotState{}
		d.slots[n] = s
	}
	return s
}

// oomKilled asks the engine of the task's node whether the kernel
// OOM-killed its container; false when no engine of that node is known
// or the container is gone.
func (d *Deployment) oomKilled(ctx context.Context, t task) bool {
	if t.container == "" {
		return false
	}
	e := d.r.nodeEngine(t.nodeID, t.hostname)
	if e == nil {
		return false
	}
	ictx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, oom, _, err := e.ContainerExit(ictx, t.container)
	return err == nil && oom
}

package swarm

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/loadlab/loadlab/target/runtime"
)

// slotCounters are a replica's cumulative counters across its tasks: what
// its ended tasks had used at their last sample, and the last sample of
// each task still running.
type slotCounters struct {
	cpuSeconds       float64
	throttledPeriods int64
	throttledSeconds float64
	last             map[string]runtime.ReplicaUsage // task ID → last sample
}

// Stats samples every replica (slot) now. Each running task is sampled on
// its own node's engine: the manager's engine for tasks on the manager's
// node, Options.NodeEngines for the others (the manager's stats API only
// sees its own containers). A replica whose running task is on a node
// without an engine is named in Usage.Unmeasured and left out of
// Replicas: not measured, never zeros.
//
// A replica's counters carry on across its tasks: CPU time and throttling
// of a failed task up to its last sample are kept, and its replacement's
// add to them (what it used between its last sample and its death is
// lost, as in the docker runtime). Memory is the running task's. Restarts
// are Swarm's replacements of failed tasks in the slot, OOMKills the
// kernel OOM kills seen (see Events). Replicas that could not be sampled
// are named in the returned error; the others are returned.
func (d *Deployment) Stats(ctx context.Context) (runtime.Usage, error) {
	u, err := d.stats(ctx)
	return u, unavailable(err)
}

type sampled struct {
	task task
	ru   runtime.ReplicaUsage
	ok   bool // running and read
	err  error
	none bool // no engine can sample it
}

func (d *Deployment) stats(ctx context.Context) (runtime.Usage, error) {
	begin := time.Now()
	ts, err := d.tasks(ctx)
	if err != nil {
		return runtime.Usage{}, err
	}
	var run []task
	for _, t := range ts {
		if t.running() && t.container != "" {
			run = append(run, t)
		}
	}
	res := make([]sampled, len(run))
	var wg sync.WaitGroup
	for i, t := range run {
		res[i].task = t
		s := d.r.sampler(t.nodeID, t.hostname)
		if s == nil {
			res[i].none = true
			continue
		}
		wg.Go(func() {
			res[i].ru, res[i].ok, res[i].err = s.ContainerUsage(ctx, t.container, d.replicaName(t.slot), d.limits)
		})
	}
	wg.Wait()
	u := runtime.Usage{At: begin.Add(time.Since(begin) / 2)}
	var errs []error
	bySlot := map[int][]sampled{}
	for _, s := range res {
		bySlot[s.task.slot] = append(bySlot[s.task.slot], s)
		if s.err != nil {
			errs = append(errs, fmt.Errorf("stats of %s: %w", s.task.where(), s.err))
		}
	}

	d.evMu.Lock()
	defer d.evMu.Unlock()
	for n := range bySlot {
		d.slot(n)
	}
	for _, n := range slices.Sorted(maps.Keys(d.slots)) {
		slot := d.slots[n]
		name := d.replicaName(n)
		ru, measured := slot.acc.fold(bySlot[n])
		if !measured && slices.ContainsFunc(bySlot[n], func(s sampled) bool { return s.none }) {
			u.Unmeasured = append(u.Unmeasured, name)
			continue
		}
		ru.Name, ru.CPULimit, ru.MemoryLimit = name, d.limits.CPUs, int64(d.limits.MemoryBytes)
		ru.OOMKills, ru.Restarts = slot.ooms, slot.restarts
		u.Replicas = append(u.Replicas, ru)
	}
	if d.watchErr != nil {
		errs = append(errs, fmt.Errorf("the tasks of service %s are no longer followed (failures may be missed): %w", d.name, d.watchErr))
	}
	return u, errors.Join(errs...)
}

// fold takes one round of samples of a slot's running tasks into its
// counters and returns the replica's cumulative CPU time, throttling and
// memory (the running tasks' memory). A task no longer among the samples
// has ended: its last sample joins the base. A task whose sample failed
// keeps its previous one. measured is false when no task was read.
//
// At is the read time of the slot's one measured task and Clock its
// node, so that a step's CPU rate is taken between that engine's own
// counter reads (see runtime.Between) as long as the task's node has not
// changed; At stays zero when several tasks ran (a start-first rollout),
// and the snapshot's time stands for it.
func (acc *slotCounters) fold(samples []sampled) (ru runtime.ReplicaUsage, measured bool) {
	next := map[string]runtime.ReplicaUsage{}
	reads := 0
	for _, s := range samples {
		switch {
		case s.none:
		case s.err != nil:
			if prev, ok := acc.last[s.task.id]; ok {
				next[s.task.id] = prev
			}
		case s.ok:
			next[s.task.id] = s.ru
			ru.MemoryBytes += s.ru.MemoryBytes
			ru.At, ru.Clock = s.ru.At, s.task.nodeID
			reads++
		}
	}
	for id, prev := range acc.last {
		if _, ok := next[id]; !ok {
			acc.cpuSeconds += prev.CPUSeconds
			acc.throttledPeriods += prev.ThrottledPeriods
			acc.throttledSeconds += prev.ThrottledSeconds
		}
	}
	acc.last = next
	ru.CPUSeconds, ru.ThrottledPeriods, ru.ThrottledSeconds = acc.cpuSeconds, acc.throttledPeriods, acc.throttledSeconds
	for _, l := range next {
		ru.CPUSeconds += l.CPUSeconds
		ru.ThrottledPeriods += l.ThrottledPeriods
		ru.ThrottledSeconds += l.ThrottledSeconds
	}
	if reads != 1 || len(next) != 1 {
		ru.At, ru.Clock = time.Time{}, ""
	}
	return ru, reads > 0
}

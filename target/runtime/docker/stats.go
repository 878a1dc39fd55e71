package docker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/target/runtime"
)

// Stats samples every replica now: one one-shot stats request (cumulative
// CPU time, memory, CFS throttling) and one inspect (OOM kill, restart
// count) per replica, in parallel. Limits are the configuration's (0 =
// unlimited), not the engine's memory_stats.limit, which is the host's
// memory when unlimited. Replicas that could not be sampled are left out
// and named in the returned error; the others are still returned.
//
// A replica that is gone (stopped, or removed from outside) reports its
// last successful sample's counters with memory 0; that is not an error.
// The CPU time and throttling it accumulated between that sample and its
// death are lost: the engine answers stats of a stopped container with
// empty counters, and the container's cgroup, which held them, is deleted
// with it, so no final sample can be taken at the die event. In the step
// during which a replica dies, its CPU therefore counts only up to the
// previous sample (usually the step's window start) and the step's
// cpu_cores are low by that replica's share; the step's exit event says
// which replica and when.
func (d *Deployment) Stats(ctx context.Context) (runtime.Usage, error) {
	u, err := d.stats(ctx)
	return u, unavailable(err)
}

func (d *Deployment) stats(ctx context.Context) (runtime.Usage, error) {
	d.mu.Lock()
	reps := make([]replica, 0, len(d.replicas))
	for _, r := range d.replicas {
		reps = append(reps, *r)
	}
	d.mu.Unlock()

	begin := time.Now()
	u := runtime.Usage{Replicas: make([]runtime.ReplicaUsage, len(reps))}
	errs := make([]error, len(reps))
	var wg sync.WaitGroup
	for i, rep := range reps {
		wg.Go(func() {
			ru, err := d.sample(ctx, rep)
			if err != nil {
				errs[i] = fmt.Errorf("stats of replica %s: %w", rep.name, err)
				return
			}
			u.Replicas[i] = ru
		})
	}
	wg.Wait()
	// The counters were read somewhere in [begin, now]: stamp the middle.
	u.At = begin.Add(time.Since(begin) / 2)
	out := u.Replicas[:0]
	for i, ru := range u.Replicas {
		if errs[i] == nil {
			out = append(out, ru)
		}
	}
	u.Replicas = out
	d.evMu.Lock()
	if d.eventsErr != nil {
		errs = append(errs, fmt.Errorf("container events of %s are no longer followed (exits and OOM kills may be missed): %w", d.network, d.eventsErr))
	}
	d.evMu.Unlock()
	return u, errors.Join(errs...)
}

func (d *Deployment) sample(ctx context.Context, rep replica) (runtime.ReplicaUsage, error) {
	inspect, err := d.r.cli.ContainerInspect(ctx, rep.id)
	if cerrdefs.IsNotFound(err) {
		return d.gone(rep), nil // removed from outside
	}
	if err != nil {
		return runtime.ReplicaUsage{}, err
	}
	running := inspect.ContainerJSONBase != nil && inspect.State != nil && inspect.State.Running
	ru, ok := runtime.ReplicaUsage{}, false
	if running {
		if ru, ok, err = d.sampleRunning(ctx, rep); err != nil {
			return runtime.ReplicaUsage{}, err
		}
	}
	if !ok {
		ru = d.gone(rep)
	}
	if inspect.ContainerJSONBase != nil {
		if inspect.State != nil && inspect.State.OOMKilled && ru.OOMKills == 0 {
			ru.OOMKills = 1
		}
		ru.Restarts = inspect.RestartCount
	}
	return ru, nil
}

// sampleRunning reads a running replica's counters and keeps them as its
// last sample. ok is false when the replica stopped or was removed since
// it was inspected (the engine then answers with empty stats).
func (d *Deployment) sampleRunning(ctx context.Context, rep replica) (ru runtime.ReplicaUsage, ok bool, err error) {
	resp, err := d.r.cli.ContainerStatsOneShot(ctx, rep.id)
	if cerrdefs.IsNotFound(err) {
		return ru, false, nil
	}
	if err != nil {
		return ru, false, err
	}
	var s container.StatsResponse
	err = json.NewDecoder(resp.Body).Decode(&s)
	_ = resp.Body.Close()
	if err != nil {
		return ru, false, fmt.Errorf("decode stats: %w", err)
	}
	if s.Read.IsZero() {
		return ru, false, nil
	}
	ru = usageFrom(rep.name, s, d.limits)
	d.statsMu.Lock()
	d.last[rep.name] = ru
	d.statsMu.Unlock()
	d.evMu.Lock()
	ru.OOMKills = d.ooms[rep.name]
	d.evMu.Unlock()
	return ru, true, nil
}

// gone is the usage of a replica that is no longer running: its last
// sample's cumulative counters, no memory in use, the OOM kills seen.
func (d *Deployment) gone(rep replica) runtime.ReplicaUsage {
	d.statsMu.Lock()
	ru := d.last[rep.name]
	d.statsMu.Unlock()
	ru.Name, ru.CPULimit, ru.MemoryLimit, ru.MemoryBytes = rep.name, d.limits.CPUs, int64(d.limits.MemoryBytes), 0
	d.evMu.Lock()
	ru.OOMKills = d.ooms[rep.name]
	d.evMu.Unlock()
	return ru
}

// usageFrom converts one stats response into cumulative counters: CPU
// seconds from cpu_usage.total_usage (ns), memory as `docker stats` shows
// it (usage minus inactive file cache), throttling from throttling_data.
func usageFrom(name string, s container.StatsResponse, l record.Config) runtime.ReplicaUsage {
	return runtime.ReplicaUsage{
		Name:             name,
		CPUSeconds:       float64(s.CPUStats.CPUUsage.TotalUsage) / 1e9,
		CPULimit:         l.CPUs,
		MemoryBytes:      int64(memoryUsage(s.MemoryStats)),
		MemoryLimit:      int64(l.MemoryBytes),
		ThrottledPeriods: int64(s.CPUStats.ThrottlingData.ThrottledPeriods),
		ThrottledSeconds: float64(s.CPUStats.ThrottlingData.ThrottledTime) / 1e9,
		At:               s.Read, // the engine's read, up to a second into the call
	}
}

// memoryUsage is the Docker CLI's "usage without cache": cgroup v1
// subtracts total_inactive_file, cgroup v2 inactive_file.
func memoryUsage(m container.MemoryStats) uint64 {
	if v, ok := m.Stats["total_inactive_file"]; ok && v < m.Usage {
		return m.Usage - v
	}
	if v := m.Stats["inactive_file"]; v < m.Usage {
		return m.Usage - v
	}
	return m.Usage
}

// ContainerUsage samples one container of this engine by ID, for runtimes
// that do not own it through a Deployment (the swarm runtime's tasks):
// cumulative CPU time, memory, CFS throttling as Stats reads them, the
// limits of l, OOMKills 1 when the engine says the container was
// OOM-killed and its restart count. running is false when the container
// is not running or is gone (NotFound is not an error then): its counters
// are empty, not a measurement, and ru holds only its name, limits and
// OOM flag.
func (r *Runtime) ContainerUsage(ctx context.Context, id, name string, l record.Config) (ru runtime.ReplicaUsage, running bool, err error) {
	ru = runtime.ReplicaUsage{Name: name, CPULimit: l.CPUs, MemoryLimit: int64(l.MemoryBytes)}
	inspect, err := r.cli.ContainerInspect(ctx, id)
	if cerrdefs.IsNotFound(err) {
		return ru, false, nil
	}
	if err != nil {
		return ru, false, unavailable(err)
	}
	if inspect.ContainerJSONBase == nil || inspect.State == nil {
		return ru, false, nil
	}
	oom := 0
	if inspect.State.OOMKilled {
		oom = 1
	}
	ru.OOMKills, ru.Restarts = oom, inspect.RestartCount
	if !inspect.State.Running {
		return ru, false, nil
	}
	resp, err := r.cli.ContainerStatsOneShot(ctx, id)
	if cerrdefs.IsNotFound(err) {
		return ru, false, nil
	}
	if err != nil {
		return ru, false, unavailable(err)
	}
	var s container.StatsResponse
	err = json.NewDecoder(resp.Body).Decode(&s)
	_ = resp.Body.Close()
	if err != nil {
		return ru, false, fmt.Errorf("decode stats of %s: %w", name, err)
	}
	if s.Read.IsZero() {
		return ru, false, nil
	}
	out := usageFrom(name, s, l)
	out.OOMKills, out.Restarts = oom, inspect.RestartCount
	return out, true, nil
}

// ContainerExit says how a container of this engine ended: its exit code
// and whether the kernel OOM-killed it; found is false when it is gone.
func (r *Runtime) ContainerExit(ctx context.Context, id string) (exitCode int, oomKilled, found bool, err error) {
	inspect, err := r.cli.ContainerInspect(ctx, id)
	if cerrdefs.IsNotFound(err) {
		return 0, false, false, nil
	}
	if err != nil {
		return 0, false, false, unavailable(err)
	}
	if inspect.ContainerJSONBase == nil || inspect.State == nil {
		return 0, false, true, nil
	}
	return inspect.State.ExitCode, inspect.State.OOMKilled, true, nil
}

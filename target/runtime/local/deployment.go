package local

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/target/runtime"
)

// Deployment is one configuration running as local processes. It is safe
// for concurrent use.
type Deployment struct {
	limits      record.Config
	stopTimeout time.Duration

	mu       sync.Mutex
	replicas []*process
	closeAt  time.Time // when Close began; exits after it are not events

	statsMu sync.Mutex
	last    map[string]runtime.ReplicaUsage
}

// URLs are the replicas' base URLs on 127.0.0.1, in replica order.
func (d *Deployment) URLs() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]string, 0, len(d.replicas))
	for _, p := range d.replicas {
		out = append(out, p.url)
	}
	return out
}

// Events lists replicas that exited on their own (or were killed by
// someone else) before Close, oldest first. Exit code 137 (SIGKILL) may be
// the kernel's OOM killer, but the local runtime cannot tell.
func (d *Deployment) Events() []record.Event {
	d.mu.Lock()
	reps := slices.Clone(d.replicas)
	closeAt := d.closeAt
	d.mu.Unlock()
	var out []record.Event
	for _, p := range reps {
		select {
		case <-p.done:
		default:
			continue
		}
		p.mu.Lock()
		at := p.exited
		p.mu.Unlock()
		if !closeAt.IsZero() && !at.Before(closeAt) {
			continue
		}
		code, sig := p.exitStatus()
		msg := p.exitErr().Error()
		if sig == "SIGKILL" {
			msg += " (the kernel OOM killer, or another process)"
		}
		out = append(out, record.Event{Time: at.UTC(), Replica: p.name, Kind: "exit", ExitCode: code, Message: msg})
	}
	slices.SortStableFunc(out, func(a, b record.Event) int { return a.Time.Compare(b.Time) })
	return out
}

// Close stops every replica: SIGTERM to its process group, SIGKILL after
// the stop timeout, then reaps it. It does not depend on ctx (so it works
// after a cancellation) and is safe to call more than once.
func (d *Deployment) Close(ctx context.Context) error {
	d.mu.Lock()
	if d.closeAt.IsZero() {
		d.closeAt = time.Now()
	}
	reps := slices.Clone(d.replicas)
	d.mu.Unlock()
	var wg sync.WaitGroup
	for _, p := range reps {
		wg.Go(func() { p.stop(d.stopTimeout) })
	}
	wg.Wait()
	return nil
}

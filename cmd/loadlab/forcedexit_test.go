package main

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

// TestExitHooks: registered hooks run concurrently on a forced exit,
// removed ones do not, and the wait is bounded by the timeout and cut
// short by a third signal.
func TestExitHooks(t *testing.T) {
	var h exitHooks
	var ran atomic.Int32
	remove := h.add(func(context.Context) { ran.Add(100) })
	h.add(func(context.Context) { ran.Add(1) })
	h.add(func(context.Context) { ran.Add(1) })
	remove()
	if !h.run(time.Second, nil) || ran.Load() != 2 {
		t.Fatalf("run: %d hooks ran, want the 2 still registered", ran.Load())
	}

	var slow exitHooks
	slow.add(func(ctx context.Context) { <-ctx.Done() })
	start := time.Now()
	if slow.run(100*time.Millisecond, nil) {
		t.Error("a hook that outlives the timeout was reported finished")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("bounded run took %s", d)
	}

	var stuck exitHooks
	release := make(chan struct{})
	defer close(release)
	stuck.add(func(context.Context) { <-release })
	abort := make(chan struct{})
	time.AfterFunc(50*time.Millisecond, func() { close(abort) })
	start = time.Now()
	if stuck.run(time.Hour, abort) {
		t.Error("an aborted run was reported finished")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("abort took %s", d)
	}

	var none exitHooks
	if !none.run(time.Second, nil) {
		t.Error("no hooks: want finished")
	}
}

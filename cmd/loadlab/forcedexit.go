package main

import (
	"context"
	"sync"
	"time"
)

// forcedExitTimeout bounds the cleanup a forced exit (second Ctrl-C) runs
// before the process ends.
const forcedExitTimeout = 10 * time.Second

// exitHooks are cleanups that must still happen when a second signal
// forces loadlab to exit without running its deferred teardown: a command
// registers one while it owns resources outside the process (a run's
// containers and networks) and removes it when its own teardown is done.
// It is safe for concurrent use.
type exitHooks struct {
	mu   sync.Mutex
	next int
	fns  map[int]func(context.Context)
}

// onForcedExit is the process's hook list, run by run() on a second signal.
var onForcedExit = &exitHooks{}

// add registers fn and returns the function that unregisters it.
func (h *exitHooks) add(fn func(ctx context.Context)) (remove func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.fns == nil {
		h.fns = map[int]func(context.Context){}
	}
	id := h.next
	h.next++
	h.fns[id] = fn
	return func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		delete(h.fns, id)
	}
}

// run calls every registered hook concurrently with a context that ends
// after timeout, and returns when all have returned, the timeout has
// passed, or abort is closed (a third signal), whichever comes first. It
// reports whether every hook finished.
func (h *exitHooks) run(timeout time.Duration, abort <-chan struct{}) bool {
	h.mu.Lock()
	fns := make([]func(context.Context), 0, len(h.fns))
	for _, fn := range h.fns {
		fns = append(fns, fn)
	}
	h.mu.Unlock()
	if len(fns) == 0 {
		return true
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var wg sync.WaitGroup
	for _, fn := range fns {
		wg.Go(func() { fn(ctx) })
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-ctx.Done():
	case <-abort:
	}
	return false
}

package docker

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/loadlab/loadlab/record"
)

// TestDeployCancelledMidCreateLeavesNothing cancels Deploy at delays that
// sweep its create requests (network, then containers, then start): the
// client used to abandon a create in flight, the daemon finished it a few
// hundred milliseconds later, after cleanup had looked, and the network or
// container was left behind (issue 7). Nothing labelled with the run may
// remain once the daemon has had time to finish anything abandoned.
func TestDeployCancelledMidCreateLeavesNothing(t *testing.T) {
	r := engine(t)
	// Warm the image cache so that Deploy reaches its create requests
	// within a few milliseconds.
	warm := newSpec(t, record.Config{Name: "warm", Replicas: 1})
	dep, err := r.Deploy(context.Background(), warm)
	if err != nil {
		t.Fatal(err)
	}
	if err := dep.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	// An abandoned create completed in the daemon 100-300 ms after the
	// client gave up; one second covers it with margin.
	const settle = time.Second
	for i, delay := range []time.Duration{0, 2, 5, 10, 20, 40, 80, 120, 200, 300} {
		delay *= time.Millisecond
		spec := newSpec(t, record.Config{Name: fmt.Sprintf("cancel-create-%d", i), Replicas: 2})
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(delay, cancel)
		begin := time.Now()
		dep, err := r.Deploy(ctx, spec)
		t.Logf("cancel after %s: Deploy returned after %s: %v", delay, time.Since(begin).Round(time.Millisecond), err)
		switch {
		case err == nil: // finished before the cancel
			if err := dep.Close(context.Background()); err != nil {
				t.Errorf("Close after a deploy that beat the cancel at %s: %v", delay, err)
			}
		case !errors.Is(err, context.Canceled):
			t.Errorf("Deploy cancelled after %s = %v, want context.Canceled", delay, err)
		}
		cancel()
		time.Sleep(settle)
		left, err := r.leftovers(context.Background(), spec.RunID, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(left) > 0 {
			t.Errorf("Deploy cancelled after %s left %v", delay, left)
			_, _ = r.CleanRun(context.Background(), spec.RunID)
		}
	}
}

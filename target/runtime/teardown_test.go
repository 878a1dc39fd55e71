package runtime

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestTeardown: a removal that failed runs again on the next call, one
// that succeeded never does; it gets a live context bounded by the
// timeout even when the caller's was cancelled.
func TestTeardown(t *testing.T) {
	var td Teardown
	calls := 0
	fail := errors.New("daemon busy")
	remove := func(ctx context.Context) error {
		calls++
		if err := ctx.Err(); err != nil {
			return err
		}
		if dl, ok := ctx.Deadline(); !ok || time.Until(dl) > time.Minute {
			t.Errorf("removal context deadline %v, %v: want one within the timeout", dl, ok)
		}
		if calls == 1 {
			return fail
		}
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // as after Ctrl-C
	if err := td.Run(ctx, time.Minute, remove); !errors.Is(err, fail) {
		t.Fatalf("first run: %v, want the removal's error", err)
	}
	if err := td.Run(ctx, time.Minute, remove); err != nil || calls != 2 {
		t.Fatalf("second run after a failure: %v after %d calls, want a retry that succeeds", err, calls)
	}
	if err := td.Run(ctx, time.Minute, remove); err != nil || calls != 2 {
		t.Fatalf("third run after a success: %v after %d calls, want no call", err, calls)
	}
}

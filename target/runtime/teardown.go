package runtime

import (
	"context"
	"sync"
	"time"
)

// Teardown runs a deployment's removal until it has succeeded once, so
// that Deployment.Close is safe to call more than once (a later call
// retries only when an earlier one failed), calls are serialized, and the
// removal works after the caller's context was cancelled (Ctrl-C). The
// zero value is ready to use.
type Teardown struct {
	mu   sync.Mutex
	done bool
}

// Run calls remove, unless an earlier Run succeeded, with a fresh context
// that keeps ctx's values but not its cancellation and ends after timeout;
// it returns remove's error.
func (t *Teardown) Run(ctx context.Context, timeout time.Duration, remove func(context.Context) error) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.done {
		return nil
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	err := remove(cctx)
	t.done = err == nil
	return err
}

package agent

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/loadlab/loadlab/internal/apitest"
	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/scenarios"
)

func TestMain(m *testing.M) {
	code := m.Run()
	apitest.Cleanup()
	os.Exit(code)
}

// closedScenario ramps users through steps without think time against
// GET /work, each step hold long with settle excluded.
func closedScenario(steps []float64, hold, settle time.Duration) scenarios.Scenario {
	return scenarios.Scenario{
		Name:     "agents",
		Model:    record.ModelUsers,
		Think:    scenarios.Think{None: true},
		Ramp:     scenarios.Ramp{Steps: steps, Hold: hold, Settle: settle},
		Timeout:  5 * time.Second,
		Requests: []scenarios.RequestSpec{{Method: "GET", Path: "/work"}},
	}
}

// goLauncher runs agents as goroutines of the test (agent.Serve over real
// loopback HTTP), each with its own context.
type goLauncher struct {
	mu     sync.Mutex
	cancel []context.CancelFunc
	done   []chan error
	ids    []string
}

func (g *goLauncher) Launch(ctx context.Context, n int, url, token string) error {
	for i := 0; i < n; i++ {
		actx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		id := fmt.Sprintf("go-%d", i+1)
		go func() {
			done <- Serve(actx, Config{Controller: url, Token: token, ID: id, Node: "test"})
		}()
		g.mu.Lock()
		g.cancel = append(g.cancel, cancel)
		g.done = append(g.done, done)
		g.ids = append(g.ids, id)
		g.mu.Unlock()
	}
	return nil
}

// kill stops agent i at once, as if its process died.
func (g *goLauncher) kill(i int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.cancel[i]()
}

func (g *goLauncher) Stop(grace time.Duration) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	deadline := time.After(grace)
	var errs []error
	for i, d := range g.done {
		select {
		case err := <-d:
			if err != nil && ctxErr(err) == nil {
				errs = append(errs, fmt.Errorf("agent %s: %w", g.ids[i], err))
			}
		case <-deadline:
			g.cancel[i]()
			<-d
			errs = append(errs, fmt.Errorf("agent %s did not exit within %s", g.ids[i], grace))
		}
		g.cancel[i]()
	}
	g.done = nil
	if len(errs) > 0 {
		return fmt.Errorf("%v", errs)
	}
	return nil
}

// ctxErr is err when it is a cancellation (a killed agent), else nil.
func ctxErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) {
		return context.Canceled
	}
	return nil
}

// goFleet starts a fleet of two in-process agents (goLauncher) listening
// on 127.0.0.1 for ctx, with every raw result observed; close it with
// closeFleet before ctx is cancelled.
func goFleet(t *testing.T, ctx context.Context) (*Fleet, *rawResults) {
	t.Helper()
	f, err := Start(ctx, "127.0.0.1:0", 2, &goLauncher{})
	if err != nil {
		t.Fatal(err)
	}
	raw := &rawResults{}
	f.observe = raw.observe
	return f, raw
}

// closeFleet closes f and fails t if that fails.
func closeFleet(t *testing.T, f *Fleet) {
	t.Helper()
	if err := f.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
}

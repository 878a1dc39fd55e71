package swarm

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loadlab/loadlab/internal/apitest"
	"github.com/loadlab/loadlab/internal/swarmtest"
	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/target/runtime"
)

var (
	sw         *swarmtest.Swarm
	swErr      error
	rtOnce     sync.Once
	rt         *Runtime
	rtErr      error
	runCounter atomic.Int64
)

// TestMain leaves the swarm again after the tests if the first test that
// needed one created it (see engine and swarmtest).
func TestMain(m *testing.M) {
	code := m.Run()
	if rt != nil {
		_ = rt.Close()
	}
	if sw != nil {
		if err := sw.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "swarm tests:", err)
			code = max(code, 1)
		}
	}
	apitest.Cleanup()
	os.Exit(code)
}

// engine returns the shared runtime on the test swarm (started by the
// first test that needs it), its tasks kept on
// this node; it skips the test when Docker or the swarm is missing,
// except in CI (CI=true), where that fails it.
func engine(t testing.TB) *Runtime {
	t.Helper()
	rtOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		if sw, swErr = swarmtest.Start(ctx, 4*time.Minute); swErr != nil {
			rtErr = swErr
			return
		}
		rt, rtErr = New(context.Background(), Options{Constraints: []string{"node.id==" + sw.NodeID}})
	})
	apitest.RequireDocker(t, rtErr)
	return rt
}

// newSpec is a reference-API spec under a run ID unique to this test.
func newSpec(t testing.TB, l record.Config) runtime.Spec {
	t.Helper()
	run := fmt.Sprintf("test-%d-%d-%s", os.Getpid(), runCounter.Add(1), dnsLabel(t.Name()))
	return runtime.Spec{RunID: run, Config: l, Binary: apitest.Binary(t), HealthTimeout: 60 * time.Second}
}

// deploy deploys spec and closes the deployment when the test ends.
func deploy(t *testing.T, r *Runtime, spec runtime.Spec) *Deployment {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	dep, err := r.Deploy(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	d := dep.(*Deployment)
	t.Cleanup(func() { _ = d.Close(context.Background()) })
	return d
}

// assertGone fails when a service or container of run remains.
func assertGone(t *testing.T, r *Runtime, run string) {
	t.Helper()
	left, err := r.leftovers(context.Background(), run, nil)
	if err != nil {
		t.Fatalf("list leftovers: %v", err)
	}
	more, err := r.engine.Leftovers(context.Background(), run, nil)
	if err != nil {
		t.Fatalf("list leftover containers: %v", err)
	}
	if left = append(left, more...); len(left) > 0 {
		t.Errorf("left behind for run %s: %v", run, left)
	}
}

// drive sends bounded load round-robin over urls: workers goroutines, at
// most maxRequests requests and maxDur. It returns the 2xx answers.
func drive(t *testing.T, urls []string, body string, workers, maxRequests int, maxDur time.Duration) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), maxDur)
	defer cancel()
	client := &http.Client{Timeout: 10 * time.Second}
	defer client.CloseIdleConnections()
	var sent, ok atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for ctx.Err() == nil {
				n := sent.Add(1)
				if n > int64(maxRequests) {
					return
				}
				req, err := http.NewRequestWithContext(ctx, http.MethodPost, urls[int(n)%len(urls)]+"/predict", strings.NewReader(body))
				if err != nil {
					return
				}
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				if err != nil {
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
				if resp.StatusCode/100 == 2 {
					ok.Add(1)
				}
			}
		})
	}
	wg.Wait()
	return ok.Load()
}

const predictBody = `{"instances":[{"age":35,"salary":52000,"web_visits":7,"last_action":"email_open"},{"age":51,"salary":81000,"web_visits":2,"last_action":"demo_request"}]}`

package docker

import (
	"bytes"
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
	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/target/runtime"
)

var (
	rtOnce     sync.Once
	rt         *Runtime
	rtErr      error
	runCounter atomic.Int64
)

func TestMain(m *testing.M) {
	code := m.Run()
	if rt != nil {
		_ = rt.Close()
	}
	apitest.Cleanup()
	os.Exit(code)
}

// engine returns the shared runtime, skipping the test when no Docker
// daemon answers, except in CI (CI=true) where that is a failure.
func engine(t testing.TB) *Runtime {
	t.Helper()
	rtOnce.Do(func() { rt, rtErr = New(context.Background()) })
	apitest.RequireDocker(t, rtErr)
	return rt
}

// binary builds the static loadlab binary once per test process.
func binary(t testing.TB) string { return apitest.Binary(t) }

// newSpec is a reference-API spec under a run ID unique to this test, so
// that leftover checks never see other tests' (or other runs') objects.
func newSpec(t testing.TB, l record.Config) runtime.Spec {
	t.Helper()
	run := fmt.Sprintf("test-%d-%d-%s", os.Getpid(), runCounter.Add(1), sanitize(t.Name()))
	return runtime.Spec{RunID: run, Config: l, Binary: binary(t), HealthTimeout: 20 * time.Second}
}

// assertNoLeftovers fails when anything labelled with run remains.
func assertNoLeftovers(t *testing.T, r *Runtime, run string) {
	t.Helper()
	left, err := r.leftovers(context.Background(), run, nil)
	if err != nil {
		t.Fatalf("list leftovers: %v", err)
	}
	if len(left) > 0 {
		t.Errorf("left behind for run %s: %v", run, left)
		_, _ = r.CleanRun(context.Background(), run)
	}
}

// deploy deploys spec and removes the deployment when the test ends (a
// failed test would otherwise leak it).
func deploy(t *testing.T, r *Runtime, spec runtime.Spec) *Deployment {
	t.Helper()
	dep, err := r.Deploy(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	d := dep.(*Deployment)
	t.Cleanup(func() { _ = d.Close(context.Background()) })
	return d
}

// drive sends bounded load to the replicas round-robin: workers
// goroutines, at most maxRequests requests in all and at most maxDur.
// It returns the number of 2xx answers.
func drive(t *testing.T, urls []string, method, path, body string, workers, maxRequests int, maxDur time.Duration) int64 {
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
				req, err := http.NewRequestWithContext(ctx, method, urls[int(n)%len(urls)]+path, strings.NewReader(body))
				if err != nil {
					return
				}
				if body != "" {
					req.Header.Set("Content-Type", "application/json")
				}
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

// predictBatch is a POST /predict body with n instances.
func predictBatch(n int) string {
	var b bytes.Buffer
	b.WriteString(`{"instances":[`)
	actions := []string{"page_view", "email_open", "form_submit", "demo_request"}
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"age":%d,"salary":%d,"web_visits":%d,"last_action":%q}`, 18+i%80, 20000+i*37%90000, i%40, actions[i%4])
	}
	b.WriteString(`]}`)
	return b.String()
}

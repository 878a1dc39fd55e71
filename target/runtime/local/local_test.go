package local

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/loadlab/loadlab/internal/apitest"
	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/target/runtime"
)

var marks atomic.Int64

func TestMain(m *testing.M) {
	code := m.Run()
	apitest.Cleanup()
	os.Exit(code)
}

// binary builds the static loadlab binary once per test process.
func binary(t *testing.T) string { return apitest.Binary(t) }

// newSpec is a reference-API spec whose replicas carry a unique marker
// in their environment, so the test can find them (or their absence) in
// /proc.
func newSpec(t *testing.T, l record.Config) (runtime.Spec, string) {
	mark := fmt.Sprintf("%d-%d", os.Getpid(), marks.Add(1))
	return runtime.Spec{
		RunID: "test", Config: l, Binary: binary(t), HealthTimeout: 20 * time.Second,
		Env: map[string]string{"LOADLAB_TEST_MARK": mark},
	}, mark
}

// marked returns the PIDs of live processes whose environment carries the
// marker, with their environment.
func marked(t *testing.T, mark string) map[int][]string {
	t.Helper()
	out := map[int][]string{}
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, dir := range dirs {
		b, err := os.ReadFile(dir + "/environ")
		if err != nil {
			continue
		}
		env := strings.Split(string(b), "\x00")
		if slices.Contains(env, "LOADLAB_TEST_MARK="+mark) {
			var pid int
			fmt.Sscan(filepath.Base(dir), &pid)
			if st, err := os.ReadFile(dir + "/stat"); err == nil && strings.Contains(string(st[strings.LastIndexByte(string(st), ')'):]), ") Z") {
				continue // a zombie is dead, only not yet reaped by its parent
			}
			out[pid] = env
		}
	}
	return out
}

func get(t *testing.T, url string, n int) int {
	t.Helper()
	client := &http.Client{Timeout: 5 * time.Second}
	defer client.CloseIdleConnections()
	ok := 0
	for range n {
		resp, err := client.Get(url)
		if err != nil {
			continue
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode/100 == 2 {
			ok++
		}
	}
	return ok
}

func TestDeployReferenceAPI(t *testing.T) {
	spec, mark := newSpec(t, record.Config{Name: "cpu1.5-x2", CPUs: 1.5, MemoryBytes: 256 << 20, Replicas: 2})
	ctx := context.Background()
	dep, err := New().Deploy(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	defer dep.Close(ctx)
	urls := dep.URLs()
	if len(urls) != 2 || urls[0] == urls[1] {
		t.Fatalf("URLs() = %v, want two distinct", urls)
	}
	for _, u := range urls {
		if !strings.HasPrefix(u, "http://127.0.0.1:") {
			t.Errorf("replica URL %q is not on 127.0.0.1", u)
		}
	}
	procs := marked(t, mark)
	if len(procs) != 2 {
		t.Fatalf("%d marked processes running, want 2", len(procs))
	}
	for pid, env := range procs {
		for _, want := range []string{"GOMAXPROCS=2", "GOMEMLIMIT=268435456"} {
			if !slices.Contains(env, want) {
				t.Errorf("process %d lacks %s in its environment", pid, want)
			}
		}
	}

	before, err := dep.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// /proc counts CPU in 10 ms ticks, and 200 /health requests can cost
	// less than one tick per replica: send batches until the CPU counted
	// between the two snapshots moves (at most 10 batches, 4,000 requests).
	var after runtime.Usage
	for batch := 0; batch < 10; batch++ {
		for _, u := range urls {
			if ok := get(t, u+"/health", 200); ok != 200 {
				t.Errorf("%s: %d of 200 requests OK", u, ok)
			}
		}
		time.Sleep(20 * time.Millisecond) // CPU ticks are 10 ms
		if after, err = dep.Stats(ctx); err != nil {
			t.Fatal(err)
		}
		if runtime.Between(before, after).CPUCores > 0 {
			break
		}
	}
	if len(after.Replicas) != 2 {
		t.Fatalf("Stats has %d replicas", len(after.Replicas))
	}
	for _, ru := range after.Replicas {
		if ru.CPUSeconds <= 0 || ru.MemoryBytes <= 0 || ru.CPULimit != 1.5 || ru.MemoryLimit != 256<<20 {
			t.Errorf("replica %+v: want CPU and memory > 0 and the configured limits", ru)
		}
	}
	if tel := runtime.Between(before, after); tel.CPUCores <= 0 {
		t.Errorf("no CPU counted over up to 4,000 requests: %+v", tel)
	}

	if err := dep.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if left := marked(t, mark); len(left) != 0 {
		t.Errorf("processes left after Close: %v", left)
	}
	if err := dep.Close(ctx); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if evs := dep.Events(); len(evs) != 0 {
		t.Errorf("Close recorded events: %+v", evs)
	}
}

// TestLimitsAreApproximate: the runtime says its limits are approximate
// because they are: a replica limited to 4 MiB stays up while using more
// (GOMEMLIMIT is a goal for the garbage collector, not a kernel limit).
// Should the runtime ever enforce limits, this test fails and Approximate
// must change with it.
func TestLimitsAreApproximate(t *testing.T) {
	const limit = 4 << 20
	r := New()
	if !r.Approximate() {
		t.Fatal("Approximate() = false for emulated limits")
	}
	spec, _ := newSpec(t, record.Config{Name: "soft", MemoryBytes: limit, Replicas: 1})
	ctx := context.Background()
	dep, err := r.Deploy(ctx, spec)
	if err != nil {
		t.Fatalf("a replica over its soft memory limit did not start: %v", err)
	}
	defer dep.Close(ctx)
	if ok := get(t, dep.URLs()[0]+"/health", 20); ok != 20 {
		t.Errorf("%d of 20 requests OK", ok)
	}
	u, err := dep.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ru := u.Replicas[0]; ru.MemoryLimit != limit || ru.MemoryBytes <= limit || ru.OOMKills != 0 {
		t.Errorf("replica %+v: want a %d-byte limit exceeded without an OOM kill", ru, limit)
	}
	if evs := dep.Events(); len(evs) != 0 {
		t.Errorf("events %+v: the replica should still run", evs)
	}
}

func TestDeployCommandWithPlaceholders(t *testing.T) {
	spec, mark := newSpec(t, record.Config{Name: "cmd", Replicas: 1})
	spec.Command = []string{spec.Binary, "serve", "--addr", "127.0.0.1:{port}"}
	ctx := context.Background()
	dep, err := New().Deploy(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	defer dep.Close(ctx)
	for _, env := range marked(t, mark) {
		if slices.ContainsFunc(env, func(s string) bool { return strings.HasPrefix(s, "GOMAXPROCS=") || strings.HasPrefix(s, "GOMEMLIMIT=") }) &&
			os.Getenv("GOMAXPROCS") == "" && os.Getenv("GOMEMLIMIT") == "" {
			t.Errorf("unlimited configuration set GOMAXPROCS/GOMEMLIMIT: %v", env)
		}
		if !slices.Contains(env, "PORT="+strings.TrimPrefix(dep.URLs()[0], "http://127.0.0.1:")) {
			t.Errorf("PORT not set to the replica's port")
		}
	}
	if ok := get(t, dep.URLs()[0]+"/health", 3); ok != 3 {
		t.Errorf("%d of 3 OK", ok)
	}
}

func TestHealthFailure(t *testing.T) {
	ctx := context.Background()
	t.Run("exits", func(t *testing.T) {
		spec, mark := newSpec(t, record.Config{Name: "bad-flag", Replicas: 2})
		spec.Command = []string{spec.Binary, "serve", "--no-such-flag"}
		start := time.Now()
		_, err := New().Deploy(ctx, spec)
		if err == nil {
			t.Fatal("Deploy succeeded with a command that exits")
		}
		t.Logf("after %v: %v", time.Since(start).Round(time.Millisecond), err)
		for _, want := range []string{"local-bad-flag-", "exited with code", "last log lines of", "no-such-flag"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error does not mention %q", want)
			}
		}
		if time.Since(start) > 10*time.Second {
			t.Errorf("an exited replica took %v to fail", time.Since(start))
		}
		if left := marked(t, mark); len(left) != 0 {
			t.Errorf("processes left: %v", left)
		}
	})
	t.Run("never healthy", func(t *testing.T) {
		spec, mark := newSpec(t, record.Config{Name: "wrong-path", Replicas: 1})
		spec.HealthPath = "/no-such-health-path"
		spec.HealthTimeout = time.Second
		_, err := New().Deploy(ctx, spec)
		if err == nil || !strings.Contains(err.Error(), "not healthy after 1s") || !strings.Contains(err.Error(), "HTTP 404") {
			t.Fatalf("Deploy = %v, want a health timeout naming HTTP 404", err)
		}
		if left := marked(t, mark); len(left) != 0 {
			t.Errorf("processes left: %v", left)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		spec, mark := newSpec(t, record.Config{Name: "cancel", Replicas: 2})
		spec.HealthPath = "/no-such-health-path"
		cctx, cancel := context.WithCancel(ctx)
		time.AfterFunc(500*time.Millisecond, cancel)
		_, err := New().Deploy(cctx, spec)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Deploy = %v, want context.Canceled", err)
		}
		if left := marked(t, mark); len(left) != 0 {
			t.Errorf("processes left: %v", left)
		}
	})
}

func TestKilledReplicaIsAnEvent(t *testing.T) {
	spec, _ := newSpec(t, record.Config{Name: "kill", Replicas: 2})
	ctx := context.Background()
	dep, err := New().Deploy(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	defer dep.Close(ctx)
	d := dep.(*Deployment)
	if _, err := d.Stats(ctx); err != nil {
		t.Fatal(err)
	}
	victim := d.replicas[1]
	if err := syscall.Kill(victim.pid(), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case <-victim.done:
	case <-time.After(5 * time.Second):
		t.Fatal("killed replica not reaped")
	}
	evs := d.Events()
	if len(evs) != 1 || evs[0].Replica != "local-kill-2" || evs[0].Kind != "exit" || evs[0].ExitCode != 137 || !strings.Contains(evs[0].Message, "SIGKILL") {
		t.Fatalf("Events() = %+v, want one exit of local-kill-2 with code 137", evs)
	}
	u, err := d.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(u.Replicas) != 2 || u.Replicas[1].MemoryBytes != 0 || u.Replicas[0].MemoryBytes == 0 {
		t.Errorf("Stats after the kill = %+v", u.Replicas)
	}
}

// TestCloseEscalatesToSIGKILL: a replica that ignores SIGTERM is killed
// after the stop timeout and reaped.
func TestCloseEscalatesToSIGKILL(t *testing.T) {
	spec, mark := newSpec(t, record.Config{Name: "stubborn", Replicas: 1})
	spec.Command = []string{"/bin/sh", "-c", `trap '' TERM; "$0" serve --addr "$1" & while :; do sleep 0.05; done`, spec.Binary, "{addr}"}
	ctx := context.Background()
	r := &Runtime{StopTimeout: 300 * time.Millisecond}
	dep, err := r.Deploy(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := dep.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < 300*time.Millisecond {
		t.Errorf("Close took %v: the shell ignores SIGTERM, so it should have waited for the stop timeout", took)
	}
	if left := marked(t, mark); len(left) != 0 {
		t.Errorf("processes left after SIGKILL: %v", left)
	}
}

package docker

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/target/runtime"
)

// TestDeployTwoConfigurations deploys the reference API at 0.5 CPU ×1 and
// ×2, checks the engine really applied the limits and hardening, puts a
// little load on it, checks the telemetry moved, and checks that Close
// leaves nothing behind (and is idempotent).
func TestDeployTwoConfigurations(t *testing.T) {
	r := engine(t)
	for _, l := range []record.Config{
		{Name: "cpu0.5-x1", CPUs: 0.5, MemoryBytes: 128 << 20, Replicas: 1},
		{Name: "cpu0.5-x2", CPUs: 0.5, MemoryBytes: 128 << 20, Replicas: 2},
	} {
		t.Run(l.Name, func(t *testing.T) {
			spec := newSpec(t, l)
			ctx := context.Background()
			d := deploy(t, r, spec)

			urls := d.URLs()
			if len(urls) != l.Replicas {
				t.Fatalf("URLs() = %v, want %d", urls, l.Replicas)
			}
			for _, u := range urls {
				if !strings.HasPrefix(u, "http://127.0.0.1:") {
					t.Errorf("replica URL %q is not on 127.0.0.1", u)
				}
			}
			for _, name := range d.Names() {
				assertHardened(t, r, name, l, spec.RunID)
			}

			before, err := d.Stats(ctx)
			if err != nil {
				t.Fatal(err)
			}
			ok := drive(t, urls, "POST", "/predict", predictBatch(10), 2, 300, 5*time.Second)
			if ok == 0 {
				t.Fatal("no request succeeded")
			}
			after, err := d.Stats(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(after.Replicas) != l.Replicas {
				t.Fatalf("Stats has %d replicas, want %d", len(after.Replicas), l.Replicas)
			}
			for _, ru := range after.Replicas {
				if ru.CPUSeconds <= 0 || ru.MemoryBytes <= 0 {
					t.Errorf("replica %s: CPU %.3fs, memory %d bytes; want both > 0", ru.Name, ru.CPUSeconds, ru.MemoryBytes)
				}
				if ru.CPULimit != l.CPUs || ru.MemoryLimit != int64(l.MemoryBytes) {
					t.Errorf("replica %s: limits %v cores / %d bytes, want %v / %d", ru.Name, ru.CPULimit, ru.MemoryLimit, l.CPUs, l.MemoryBytes)
				}
				if ru.MemoryBytes >= int64(l.MemoryBytes) {
					t.Errorf("replica %s: memory %d not below its limit %d", ru.Name, ru.MemoryBytes, l.MemoryBytes)
				}
			}
			tel := runtime.Between(before, after)
			if tel.CPUCores <= 0 || tel.CPUPctOfLimit <= 0 {
				t.Errorf("telemetry over the load: %.3f cores, %.1f%% of limit; want > 0", tel.CPUCores, tel.CPUPctOfLimit)
			}
			t.Logf("%d OK requests; %.3f cores (%.0f%% of limit), %d bytes memory", ok, tel.CPUCores, tel.CPUPctOfLimit, tel.MemoryBytes)
			if evs := d.Events(); len(evs) != 0 {
				t.Errorf("events during a healthy run: %+v", evs)
			}

			if err := d.Close(ctx); err != nil {
				t.Fatal(err)
			}
			if err := d.Close(ctx); err != nil {
				t.Errorf("second Close: %v", err)
			}
			assertNoLeftovers(t, r, spec.RunID)
			if evs := d.Events(); len(evs) != 0 {
				t.Errorf("removal recorded as events: %+v", evs)
			}
		})
	}
}

// assertHardened inspects one replica container.
func assertHardened(t *testing.T, r *Runtime, name string, l record.Config, run string) {
	t.Helper()
	c, err := r.cli.ContainerInspect(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	h := c.HostConfig
	if h.NanoCPUs != int64(l.CPUs*1e9) || h.Memory != int64(l.MemoryBytes) || h.MemorySwap != int64(l.MemoryBytes) {
		t.Errorf("%s: NanoCPUs %d Memory %d MemorySwap %d, want %d %d %d", name, h.NanoCPUs, h.Memory, h.MemorySwap,
			int64(l.CPUs*1e9), l.MemoryBytes, l.MemoryBytes)
	}
	if !h.ReadonlyRootfs {
		t.Errorf("%s: root filesystem is writable", name)
	}
	if !slices.Equal(h.CapDrop, []string{"ALL"}) {
		t.Errorf("%s: CapDrop %v, want [ALL]", name, h.CapDrop)
	}
	// The reference image's HEALTHCHECK would exec a process inside the
	// measured CPU limit every 5 s; loadlab polls /health itself.
	if hc := c.Config.Healthcheck; hc == nil || !slices.Equal(hc.Test, []string{"NONE"}) {
		t.Errorf("%s: Docker healthcheck %+v, want disabled (Test [NONE])", name, hc)
	}
	if c.State.Health != nil {
		t.Errorf("%s: Docker runs a health check (%s)", name, c.State.Health.Status)
	}
	if !slices.ContainsFunc(h.SecurityOpt, func(s string) bool { return strings.HasPrefix(s, "no-new-privileges") }) {
		t.Errorf("%s: SecurityOpt %v lacks no-new-privileges", name, h.SecurityOpt)
	}
	for port, bindings := range h.PortBindings {
		for _, b := range bindings {
			if b.HostIP != "127.0.0.1" {
				t.Errorf("%s: port %s bound on %q", name, port, b.HostIP)
			}
		}
	}
	for port, bindings := range c.NetworkSettings.Ports {
		for _, b := range bindings {
			if b.HostIP != "127.0.0.1" {
				t.Errorf("%s: port %s published on %q", name, port, b.HostIP)
			}
		}
	}
	if c.Config.Labels[LabelRun] != run || c.Config.Labels[LabelConfig] != l.Name {
		t.Errorf("%s: labels %v", name, c.Config.Labels)
	}
}

// TestThrottlingAtQuarterCPU drives CPU-heavy batches at a replica limited
// to 0.25 CPU: the kernel must throttle it, and its CPU use must stay near
// the limit.
func TestThrottlingAtQuarterCPU(t *testing.T) {
	r := engine(t)
	spec := newSpec(t, record.Config{Name: "cpu0.25", CPUs: 0.25, MemoryBytes: 256 << 20, Replicas: 1})
	ctx := context.Background()
	d := deploy(t, r, spec)
	before, err := d.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ok := drive(t, d.URLs(), "POST", "/predict", predictBatch(1000), 3, 400, 3*time.Second)
	after, err := d.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tel := runtime.Between(before, after)
	t.Logf("%d OK batches; %.3f cores, throttled %d periods / %.2fs", ok, tel.CPUCores, tel.ThrottledPeriods, tel.ThrottledS)
	if ok == 0 {
		t.Fatal("no batch succeeded")
	}
	if tel.ThrottledPeriods == 0 || tel.ThrottledS <= 0 {
		t.Errorf("no throttling seen at 0.25 CPU under load: %d periods, %.3fs", tel.ThrottledPeriods, tel.ThrottledS)
	}
	if tel.CPUCores > 0.25*1.5 {
		t.Errorf("replica used %.3f cores with a 0.25 limit", tel.CPUCores)
	}
	if err := d.Close(ctx); err != nil {
		t.Fatal(err)
	}
	assertNoLeftovers(t, r, spec.RunID)
}

// TestHealthFailureCarriesLogs covers a replica that exits at once and
// one that runs but never answers its health path: both fail with the
// replica's name and its last log lines, and leave nothing behind.
func TestHealthFailureCarriesLogs(t *testing.T) {
	r := engine(t)
	t.Run("exits", func(t *testing.T) {
		spec := newSpec(t, record.Config{Name: "bad-flag", CPUs: 0.5, Replicas: 2})
		spec.Command = []string{"/loadlab", "serve", "--no-such-flag"}
		start := time.Now()
		_, err := r.Deploy(context.Background(), spec)
		if err == nil {
			t.Fatal("Deploy succeeded with a command that exits")
		}
		t.Logf("failed after %v:\n%v", time.Since(start).Round(time.Millisecond), err)
		for _, want := range []string{"bad-flag", "exited with code", "last log lines of", "no-such-flag"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error does not mention %q", want)
			}
		}
		if time.Since(start) > 15*time.Second {
			t.Errorf("an exited replica took %v to fail; it should not wait for the health timeout", time.Since(start))
		}
		assertNoLeftovers(t, r, spec.RunID)
	})
	t.Run("never healthy", func(t *testing.T) {
		spec := newSpec(t, record.Config{Name: "wrong-path", Replicas: 1})
		spec.HealthPath = "/no-such-health-path"
		spec.HealthTimeout = 1500 * time.Millisecond
		_, err := r.Deploy(context.Background(), spec)
		if err == nil {
			t.Fatal("Deploy succeeded with a health path that 404s")
		}
		t.Logf("%v", err)
		for _, want := range []string{"wrong-path", "not healthy after 1.5s", "HTTP 404", "last log lines of"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error does not mention %q", want)
			}
		}
		assertNoLeftovers(t, r, spec.RunID)
	})
}

// TestCancelledContext: Close works with a cancelled context, and a deploy
// interrupted while waiting for health removes what it created.
func TestCancelledContext(t *testing.T) {
	r := engine(t)
	t.Run("close after cancel", func(t *testing.T) {
		spec := newSpec(t, record.Config{Name: "cancel-close", CPUs: 0.5, Replicas: 2})
		ctx, cancel := context.WithCancel(context.Background())
		dep, err := r.Deploy(ctx, spec)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = dep.Close(context.Background()) })
		cancel()
		if err := dep.Close(ctx); err != nil {
			t.Fatalf("Close with a cancelled context: %v", err)
		}
		assertNoLeftovers(t, r, spec.RunID)
	})
	t.Run("cancel during deploy", func(t *testing.T) {
		spec := newSpec(t, record.Config{Name: "cancel-deploy", Replicas: 2})
		spec.HealthPath = "/no-such-health-path"
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(1500*time.Millisecond, cancel)
		_, err := r.Deploy(ctx, spec)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Deploy = %v, want context.Canceled", err)
		}
		assertNoLeftovers(t, r, spec.RunID)
	})
}

// TestEventsOnKill: a replica killed from outside shows up as an exit
// event with its exit code, and Stats keeps reporting it.
func TestEventsOnKill(t *testing.T) {
	r := engine(t)
	spec := newSpec(t, record.Config{Name: "kill", CPUs: 0.5, MemoryBytes: 64 << 20, Replicas: 2})
	ctx := context.Background()
	d := deploy(t, r, spec)
	victim := d.Names()[1]
	if err := r.cli.ContainerKill(ctx, victim, "SIGKILL"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(d.Events()) == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	evs := d.Events()
	if len(evs) != 1 || evs[0].Replica != victim || evs[0].Kind != KindExit || evs[0].ExitCode != 137 || evs[0].OOMKilled {
		t.Fatalf("events = %+v, want one exit of %s with code 137", evs, victim)
	}
	u, err := d.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(u.Replicas) != 2 || u.Replicas[1].Name != victim || u.Replicas[1].MemoryBytes != 0 {
		t.Errorf("Stats after the kill = %+v", u.Replicas)
	}
	if err := d.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if got := len(d.Events()); got != 1 {
		t.Errorf("Close added events: %+v", d.Events())
	}
	assertNoLeftovers(t, r, spec.RunID)
}

// TestLeftoversAndClean: a deployment that is never closed (a killed run)
// is listed by Leftovers and removed by CleanRun.
func TestLeftoversAndClean(t *testing.T) {
	r := engine(t)
	spec := newSpec(t, record.Config{Name: "leak", Replicas: 1})
	ctx := context.Background()
	d := deploy(t, r, spec)
	want := []string{"container " + d.Names()[0], "network " + d.Network()}
	left, err := r.Leftovers(ctx, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range want {
		if !slices.Contains(left, w) {
			t.Errorf("Leftovers() = %v, missing %q", left, w)
		}
	}
	removed, err := r.CleanRun(ctx, spec.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(removed, want) {
		t.Errorf("CleanRun removed %v, want %v", removed, want)
	}
	assertNoLeftovers(t, r, spec.RunID)
	if err := d.Close(ctx); err != nil {
		t.Errorf("Close after clean: %v", err)
	}
}

// TestImageSources: a missing image is never pulled, a dynamic binary is
// refused for the scratch image, and a build context is built and run.
func TestImageSources(t *testing.T) {
	r := engine(t)
	ctx := context.Background()
	t.Run("missing image", func(t *testing.T) {
		spec := newSpec(t, record.Config{Name: "missing", Replicas: 1})
		spec.Image = "loadlab/no-such-image:never"
		_, err := r.Deploy(ctx, spec)
		if err == nil || !strings.Contains(err.Error(), "never pulls") {
			t.Fatalf("Deploy = %v, want an error saying nothing is pulled", err)
		}
		assertNoLeftovers(t, r, spec.RunID)
	})
	t.Run("dynamic binary", func(t *testing.T) {
		spec := newSpec(t, record.Config{Name: "dynamic", Replicas: 1})
		spec.Binary = "/bin/sh"
		_, err := r.Deploy(ctx, spec)
		if err == nil || !strings.Contains(err.Error(), "CGO_ENABLED=0") {
			t.Fatalf("Deploy = %v, want an error asking for a static build", err)
		}
	})
	t.Run("build context", func(t *testing.T) {
		dir := t.TempDir()
		writeFile(t, dir+"/Dockerfile", "FROM scratch\nCOPY app /app\nENTRYPOINT [\"/app\", \"serve\", \"--addr\", \":9000\"]\n")
		copyFile(t, binary(t), dir+"/app")
		writeFile(t, dir+"/.dockerignore", "junk\n")
		writeFile(t, dir+"/junk", strings.Repeat("x", 1<<20))
		spec := newSpec(t, record.Config{Name: "built", Replicas: 1})
		spec.BuildContext = dir
		spec.Image = "loadlab/test-build-context:dev"
		spec.Port = 9000
		dep, err := r.Deploy(ctx, spec)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_, _ = r.cli.ImageRemove(context.Background(), spec.Image, imageRemoveOptions())
		})
		t.Cleanup(func() { _ = dep.Close(context.Background()) })
		if ok := drive(t, dep.URLs(), "GET", "/health", "", 1, 5, 5*time.Second); ok != 5 {
			t.Errorf("%d of 5 health requests OK", ok)
		}
		if err := dep.Close(ctx); err != nil {
			t.Fatal(err)
		}
		assertNoLeftovers(t, r, spec.RunID)
	})
}

// Several published ports per replica: each gets its own userland proxy,
// all on 127.0.0.1, all reaching the replica, interleaved across replicas.
func TestPortsPerReplica(t *testing.T) {
	r := engine(t)
	spec := newSpec(t, record.Config{Name: "ports", CPUs: 0.5, MemoryBytes: 128 << 20, Replicas: 2})
	spec.PortsPerReplica = 3
	ctx := context.Background()
	d := deploy(t, r, spec)
	urls := d.URLs()
	if len(urls) != 6 {
		t.Fatalf("URLs() = %v, want 2 replicas × 3 ports", urls)
	}
	seen := map[string]bool{}
	for _, u := range urls {
		if !strings.HasPrefix(u, "http://127.0.0.1:") || seen[u] {
			t.Errorf("URL %q is not a distinct 127.0.0.1 port: %v", u, urls)
		}
		seen[u] = true
		if ok := drive(t, []string{u}, "GET", "/health", "", 1, 2, 5*time.Second); ok != 2 {
			t.Errorf("%s answered %d of 2 health checks", u, ok)
		}
	}
	// Interleaved: consecutive URLs belong to different replicas.
	byReplica := map[string]int{}
	for i, rep := range d.replicas {
		for _, u := range rep.urls {
			byReplica[u] = i
		}
	}
	for i := 1; i < len(urls); i++ {
		if byReplica[urls[i]] == byReplica[urls[i-1]] {
			t.Errorf("URLs %d and %d are the same replica: %v", i-1, i, urls)
		}
	}
	if err := d.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

package experiments

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loadlab/loadlab/target/runtime"
	"github.com/loadlab/loadlab/target/runtime/docker"
)

// socketProxy forwards a unix socket to the Docker daemon's until Kill:
// then the daemon "disappears" for whoever dialled the proxy, while the
// containers it started keep running (so the test can still clean up).
type socketProxy struct {
	path  string
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
	dead  bool
}

func newSocketProxy(t *testing.T, upstream string) *socketProxy {
	t.Helper()
	p := &socketProxy{path: filepath.Join(t.TempDir(), "docker.sock")}
	ln, err := net.Listen("unix", p.path)
	if err != nil {
		t.Fatal(err)
	}
	p.ln = ln
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("unix", upstream)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			if p.dead {
				p.mu.Unlock()
				c.Close()
				up.Close()
				return
			}
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(up, c); up.Close() }()
			go func() { _, _ = io.Copy(c, up); c.Close() }()
		}
	}()
	t.Cleanup(p.Kill)
	return p
}

// Kill closes the listening socket and every forwarded connection.
func (p *socketProxy) Kill() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.dead {
		return
	}
	p.dead = true
	_ = p.ln.Close()
	for _, c := range p.conns {
		_ = c.Close()
	}
}

// TestFaultDaemonDisappearsMidRun: the Docker daemon stops answering
// during a ramp (the test kills the socket proxy loadlab talks through;
// the containers keep running). The ramp stops at once — a dead daemon's
// refused connections must not pass for the API failing under load — the
// steps measured before are kept, the interrupted one is partial and
// says why, the next configuration is not attempted, and the error names
// the run label and `loadlab clean`, which does remove what was left.
func TestFaultDaemonDisappearsMidRun(t *testing.T) {
	real := dockerRuntime(t) // skip or fail like the other Docker tests
	upstream := "/var/run/docker.sock"
	if h := os.Getenv("DOCKER_HOST"); strings.HasPrefix(h, "unix://") {
		upstream = strings.TrimPrefix(h, "unix://")
	}
	proxy := newSocketProxy(t, upstream)
	rt := proxiedRuntime(t, proxy.path)
	var once sync.Once
	start := time.Now()
	res, runErr, recs, log := faultRunOn(t, rt, `name: faults-daemon
configs:
  - {name: first, cpus: 0.5, memory: 128m}
  - {name: second, cpus: 0.5, memory: 128m}
scenario:
  model: users
  ramp: {steps: [5, 10, 15, 20], hold: 1500ms}
  think: {min: 20ms, max: 50ms}
slo: p95<1s
`, func(p RunProgress) {
		if p.Config == 1 && p.Step.Step == 2 {
			once.Do(proxy.Kill)
		}
	})
	took := time.Since(start)
	run := faultRunID(t)
	t.Logf("after %s: result %+v\nerror: %v\nlog:\n%s", took, res, runErr, log)

	if !errors.Is(runErr, runtime.ErrUnavailable) || !strings.Contains(runErr.Error(), "loadlab clean") ||
		!strings.Contains(runErr.Error(), "loadlab.run="+run) {
		t.Errorf("run error %v: want runtime.ErrUnavailable, the run label and `loadlab clean`", runErr)
	}
	if strings.Contains(log, "config 2/2") {
		t.Error("the second configuration was attempted with the runtime gone")
	}
	if !strings.Contains(log, "teardown impossible") {
		t.Error("the log does not say that the teardown was impossible")
	}
	var measured int
	for i, rec := range recs {
		if rec.Config.Name != "first" {
			t.Errorf("record of %q: only the first configuration ran", rec.Config.Name)
			continue
		}
		last := i == len(recs)-1
		switch {
		case !last && rec.Partial:
			t.Errorf("step %d partial before the last one", rec.Step)
		case !last && rec.Target != nil:
			measured++
		case !last:
			t.Errorf("step %d without telemetry kept as a complete step before the last one", rec.Step)
		case last && (!rec.Partial || !strings.HasPrefix(rec.StopReason, "runtime unavailable")):
			t.Errorf("last step %d: partial %v, stop reason %q; want partial, runtime unavailable", rec.Step, rec.Partial, rec.StopReason)
		}
	}
	if measured == 0 || len(recs) >= 4 {
		t.Errorf("%d records, %d with telemetry: want the steps before the loss kept and the ramp cut short", len(recs), measured)
	}
	if took > 30*time.Second {
		t.Errorf("the run took %s after the daemon went away", took)
	}

	// What loadlab said remains does remain, and `loadlab clean` removes it.
	removed, err := real.CleanRun(context.Background(), run)
	if err != nil || len(removed) == 0 {
		t.Errorf("clean after the loss: removed %v, %v; want the left containers and network", removed, err)
	}
}

// proxiedRuntime is a docker runtime whose client talks to socket.
func proxiedRuntime(t *testing.T, socket string) *docker.Runtime {
	t.Helper()
	old, had := os.LookupEnv("DOCKER_HOST")
	// Not t.Setenv: its restore would come after the cleanups that use
	// the real daemon. No test of this package runs in parallel.
	os.Setenv("DOCKER_HOST", "unix://"+socket) // read once, by docker.New
	rt, err := docker.New(context.Background())
	if had {
		os.Setenv("DOCKER_HOST", old)
	} else {
		os.Unsetenv("DOCKER_HOST")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.Close() })
	return rt
}

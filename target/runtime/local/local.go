// Package local is the local runtime, the fallback when no Docker daemon
// answers: it runs each replica as a process on this machine, listening on
// its own free port on 127.0.0.1, and reads its resource use from /proc.
//
// Limits are approximate, and records say so (Runtime.Approximate): cpus
// becomes GOMAXPROCS (rounded up), which caps the parallelism of a Go
// server but does not throttle it, and memory becomes GOMEMLIMIT, a soft
// limit that makes the Go garbage collector work harder but never kills
// the process.
// Neither applies to a non-Go Spec.Command. There is no CFS throttling and
// no OOM kill to report.
package local

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/loadlab/loadlab/target/runtime"
)

// DefaultStopTimeout is how long Close waits after SIGTERM before it sends
// SIGKILL.
const DefaultStopTimeout = 5 * time.Second

// Runtime starts replicas as local processes.
type Runtime struct {
	// StopTimeout is the grace period between SIGTERM and SIGKILL at
	// Close; zero means DefaultStopTimeout.
	StopTimeout time.Duration
}

// New returns a local runtime with default settings.
func New() *Runtime { return &Runtime{} }

// Name is "local".
func (r *Runtime) Name() string { return "local" }

// Approximate is true: limits are emulated with GOMAXPROCS and GOMEMLIMIT,
// not enforced by the kernel.
func (r *Runtime) Approximate() bool { return true }

// Deploy starts spec.Config.Replicas processes and returns once each
// answers spec.HealthPath (default /health) with 2xx on 127.0.0.1. Each
// replica runs, with the environment of loadlab plus GOMAXPROCS (from
// Config.CPUs), GOMEMLIMIT (from Config.MemoryBytes), PORT and spec.Env:
//   - Spec.Command when set, with "{port}" and "{addr}" in its arguments
//     replaced by the replica's port and 127.0.0.1:<port>;
//   - otherwise the reference API: `<Spec.Binary or this executable> serve
//     --addr 127.0.0.1:<port>`.
//
// On failure (or when ctx ends) every started process is stopped and the
// error names the replica and carries its last output lines.
func (r *Runtime) Deploy(ctx context.Context, spec runtime.Spec) (runtime.Deployment, error) {
	d, err := r.deploy(ctx, spec)
	if err != nil {
		return nil, err
	}
	return d, nil
}

func (r *Runtime) deploy(ctx context.Context, spec runtime.Spec) (*Deployment, error) {
	if err := validate(spec); err != nil {
		return nil, err
	}
	spec = spec.WithDefaults()
	program, err := programOf(spec)
	if err != nil {
		return nil, fmt.Errorf("deploy %s: %w", spec.Config.Name, err)
	}
	stop := r.StopTimeout
	if stop <= 0 {
		stop = DefaultStopTimeout
	}
	d := &Deployment{limits: spec.Config, stopTimeout: stop, last: map[string]runtime.ReplicaUsage{}}
	n := spec.Config.Replicas
	// Replicas start in parallel; the first failure stops the others.
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	reps := make([]*process, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		name := fmt.Sprintf("local-%s-%d", spec.Config.Name, i+1)
		wg.Go(func() {
			rep, err := d.startHealthy(wctx, name, program, spec)
			reps[i] = rep
			if err != nil && wctx.Err() == nil {
				errs[i] = fmt.Errorf("replica %s (%d of %d): %w%s", name, i+1, n, err, rep.tail())
				cancel()
			}
		})
	}
	wg.Wait()
	for _, rep := range reps {
		if rep != nil {
			d.replicas = append(d.replicas, rep)
		}
	}
	err = errors.Join(errs...)
	if ctx.Err() != nil {
		err = fmt.Errorf("deploy interrupted: %w", ctx.Err())
	}
	if err != nil {
		err = fmt.Errorf("deploy %s: %w", spec.Config.Name, err)
		if cerr := d.Close(ctx); cerr != nil {
			err = errors.Join(err, cerr)
		}
		return nil, err
	}
	return d, nil
}

// startAttempts bounds retries when a free port was taken between picking
// it and the replica binding it.
const startAttempts = 3

// startHealthy starts one replica and waits for its health check,
// retrying on a fresh port when the port was grabbed meanwhile.
func (d *Deployment) startHealthy(ctx context.Context, name string, program []string, spec runtime.Spec) (*process, error) {
	var rep *process
	var err error
	for attempt := 1; attempt <= startAttempts; attempt++ {
		var port int
		if port, err = freePort(); err != nil {
			return nil, err
		}
		rep, err = start(name, port, program, env(spec, port))
		if err != nil {
			return nil, err
		}
		alive := func() error { return rep.exitErr() }
		err = runtime.WaitHealthy(ctx, runtime.HealthURL(rep.url, spec.HealthPath), spec.HealthTimeout, alive)
		if err == nil {
			return rep, nil
		}
		if ctx.Err() != nil || rep.exitErr() == nil || !rep.logs.Contains("address already in use") {
			return rep, err
		}
		rep.stop(d.stopTimeout)
	}
	return rep, err
}

func validate(spec runtime.Spec) error {
	var errs []error
	if spec.Config.Replicas < 1 {
		errs = append(errs, fmt.Errorf("spec Config.Replicas %d: must be at least 1", spec.Config.Replicas))
	}
	if math.IsNaN(spec.Config.CPUs) || math.IsInf(spec.Config.CPUs, 0) || spec.Config.CPUs < 0 {
		errs = append(errs, fmt.Errorf("spec Config.CPUs %v: must be 0 (unlimited) or a positive number of cores", spec.Config.CPUs))
	}
	if spec.Config.MemoryBytes < 0 {
		errs = append(errs, fmt.Errorf("spec Config.MemoryBytes %d: must be 0 (unlimited) or positive", spec.Config.MemoryBytes))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("deploy %s: %w", spec.Config.Name, err)
	}
	return nil
}

// programOf is the command line to start, with placeholders unexpanded.
func programOf(spec runtime.Spec) ([]string, error) {
	if len(spec.Command) > 0 {
		return spec.Command, nil
	}
	bin := spec.Binary
	if bin == "" {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("find the loadlab executable to run the reference API: %w", err)
		}
		bin = exe
	}
	return []string{bin, "serve", "--addr", "{addr}"}, nil
}

// GOMAXPROCS is the local emulation of a CPU limit: cpus rounded up, at
// least 1; 0 (unlimited) means no setting.
func GOMAXPROCS(cpus float64) int {
	if cpus <= 0 {
		return 0
	}
	return max(1, int(math.Ceil(cpus-1e-9)))
}

// env is the replica's environment: loadlab's own, then the emulated
// limits, then PORT, then spec.Env (which wins).
func env(spec runtime.Spec, port int) []string {
	out := os.Environ()
	if p := GOMAXPROCS(spec.Config.CPUs); p > 0 {
		out = append(out, "GOMAXPROCS="+strconv.Itoa(p))
	}
	if m := spec.Config.MemoryBytes; m > 0 {
		out = append(out, "GOMEMLIMIT="+strconv.FormatInt(int64(m), 10))
	}
	out = append(out, "PORT="+strconv.Itoa(port))
	for k, v := range spec.Env {
		out = append(out, k+"="+v)
	}
	return out
}

// freePort asks the kernel for a free TCP port on 127.0.0.1.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port on 127.0.0.1: %w", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	return port, l.Close()
}

var (
	_ runtime.Runtime    = (*Runtime)(nil)
	_ runtime.Deployment = (*Deployment)(nil)
)

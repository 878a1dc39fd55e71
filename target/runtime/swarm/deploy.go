package swarm

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	apiswarm "github.com/docker/docker/api/types/swarm"
	"github.com/loadlab/loadlab/target/runtime"
)

// createTimeout bounds the request that creates the service. It is not
// cancelled with the caller's context: a create the client abandons may
// still happen in the manager after cleanup looked, and would be leaked.
const createTimeout = 20 * time.Second

// pollEvery is the interval between two task listings, while deploying
// and while watching the running service for events.
const pollEvery = 250 * time.Millisecond

// aliveEvery is how often a health wait asks whether its task still runs.
const aliveEvery = time.Second

// Deploy creates one service for spec: spec.Config.Replicas tasks of the
// spec's image (resolved and built on the manager by the docker runtime:
// other nodes must already hold the image, from a registry or loaded with
// `docker save <image> | docker -H <node> load`), each limited to
// spec.Config.CPUs cores and spec.Config.MemoryBytes bytes, restarted by
// Swarm when it fails, placed by the runtime's Options. It returns once
// every task runs and answers spec.HealthPath with 2xx at its URL. On any
// failure, including ctx being cancelled, the service is removed (and its
// containers awaited) before Deploy returns; the error names the task,
// its node, Swarm's error for it and its last log lines.
func (r *Runtime) Deploy(ctx context.Context, spec runtime.Spec) (runtime.Deployment, error) {
	d, err := r.deploy(ctx, spec)
	if err != nil {
		return nil, unavailable(err)
	}
	return d, nil
}

func (r *Runtime) deploy(ctx context.Context, spec runtime.Spec) (*Deployment, error) {
	res, err := validate(spec)
	if err != nil {
		return nil, err
	}
	spec = spec.WithDefaults()
	img, err := r.engine.ResolveImage(ctx, spec)
	if err != nil {
		return nil, fmt.Errorf("deploy %s: %w (the image is built or looked up on the manager's engine only)", spec.Config.Name, err)
	}
	if err := r.spreadImage(ctx, img.Ref); err != nil {
		return nil, fmt.Errorf("deploy %s: %w", spec.Config.Name, err)
	}
	d := newDeployment(r, spec, uint32(img.Port))
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("deploy %s: interrupted: %w", spec.Config.Name, err)
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), createTimeout)
	created, err := r.cli.ServiceCreate(cctx, serviceSpec(d.name, spec, img, res, r.opts, d.labels), apiswarm.ServiceCreateOptions{})
	cancel()
	if err != nil {
		return nil, fmt.Errorf("deploy %s: create service %s: %w", spec.Config.Name, d.name, err)
	}
	d.serviceID = created.ID
	d.watch()
	if err := d.start(ctx, spec); err != nil {
		if cerr := d.Close(ctx); cerr != nil {
			err = errors.Join(err, fmt.Errorf("clean up after failed deploy: %w", cerr))
		}
		return nil, fmt.Errorf("deploy %s: %w", spec.Config.Name, err)
	}
	return d, nil
}

// start waits until every task runs with a known URL, then until every
// task is healthy, all within spec.HealthTimeout.
func (d *Deployment) start(ctx context.Context, spec runtime.Spec) error {
	deadline := time.Now().Add(spec.HealthTimeout)
	running, err := d.waitRunning(ctx, deadline)
	if err != nil {
		return err
	}
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	var (
		wg       sync.WaitGroup
		errMu    sync.Mutex
		firstErr error
	)
	for _, t := range running {
		wg.Go(func() {
			err := runtime.WaitHealthy(wctx, runtime.HealthURL(t.url, spec.HealthPath), time.Until(deadline), d.alive(wctx, t.id))
			if err == nil {
				return
			}
			errMu.Lock()
			defer errMu.Unlock()
			if firstErr == nil && wctx.Err() == nil {
				firstErr = fmt.Errorf("%s is not healthy: %w%s%s", t.where(), err, d.meshHint(), d.logTail(ctx, t))
				stop()
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("deploy interrupted: %w", err)
	}
	return firstErr
}

// waitRunning polls the service's tasks until the configured number run
// with a URL. A task that fails or is rejected first is the error, with
// Swarm's message and the task's log lines; at the deadline, the tasks
// that do not run yet and Swarm's reason (e.g. "no suitable node").
func (d *Deployment) waitRunning(ctx context.Context, deadline time.Time) ([]task, error) {
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		at := time.Now()
		ts, err := d.tasks(ctx)
		if err != nil && ctx.Err() == nil {
			return nil, err
		}
		var running, waiting []task
		for _, t := range ts {
			switch {
			case t.failed():
				return nil, fmt.Errorf("%s failed before it was healthy: %s (exit code %d)%s%s", t.where(), t.message, t.exitCode, imageHint(t), d.logTail(ctx, t))
			case t.running() && t.url != "":
				running = append(running, t)
			case t.desired == apiswarm.TaskStateRunning:
				waiting = append(waiting, t)
			}
		}
		if len(running) >= d.replicas {
			d.setCurrent(ts, at) // URLs answer from this listing on
			return running, nil
		}
		if !time.Now().Before(deadline) {
			return nil, fmt.Errorf("%d of %d tasks run after the health timeout%s", len(running), d.replicas, describeWaiting(waiting))
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("deploy interrupted: %w", ctx.Err())
		case <-tick.C:
		}
	}
}

// meshHint, for a deployment behind the routing mesh, says that the mesh
// may be what does not answer.
func (d *Deployment) meshHint() string {
	if d.publish != PublishIngress {
		return ""
	}
	return "\nwith publish: ingress the health check goes through Swarm's routing mesh, which needs IPVS in the kernel (it does not answer on some kernels): try publish: host"
}

// imageHint says how to bring the image to a node that lacks it (images
// are built and looked up on the manager only; nothing is pulled).
func imageHint(t task) string {
	if !strings.Contains(strings.ToLower(t.message), "no such image") {
		return ""
	}
	return fmt.Sprintf("\nthe image is only in the manager's store: name node %s's engine in swarm.node_engines (loadlab then loads the image there itself), load it by hand (docker save %s | docker -H <that node's engine> load) or push it to a registry the nodes can pull from", t.nodeName(), t.image)
}

// describeWaiting lists tasks that do not run yet, with Swarm's state and
// message for each.
func describeWaiting(ts []task) string {
	if len(ts) == 0 {
		return " (Swarm has not created the other tasks)"
	}
	var b strings.Builder
	for _, t := range ts {
		fmt.Fprintf(&b, "\n  %s: %s", t.where(), t.state)
		if t.message != "" {
			fmt.Fprintf(&b, ": %s", t.message)
		}
		if t.state == apiswarm.TaskStateRunning && t.url == "" {
			b.WriteString(" (no published port or node address known)")
		}
	}
	return b.String()
}

// alive is WaitHealthy's check that the task still runs, asking the
// manager at most every aliveEvery.
func (d *Deployment) alive(ctx context.Context, id string) func() error {
	var last time.Time
	return func() error {
		if time.Since(last) < aliveEvery {
			return nil
		}
		last = time.Now()
		t, _, err := d.r.cli.TaskInspectWithRaw(ctx, id)
		if err != nil {
			return nil // the health wait goes on; its timeout bounds it
		}
		if t.Status.State != apiswarm.TaskStateRunning {
			return fmt.Errorf("task is %s: %s", t.Status.State, firstNonEmpty(t.Status.Err, t.Status.Message))
		}
		return nil
	}
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

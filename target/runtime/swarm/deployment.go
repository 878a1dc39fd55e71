package swarm

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	apiswarm "github.com/docker/docker/api/types/swarm"
	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/target/runtime"
)

// closeTimeout bounds Close, which runs on a fresh context so that it
// works after the caller's context was cancelled (Ctrl-C).
const closeTimeout = 45 * time.Second

// Deployment is one configuration running as a Swarm service. It is safe
// for concurrent use.
type Deployment struct {
	r          *Runtime
	limits     record.Config
	name       string // service name, also the prefix of replica names
	labels     map[string]string
	publish    string
	targetPort uint32
	replicas   int
	serviceID  string // set once created, before anything else runs

	mu        sync.Mutex
	ingress   uint32
	nodeCache map[string]apiswarm.Node
	current   []task    // the latest listing of the service's tasks
	currentAt time.Time // when that listing began

	// Event and accounting state, fed by the watcher (events.go).
	evMu      sync.Mutex
	events    []record.Event
	seen      map[string]*seenTask
	slots     map[int]*slotState
	closing   bool
	watchErr  error
	stopWatch context.CancelFunc
	watchDone chan struct{}

	// teardown makes Close safe to call more than once.
	teardown runtime.Teardown
}

func newDeployment(r *Runtime, spec runtime.Spec, targetPort uint32) *Deployment {
	tok := token()
	owner := spec.Owner
	if owner == (runtime.Owner{}) {
		owner = runtime.Self()
	}
	labels := owner.Labels()
	labels[LabelRun] = spec.RunID
	labels[LabelConfig] = spec.Config.Name
	labels[LabelDeployment] = tok
	return &Deployment{
		r:          r,
		limits:     spec.Config,
		name:       serviceName(spec.RunID, spec.Config.Name, tok),
		labels:     labels,
		publish:    r.opts.Publish,
		targetPort: targetPort,
		replicas:   spec.Config.Replicas,
		seen:       map[string]*seenTask{},
		slots:      map[int]*slotState{},
	}
}

// Name is the service's name.
func (d *Deployment) Name() string { return d.name }

// ServiceID is the service's ID in the swarm.
func (d *Deployment) ServiceID() string { return d.serviceID }

// Publish is how the API port is published (PublishHost or PublishIngress).
func (d *Deployment) Publish() string { return d.publish }

func (d *Deployment) endpoint() endpoint {
	d.mu.Lock()
	defer d.mu.Unlock()
	return endpoint{publish: d.publish, targetPort: d.targetPort, ingressPort: d.ingress, localNode: d.r.nodeID}
}

// replicaName is the name of a slot's replica in Usage and events:
// "<service>.<slot>". A slot's tasks (a failed one and its replacement)
// are one replica whose counters carry on.
func (d *Deployment) replicaName(slot int) string { return d.name + "." + strconv.Itoa(slot) }

// URLs are the base URLs of the tasks running at the last listing (the
// watcher lists them every pollEvery), one per task in slot order: a
// replacement task answers at a new port. With PublishIngress every
// task's URL is the routing mesh's port on 127.0.0.1.
func (d *Deployment) URLs() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for _, t := range d.current {
		if t.running() && t.url != "" {
			out = append(out, t.url)
		}
	}
	return out
}

// Tasks describes the tasks running at the last listing, one line each
// ("<slot> <task id> <node> <url>"), in slot order.
func (d *Deployment) Tasks() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for _, t := range d.current {
		if t.running() {
			out = append(out, fmt.Sprintf("%d %.12s %s %s", t.slot, t.id, t.nodeName(), t.url))
		}
	}
	return out
}

// Events returns the tasks' failures (exits, OOM kills) and their
// replacements by Swarm (restarts) seen so far, oldest first. An event's
// time is when the watcher saw it, at most pollEvery (250 ms) after Swarm
// recorded it: events are only ever appended, so a step's share of them
// never changes. Removal at Close and tasks Swarm shuts down itself (an
// update) are not events.
func (d *Deployment) Events() []record.Event {
	d.evMu.Lock()
	defer d.evMu.Unlock()
	return slices.Clone(d.events)
}

// Close removes the service, then force-removes its containers on every
// engine loadlab can reach (the manager's and Options.NodeEngines) and
// waits until they are gone (see awaitContainers); containers on other
// nodes are left to Swarm's agents, which remove them. It runs on a fresh bounded context, so it works after ctx
// was cancelled, and it is safe to call more than once: a later call
// retries only if an earlier one failed. No network is created: host-mode
// tasks use their node's default bridge, ingress ones the swarm's ingress
// network.
func (d *Deployment) Close(ctx context.Context) error {
	return unavailable(d.close(ctx))
}

func (d *Deployment) close(ctx context.Context) error {
	return d.teardown.Run(ctx, closeTimeout, func(ctx context.Context) error {
		d.evMu.Lock()
		d.closing = true
		d.evMu.Unlock()
		err := d.remove(ctx)
		if d.stopWatch != nil {
			d.stopWatch()
			<-d.watchDone
		}
		if err != nil {
			return fmt.Errorf("tear down service %s: %w", d.name, err)
		}
		return nil
	})
}

// remove deletes the service, then its containers.
func (d *Deployment) remove(ctx context.Context) error {
	if err := d.r.cli.ServiceRemove(ctx, d.serviceID); err != nil && !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("remove service: %w", err)
	}
	return d.r.awaitContainers(ctx, d.labels[LabelRun], LabelDeployment, d.labels[LabelDeployment])
}

// containerWait bounds how long Close waits for a removed service's
// containers to disappear.
const containerWait = 20 * time.Second

// awaitContainers removes the containers labelled key=value (of run) from
// the manager's engine and every node engine, once their service is gone
// (Swarm will not replace them; stopping them gracefully one by one, as
// Swarm's agents do, takes it about 1.8 s here), then waits until none is
// listed any more, at most containerWait.
func (r *Runtime) awaitContainers(ctx context.Context, run, key, value string) error {
	sel := func(labels map[string]string) bool { return labels[key] == value }
	engines := r.engines()
	deadline := time.Now().Add(containerWait)
	for {
		left := 0
		var errs []error
		for _, e := range engines {
			if _, err := e.Clean(ctx, run, sel); err != nil {
				errs = append(errs, err)
			}
			names, err := e.Leftovers(ctx, run, sel)
			if err != nil {
				return errors.Join(append(errs, fmt.Errorf("list the service's containers: %w", err))...)
			}
			left += len(names)
		}
		if left == 0 {
			return nil
		}
		if !time.Now().Before(deadline) {
			return errors.Join(append(errs, fmt.Errorf("%d container(s) of the service still present after %s", left, containerWait))...)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d container(s) of the service still present: %w", left, ctx.Err())
		case <-time.After(pollEvery):
		}
	}
}

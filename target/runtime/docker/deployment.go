package docker

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/target/runtime"
)

// closeTimeout bounds Close, which runs on a fresh context so that it
// works after the caller's context was cancelled (Ctrl-C).
const closeTimeout = 30 * time.Second

// Deployment is one configuration running as containers. It is safe for
// concurrent use.
type Deployment struct {
	r       *Runtime
	limits  record.Config
	network string // network name, also the prefix of container names
	labels  map[string]string

	mu        sync.Mutex
	networkID string
	replicas  []*replica

	// Event state, fed by watchEvents.
	evMu       sync.Mutex
	events     []record.Event
	dead       map[string]record.Event // replica name → its last exit
	ooms       map[string]int          // replica name → OOM kills seen
	oomAt      map[string]time.Time    // replica name → last OOM kill counted in its current life
	closing    bool
	stopEvents context.CancelFunc
	eventsDone chan struct{}
	eventsErr  error

	// last holds each replica's last sample, reported again once a
	// replica has stopped (its counters are gone with its cgroup).
	statsMu sync.Mutex
	last    map[string]runtime.ReplicaUsage

	// teardown makes Close safe to call more than once.
	teardown runtime.Teardown
}

// replica is one container of a deployment.
type replica struct {
	index int      // 1-based
	name  string   // container name, also the replica's name in records
	id    string   // container ID, set once created
	urls  []string // http://127.0.0.1:<host port>, one per published port, set once started
}

func newDeployment(r *Runtime, spec runtime.Spec) *Deployment {
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
		r:       r,
		limits:  spec.Config,
		network: fmt.Sprintf("loadlab-%s-%s-%s", sanitize(spec.RunID), sanitize(spec.Config.Name), tok),
		labels:  labels,
		dead:    map[string]record.Event{},
		ooms:    map[string]int{},
		oomAt:   map[string]time.Time{},
		last:    map[string]runtime.ReplicaUsage{},
	}
}

// URLs are the replicas' base URLs on 127.0.0.1: every published port of
// every replica, interleaved (replica 1 port 1, replica 2 port 1, …,
// replica 1 port 2, …) so that round-robin across them stays balanced
// across replicas.
func (d *Deployment) URLs() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for j := 0; ; j++ {
		added := false
		for _, rep := range d.replicas {
			if j < len(rep.urls) {
				out = append(out, rep.urls[j])
				added = true
			}
		}
		if !added {
			return out
		}
	}
}

// Names are the replicas' container names, in replica order; they are the
// replica names used in Usage and events.
func (d *Deployment) Names() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]string, 0, len(d.replicas))
	for _, rep := range d.replicas {
		out = append(out, rep.name)
	}
	return out
}

// Network is the name of the deployment's network.
func (d *Deployment) Network() string { return d.network }

// Events returns the replicas' exits, OOM kills and restarts seen so far,
// oldest first. Removal at Close is not an event.
func (d *Deployment) Events() []record.Event {
	d.evMu.Lock()
	defer d.evMu.Unlock()
	return slices.Clone(d.events)
}

// exited returns an error once the replica's container has died.
func (d *Deployment) exited(name string) error {
	d.evMu.Lock()
	defer d.evMu.Unlock()
	ev, ok := d.dead[name]
	if !ok {
		return nil
	}
	if ev.OOMKilled {
		return fmt.Errorf("container was OOM-killed (exit code %d)", ev.ExitCode)
	}
	return fmt.Errorf("container exited with code %d", ev.ExitCode)
}

// Close force-removes every container and the network of the deployment.
// It uses a fresh context bounded by closeTimeout, so it works even when
// ctx is cancelled, and it is safe to call more than once: a later call
// retries only if an earlier one failed.
func (d *Deployment) Close(ctx context.Context) error {
	return unavailable(d.close(ctx))
}

func (d *Deployment) close(ctx context.Context) error {
	return d.teardown.Run(ctx, closeTimeout, func(ctx context.Context) error {
		d.evMu.Lock()
		d.closing = true
		d.evMu.Unlock()
		err := d.remove(ctx)
		if d.stopEvents != nil {
			d.stopEvents()
			<-d.eventsDone
		}
		if err != nil {
			return fmt.Errorf("tear down %s: %w", d.network, err)
		}
		return nil
	})
}

// remove deletes the deployment's containers, found both by the IDs it
// created and by its label (a create cancelled mid-flight may still have
// happened in the daemon), then its network.
func (d *Deployment) remove(ctx context.Context) error {
	ids := map[string]bool{}
	d.mu.Lock()
	for _, rep := range d.replicas {
		if rep.id != "" {
			ids[rep.id] = true
		}
	}
	netID := d.networkID
	d.mu.Unlock()

	byLabel := filters.NewArgs(filters.Arg("label", LabelDeployment+"="+d.labels[LabelDeployment]))
	var errs []error
	for pass := 0; pass < 2; pass++ {
		list, err := d.r.cli.ContainerList(ctx, container.ListOptions{All: true, Filters: byLabel})
		if err != nil {
			errs = append(errs, fmt.Errorf("list containers: %w", err))
		}
		for _, c := range list {
			ids[c.ID] = true
		}
		if err := removeContainers(ctx, d.r, ids); err != nil {
			errs = append(errs, err)
		}
		clear(ids)
		nets, err := d.r.cli.NetworkList(ctx, network.ListOptions{Filters: byLabel})
		if err != nil {
			errs = append(errs, fmt.Errorf("list networks: %w", err))
		}
		netIDs := map[string]bool{}
		if netID != "" {
			netIDs[netID] = true
		}
		for _, n := range nets {
			netIDs[n.ID] = true
		}
		var netErr error
		for id := range netIDs {
			if err := d.r.cli.NetworkRemove(ctx, id); err != nil && !cerrdefs.IsNotFound(err) {
				netErr = errors.Join(netErr, fmt.Errorf("remove network %s: %w", d.network, err))
			}
		}
		if netErr == nil {
			return errors.Join(errs...)
		}
		// A container created by a cancelled request may have appeared
		// meanwhile and still hold the network: list again once.
		if pass == 1 {
			errs = append(errs, netErr)
		}
	}
	return errors.Join(errs...)
}

// removeContainers force-removes the given containers in parallel;
// containers already gone are not an error.
func removeContainers(ctx context.Context, r *Runtime, ids map[string]bool) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for id := range ids {
		wg.Go(func() {
			err := r.cli.ContainerRemove(ctx, id, container.RemoveOptions{Force: true, RemoveVolumes: true})
			if err != nil && !cerrdefs.IsNotFound(err) && !isRemovalInProgress(err) {
				mu.Lock()
				errs = append(errs, fmt.Errorf("remove container %.12s: %w", id, err))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// isRemovalInProgress reports the engine's conflict error for a container
// another request is already removing.
func isRemovalInProgress(err error) bool {
	return cerrdefs.IsConflict(err) && containsFold(err.Error(), "already in progress")
}

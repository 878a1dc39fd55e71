package docker

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/strslice"
	"github.com/docker/go-connections/nat"
	"github.com/loadlab/loadlab/target/runtime"
)

// LabelDeployment tells apart deployments of the same run and
// configuration (repeats); Close removes everything carrying its value.
const LabelDeployment = "loadlab.deployment"

// tmpfsSize bounds the writable /tmp of every replica (the root
// filesystem is read-only).
const tmpfsOptions = "rw,noexec,nosuid,size=16m"

// createTimeout bounds the requests that create and start one network or
// container in the engine. Those requests are not cancelled with
// the caller's context: a create the client abandons still happens in the
// daemon a moment later, after cleanup has looked, and would be leaked.
const createTimeout = 20 * time.Second

// uncancelled is the context of one create or start request: detached
// from ctx's cancellation, so that the object's ID is always known and
// removed by Close, but bounded by createTimeout. Callers check ctx.Err()
// before and after.
func uncancelled(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), createTimeout)
}

// interrupted wraps ctx's error once ctx is done, else returns nil.
func interrupted(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("deploy interrupted: %w", err)
	}
	return nil
}

// Deploy starts spec.Config.Replicas containers of the spec's image (see
// resolveImage for where images come from) on a network of their own,
// each limited to spec.Config.CPUs cores and spec.Config.MemoryBytes bytes
// of memory (swap included), with a read-only root filesystem and no new
// privileges, publishing the container port on 127.0.0.1 at a port the
// engine picks. It returns once every replica answers spec.HealthPath with
// 2xx. Spec.Command, when set, replaces the image's entrypoint and command.
//
// On any failure, including ctx being cancelled, everything created is
// removed before Deploy returns; an unhealthy replica's error carries its
// last log lines. Cancelling ctx does not abandon a create or start
// request in flight (see createTimeout): Deploy waits for it, at most
// createTimeout, so that what it created is known and removed.
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
	img, err := r.resolveImage(ctx, spec)
	if err != nil {
		return nil, fmt.Errorf("deploy %s: %w", spec.Config.Name, err)
	}

	d := newDeployment(r, spec)
	d.watchEvents(time.Now().Add(-time.Second))
	if err := d.start(ctx, spec, img, res); err != nil {
		if cerr := d.Close(ctx); cerr != nil {
			err = errors.Join(err, fmt.Errorf("clean up after failed deploy: %w", cerr))
		}
		return nil, fmt.Errorf("deploy %s: %w", spec.Config.Name, err)
	}
	return d, nil
}

// validate checks what Deploy needs from a spec and converts its limits.
func validate(spec runtime.Spec) (container.Resources, error) {
	var errs []error
	if spec.RunID == "" {
		errs = append(errs, errors.New("spec RunID: required (it labels every container)"))
	}
	if spec.Config.Name == "" {
		errs = append(errs, errors.New("spec Config.Name: required (it labels every container)"))
	}
	if spec.Config.Replicas < 1 {
		errs = append(errs, fmt.Errorf("spec Config.Replicas %d: must be at least 1", spec.Config.Replicas))
	}
	if spec.Port < 0 || spec.Port > 65535 {
		errs = append(errs, fmt.Errorf("spec Port %d: must be a TCP port 1-65535 (0: the one the image exposes)", spec.Port))
	}
	res, err := Resources(spec.Config)
	errs = append(errs, err)
	return res, errors.Join(errs...)
}

// start creates the network and the replicas and waits for health.
func (d *Deployment) start(ctx context.Context, spec runtime.Spec, img imageRef, res container.Resources) error {
	if err := interrupted(ctx); err != nil {
		return err
	}
	cctx, cancel := uncancelled(ctx)
	netResp, err := d.r.cli.NetworkCreate(cctx, d.network, network.CreateOptions{Driver: "bridge", Labels: d.labels})
	cancel()
	if err != nil {
		return fmt.Errorf("create network %s: %w", d.network, err)
	}
	d.mu.Lock()
	d.networkID = netResp.ID
	d.mu.Unlock()
	if err := interrupted(ctx); err != nil {
		return err
	}

	port, err := nat.NewPort("tcp", strconv.Itoa(img.port))
	if err != nil {
		return fmt.Errorf("container port %d: %w", img.port, err)
	}
	n := spec.Config.Replicas
	d.replicas = make([]*replica, n)
	for i := range n {
		d.replicas[i] = &replica{index: i + 1, name: fmt.Sprintf("%s-%d", d.network, i+1)}
	}
	// Start every replica, then wait for all of them to be healthy; both
	// in parallel, because deploy time is overhead paid per configuration.
	// The first failure stops the others: the deployment is lost anyway.
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	var (
		wg       sync.WaitGroup
		errMu    sync.Mutex
		firstErr error
	)
	fail := func(err error) {
		errMu.Lock()
		defer errMu.Unlock()
		if firstErr == nil && wctx.Err() == nil {
			firstErr = err
			stop()
		}
	}
	for _, rep := range d.replicas {
		wg.Go(func() {
			if err := d.startReplica(wctx, rep, spec, img, res, port); err != nil {
				fail(fmt.Errorf("start replica %s (%d of %d): %w%s", rep.name, rep.index, n, err, d.logTail(ctx, rep)))
				return
			}
			alive := func() error { return d.exited(rep.name) }
			if err := runtime.WaitHealthy(wctx, runtime.HealthURL(rep.urls[0], spec.HealthPath), spec.HealthTimeout, alive); err != nil {
				fail(fmt.Errorf("replica %s (%d of %d) is not healthy: %w%s", rep.name, rep.index, n, err, d.logTail(ctx, rep)))
			}
		})
	}
	wg.Wait()
	if err := interrupted(ctx); err != nil {
		return err
	}
	return firstErr
}

// startReplica creates and starts one container and reads back the host
// port the engine published. The create and start requests run to
// completion even when ctx is cancelled meanwhile (see uncancelled).
func (d *Deployment) startReplica(ctx context.Context, rep *replica, spec runtime.Spec, img imageRef, res container.Resources, port nat.Port) error {
	labels := maps.Clone(d.labels)
	labels[LabelReplica] = strconv.Itoa(rep.index)
	cfg := &container.Config{
		Image:        img.ref,
		Labels:       labels,
		Env:          envList(spec.Env),
		ExposedPorts: nat.PortSet{port: struct{}{}},
	}
	if len(spec.Command) > 0 {
		cfg.Entrypoint = strslice.StrSlice{spec.Command[0]}
		cfg.Cmd = strslice.StrSlice(slices.Clone(spec.Command[1:]))
	}
	host := &container.HostConfig{
		Resources:      res,
		NetworkMode:    container.NetworkMode(d.network),
		PortBindings:   nat.PortMap{port: bindings(spec.PortsPerReplica)},
		ReadonlyRootfs: true,
		SecurityOpt:    []string{"no-new-privileges"},
		Tmpfs:          map[string]string{"/tmp": tmpfsOptions},
		RestartPolicy:  container.RestartPolicy{Name: container.RestartPolicyDisabled},
	}
	if img.reference {
		host.CapDrop = []string{"ALL"}
		// loadlab polls /health over HTTP itself. The image's Docker
		// HEALTHCHECK would exec a second loadlab process inside the
		// container every 5 s: about 45 ms of CPU each, 18 % of a 0.05-CPU
		// limit, charged to the API and stalling it while throttled.
		cfg.Healthcheck = &container.HealthConfig{Test: []string{"NONE"}}
	}
	if err := interrupted(ctx); err != nil {
		return err
	}
	cctx, cancel := uncancelled(ctx)
	defer cancel()
	created, err := d.r.cli.ContainerCreate(cctx, cfg, host, &network.NetworkingConfig{
		EndpointsConfig: map[string]*network.EndpointSettings{d.network: {}},
	}, nil, rep.name)
	if err != nil {
		return fmt.Errorf("create container: %w", err)
	}
	d.mu.Lock()
	rep.id = created.ID
	d.mu.Unlock()
	if err := interrupted(ctx); err != nil {
		return err
	}
	if err := d.r.cli.ContainerStart(cctx, created.ID, container.StartOptions{}); err != nil {
		return fmt.Errorf("start container: %w", err)
	}
	if err := interrupted(ctx); err != nil {
		return err
	}
	inspect, err := d.r.cli.ContainerInspect(ctx, created.ID)
	if err != nil {
		return fmt.Errorf("inspect container: %w", err)
	}
	if st := inspect.State; st != nil && !st.Running {
		if st.OOMKilled {
			return fmt.Errorf("container was OOM-killed at start (exit code %d)", st.ExitCode)
		}
		return fmt.Errorf("container exited with code %d at start", st.ExitCode)
	}
	if inspect.NetworkSettings == nil || len(inspect.NetworkSettings.Ports[port]) == 0 {
		return fmt.Errorf("the engine published no host port for %s (container state %s)", port, stateOf(inspect))
	}
	var urls []string
	for _, b := range inspect.NetworkSettings.Ports[port] {
		if b.HostIP != "127.0.0.1" {
			return fmt.Errorf("port %s published on %q, not 127.0.0.1", port, b.HostIP)
		}
		urls = append(urls, "http://127.0.0.1:"+b.HostPort)
	}
	if want := len(bindings(spec.PortsPerReplica)); len(urls) != want {
		return fmt.Errorf("the engine published %d host ports for %s, want %d", len(urls), port, want)
	}
	d.mu.Lock()
	rep.urls = urls
	d.mu.Unlock()
	return nil
}

// bindings publishes the container port n times (at least once) on
// 127.0.0.1, each on a free port the engine picks.
func bindings(n int) []nat.PortBinding {
	out := make([]nat.PortBinding, max(n, 1))
	for i := range out {
		out[i] = nat.PortBinding{HostIP: "127.0.0.1", HostPort: ""}
	}
	return out
}

func stateOf(c container.InspectResponse) string {
	if c.ContainerJSONBase == nil || c.State == nil {
		return "unknown"
	}
	return string(c.State.Status)
}

// envList turns an environment map into sorted KEY=VALUE entries.
func envList(env map[string]string) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(env)) {
		out = append(out, k+"="+env[k])
	}
	return out
}

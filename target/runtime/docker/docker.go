// Package docker is the docker runtime: it deploys a target as N replica
// containers on the local Docker Engine (API version negotiated), each
// under the configuration's CPU and memory limits, publishing the API port
// on 127.0.0.1 only, and samples their resource counters from the stats
// API. It is the only package that imports the Docker client.
//
// Everything it creates carries the labels loadlab.run=<run id>,
// loadlab.config=<configuration> and the owner's loadlab.owner.pid,
// loadlab.owner.host and loadlab.owner.start (see runtime.Owner), so that
// Clean can remove what a killed run left behind and leave live runs
// alone. Containers run with a read-only root filesystem, no new
// privileges and a small tmpfs at /tmp; nothing is ever pulled: images
// come from the local store or are built here (see Deploy).
package docker

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/docker/docker/client"
	"github.com/loadlab/loadlab/target/runtime"
)

// Label keys set on every container and network loadlab creates.
const (
	LabelRun     = "loadlab.run"
	LabelConfig  = "loadlab.config"
	LabelReplica = "loadlab.replica"
)

// pingTimeout bounds the first contact with the daemon in New.
const pingTimeout = 5 * time.Second

// Runtime deploys targets on the local Docker Engine. It is safe for
// concurrent use.
type Runtime struct {
	cli *client.Client

	mu sync.Mutex
	// built remembers reference-image content hashes already checked or
	// built by this process, so repeated deploys skip the engine round trip.
	built map[string]bool
	// hashes caches binary content hashes by path, size and mtime.
	hashes map[fileKey]string
}

// New connects to the Docker daemon named by the environment (DOCKER_HOST,
// default unix socket), negotiates the API version and checks that the
// daemon answers. When none does it returns an error saying so; callers
// using --runtime auto fall back to the local runtime on that error.
func New(ctx context.Context) (*Runtime, error) {
	return connect(ctx, client.FromEnv)
}

// NewAt connects to the Docker daemon at host (e.g.
// "unix:///run/docker-n2.sock" or "tcp://10.0.0.2:2375") as New does. The
// swarm runtime uses it to sample the containers of tasks on other nodes,
// whose stats the manager's engine cannot see.
func NewAt(ctx context.Context, host string) (*Runtime, error) {
	return connect(ctx, client.FromEnv, client.WithHost(host))
}

func connect(ctx context.Context, opts ...client.Opt) (*Runtime, error) {
	cli, err := client.NewClientWithOpts(append(opts, client.WithAPIVersionNegotiation())...)
	if err != nil {
		return nil, fmt.Errorf("configure the Docker client: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	if _, err := cli.Ping(pctx); err != nil {
		_ = cli.Close()
		return nil, fmt.Errorf("no Docker daemon answers at %s: %w", cli.DaemonHost(), err)
	}
	return &Runtime{cli: cli, built: map[string]bool{}, hashes: map[fileKey]string{}}, nil
}

// Name is "docker".
func (r *Runtime) Name() string { return "docker" }

// Approximate is false: the kernel enforces the limits (cgroups).
func (r *Runtime) Approximate() bool { return false }

// EngineVersion is the daemon's version and negotiated API version, e.g.
// "20.10.24 (API 1.41)", for environment.json; on error it says "unknown"
// with the reason.
func (r *Runtime) EngineVersion(ctx context.Context) string {
	v, err := r.cli.ServerVersion(ctx)
	if err != nil {
		return "unknown: " + err.Error()
	}
	return fmt.Sprintf("%s (API %s)", v.Version, r.cli.ClientVersion())
}

// Close releases the client's connections. Deployments must be closed
// first.
func (r *Runtime) Close() error { return r.cli.Close() }

var (
	_ runtime.Runtime    = (*Runtime)(nil)
	_ runtime.Deployment = (*Deployment)(nil)
)

// unavailable marks err with runtime.ErrUnavailable when the daemon could
// not be reached (the socket is gone or refuses connections), so that a
// run stops instead of measuring a dead runtime.
func unavailable(err error) error {
	if err != nil && client.IsErrConnectionFailed(err) && !errors.Is(err, runtime.ErrUnavailable) {
		return fmt.Errorf("%w: %w", runtime.ErrUnavailable, err)
	}
	return err
}

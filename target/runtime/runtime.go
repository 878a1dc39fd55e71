// Package runtime is how any target is deployed and observed: the Runtime
// and Deployment interfaces that the docker, local, urls and swarm
// runtimes (its subpackages) implement, the deployment Spec, health polling, resource
// usage between two samples and the owner labels of a run's containers.
// The bundled reference API itself lives in target/refapi.
package runtime

import (
	"context"
	"errors"
	"time"

	"github.com/loadlab/loadlab/record"
)

// ErrUnavailable marks a runtime error meaning the runtime itself stopped
// answering (the Docker daemon went away): nothing more can be deployed,
// measured or removed until it is back, so a run stops.
var ErrUnavailable = errors.New("the container runtime stopped answering")

// Runtime deploys a target under one configuration's limits.
type Runtime interface {
	// Name is "docker", "local", "url" or "swarm"; it is recorded in every
	// step.
	Name() string
	// Approximate is true when the runtime only emulates a configuration's
	// CPU and memory limits instead of having the kernel enforce them;
	// every step records it (record.Config.Approximate) so that reports
	// qualify their verdicts.
	Approximate() bool
	// Deploy starts the configuration's replicas and returns once every
	// replica answers its health check, or with an error that names the
	// replica and carries its last log lines. On error nothing is left
	// running.
	Deploy(ctx context.Context, spec Spec) (Deployment, error)
}

// Deployment is a running configuration.
type Deployment interface {
	// URLs are the base URLs of the replicas, one per replica: on
	// 127.0.0.1 (e.g. "http://127.0.0.1:49153"), except for swarm tasks on
	// other nodes, reached at their node's swarm address.
	URLs() []string
	// Stats samples the replicas' cumulative resource counters now.
	Stats(ctx context.Context) (Usage, error)
	// Events returns what happened to replicas since the deployment
	// started (OOM kills, exits, restarts), oldest first.
	Events() []record.Event
	// Close stops and removes every replica and the network; it is safe
	// to call more than once and must run even when ctx is cancelled
	// (implementations use a fresh bounded context for removal).
	Close(ctx context.Context) error
}

// Spec is everything a runtime needs to deploy one configuration.
type Spec struct {
	// RunID labels everything created (loadlab.run=<RunID>).
	RunID string
	// Owner is the process that owns what is created (labelled with it,
	// see LabelOwnerPID); zero means this process (Self).
	Owner Owner
	// Config is the configuration's name and limits (CPUs and MemoryBytes
	// per replica, zero meaning unlimited) and its replica count; its
	// Runtime and Approximate fields are for the records and unused here.
	Config record.Config
	// Image is the image to run (docker); empty means the reference API.
	Image string
	// BuildContext, when set, is a directory with a Dockerfile to build
	// into Image first (docker).
	BuildContext string
	// Command overrides the image's command (docker) or is the program and
	// arguments to start (local); empty means the reference API.
	Command []string
	// Port is the port the API listens on inside the container (docker);
	// 0 means the image's exposed TCP port (an error unless it exposes
	// exactly one).
	Port int
	// HealthPath is polled until it answers 2xx (DefaultHealthPath when empty).
	HealthPath string
	// HealthTimeout bounds the wait for every replica to become healthy
	// (DefaultHealthTimeout when zero).
	HealthTimeout time.Duration
	// Env is extra environment for every replica.
	Env map[string]string
	// URLs are the base URLs to use as they are (url runtime only).
	URLs []string
	// PortsPerReplica is how many host ports the docker runtime publishes
	// for each replica (0 means 1). Docker's userland proxy serves each
	// published port with one process that holds six file descriptors per
	// connection and stops accepting for good at its descriptor limit
	// (about 3,300 connections with the engine's usual 20,000); spreading
	// users over several ports keeps each proxy under it. Deployment.URLs
	// then lists every port, interleaved across replicas so that
	// round-robin stays balanced.
	PortsPerReplica int
	// Binary is the loadlab executable that runs the reference API: the
	// local runtime starts it as `Binary serve --addr 127.0.0.1:<port>`,
	// and the docker runtime copies it into the FROM-scratch reference
	// image, so there it must be statically linked (CGO_ENABLED=0, as
	// `make build` does). Empty means the running executable. Unused when
	// Image, BuildContext (docker) or Command (local) is set.
	Binary string
}

// Usage is a snapshot of cumulative counters, per replica. The telemetry of
// a step is the difference of two snapshots (see Between).
type Usage struct {
	At       time.Time
	Replicas []ReplicaUsage
	// Unmeasured names the replicas that run but that this runtime cannot
	// sample (a swarm task on a node without an engine endpoint to read
	// its stats from). They are left out of Replicas, so totals cover the
	// measured replicas only, and Between says which were not measured:
	// never zeros that would read as a measurement.
	Unmeasured []string
}

// ReplicaUsage is one replica's cumulative counters at a point in time.
type ReplicaUsage struct {
	Name string
	// CPUSeconds is the replica's total CPU time since it started.
	CPUSeconds float64
	// CPULimit is the replica's CPU limit in cores (0 = unlimited).
	CPULimit float64
	// MemoryBytes is the current memory use; MemoryLimit the limit (0 = unlimited).
	MemoryBytes int64
	MemoryLimit int64
	// ThrottledPeriods and ThrottledSeconds are cumulative CFS throttling.
	ThrottledPeriods int64
	ThrottledSeconds float64
	// OOMKills and Restarts are cumulative.
	OOMKills int
	Restarts int
	// At is when the runtime read these counters, by its own clock (a
	// Docker stats response's read time); zero when unknown, and then the
	// snapshot's Usage.At stands for it.
	At time.Time
	// Clock names whose clock read At when a replica's reads can come
	// from more than one (a swarm task's node: its replacement may run on
	// another); "" for one engine. Between takes a replica's rate over its
	// own reads only when both ends name the same clock.
	Clock string
}

// WithDefaults is s with its health defaults applied: HealthPath
// DefaultHealthPath when empty, HealthTimeout DefaultHealthTimeout when not
// positive. Every runtime's Deploy starts from it.
func (s Spec) WithDefaults() Spec {
	if s.HealthPath == "" {
		s.HealthPath = DefaultHealthPath
	}
	if s.HealthTimeout <= 0 {
		s.HealthTimeout = DefaultHealthTimeout
	}
	return s
}

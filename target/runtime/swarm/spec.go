package swarm

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	apiswarm "github.com/docker/docker/api/types/swarm"
	"github.com/loadlab/loadlab/target/runtime"
	"github.com/loadlab/loadlab/target/runtime/docker"
)

// restartDelay is how long Swarm waits before replacing a failed task.
// Short, because a replacement is what a step measures during recovery.
const restartDelay = 500 * time.Millisecond

// stopGrace is how long a task may take to stop before it is killed.
const stopGrace = 5 * time.Second

// tmpfsBytes bounds the writable /tmp of every task (the root filesystem
// is read-only), as the docker runtime does.
const tmpfsBytes = 16 << 20

// maxServiceName is Swarm's limit on a service name (a DNS label).
const maxServiceName = 63

// serviceSpec is the Swarm service of one configuration: img under the
// spec's per-task limits (res, from docker.Resources), spec.Config.Replicas
// tasks replicated, restarted on failure, placed by opts, its API port
// published in opts.Publish mode (host: a port the engine picks on each
// task's node). labels go on the service and on its containers.
func serviceSpec(name string, spec runtime.Spec, img docker.Image, res container.Resources, opts Options, labels map[string]string) apiswarm.ServiceSpec {
	replicas := uint64(spec.Config.Replicas)
	delay, grace := restartDelay, stopGrace
	cs := &apiswarm.ContainerSpec{
		Image:           img.Ref,
		Labels:          maps.Clone(labels),
		Env:             envList(spec.Env),
		ReadOnly:        true,
		Privileges:      &apiswarm.Privileges{NoNewPrivileges: true},
		StopGracePeriod: &grace,
		Mounts: []mount.Mount{{
			Type: mount.TypeTmpfs, Target: "/tmp",
			TmpfsOptions: &mount.TmpfsOptions{SizeBytes: tmpfsBytes, Mode: 0o1777},
		}},
	}
	if len(spec.Command) > 0 {
		cs.Command = spec.Command[:1]
		cs.Args = slices.Clone(spec.Command[1:])
	}
	if img.Reference {
		// As in the docker runtime: no capabilities, and no Docker
		// HEALTHCHECK exec (loadlab polls /health over HTTP itself).
		cs.CapabilityDrop = []string{"ALL"}
		cs.Healthcheck = &container.HealthConfig{Test: []string{"NONE"}}
	}
	var limits *apiswarm.Limit
	if res.NanoCPUs > 0 || res.Memory > 0 {
		limits = &apiswarm.Limit{NanoCPUs: res.NanoCPUs, MemoryBytes: res.Memory}
	}
	var placement *apiswarm.Placement
	if len(opts.Constraints) > 0 || opts.MaxReplicasPerNode > 0 {
		placement = &apiswarm.Placement{Constraints: slices.Clone(opts.Constraints), MaxReplicas: opts.MaxReplicasPerNode}
	}
	mode := apiswarm.PortConfigPublishModeHost
	if opts.WithDefaults().Publish == PublishIngress {
		mode = apiswarm.PortConfigPublishModeIngress
	}
	return apiswarm.ServiceSpec{
		Annotations: apiswarm.Annotations{Name: name, Labels: maps.Clone(labels)},
		TaskTemplate: apiswarm.TaskSpec{
			ContainerSpec: cs,
			Resources:     &apiswarm.ResourceRequirements{Limits: limits},
			RestartPolicy: &apiswarm.RestartPolicy{Condition: apiswarm.RestartPolicyConditionOnFailure, Delay: &delay},
			Placement:     placement,
		},
		Mode: apiswarm.ServiceMode{Replicated: &apiswarm.ReplicatedService{Replicas: &replicas}},
		EndpointSpec: &apiswarm.EndpointSpec{Ports: []apiswarm.PortConfig{{
			Protocol:      apiswarm.PortConfigProtocolTCP,
			TargetPort:    uint32(img.Port),
			PublishedPort: 0, // the engine picks one: per task in host mode
			PublishMode:   mode,
		}}},
	}
}

// validate checks what Deploy needs from a spec and converts its limits
// with the docker runtime's rules (the same engine limits apply).
func validate(spec runtime.Spec) (container.Resources, error) {
	var errs []error
	if spec.RunID == "" {
		errs = append(errs, errors.New("spec RunID: required (it labels the service)"))
	}
	if spec.Config.Name == "" {
		errs = append(errs, errors.New("spec Config.Name: required (it labels the service)"))
	}
	if spec.Config.Replicas < 1 {
		errs = append(errs, fmt.Errorf("spec Config.Replicas %d: must be at least 1", spec.Config.Replicas))
	}
	if spec.Port < 0 || spec.Port > 65535 {
		errs = append(errs, fmt.Errorf("spec Port %d: must be a TCP port 1-65535 (0: the one the image exposes)", spec.Port))
	}
	if spec.PortsPerReplica > 1 {
		errs = append(errs, fmt.Errorf("spec PortsPerReplica %d: the swarm runtime publishes one port per task", spec.PortsPerReplica))
	}
	res, err := docker.Resources(spec.Config)
	errs = append(errs, err)
	return res, errors.Join(errs...)
}

// serviceName is "loadlab-<run>-<config>-<token>" in the characters
// Swarm accepts (lower-case letters, digits, '-'), cut to 63 characters
// with the token kept, so that repeats never collide.
func serviceName(run, config, tok string) string {
	base := dnsLabel("loadlab-" + run + "-" + config)
	if room := maxServiceName - len(tok) - 1; len(base) > room {
		base = strings.TrimRight(base[:room], "-")
	}
	return base + "-" + tok
}

// dnsLabel maps s onto [a-z0-9-], without repeated or leading '-'.
func dnsLabel(s string) string {
	var b strings.Builder
	dash := true
	for _, c := range strings.ToLower(s) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			b.WriteRune(c)
			dash = false
		} else if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimRight(b.String(), "-")
}

// token tells deployments of the same run and configuration apart.
func token() string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// envList turns an environment map into sorted KEY=VALUE entries.
func envList(env map[string]string) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(env)) {
		out = append(out, k+"="+env[k])
	}
	return out
}

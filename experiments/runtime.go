package experiments

import (
	"context"
	"errors"
	"fmt"
	goruntime "runtime"
	"strings"
	"time"

	"github.com/loadlab/loadlab/target/runtime"
	"github.com/loadlab/loadlab/target/runtime/docker"
	"github.com/loadlab/loadlab/target/runtime/local"
	"github.com/loadlab/loadlab/target/runtime/swarm"
	"github.com/loadlab/loadlab/target/runtime/urls"
)

// Runtime is the runtime chosen for a run, with the run-level services the
// CLI needs around it.
type Runtime struct {
	runtime.Runtime
	// Note says why this runtime was chosen when it is not the one asked
	// for (auto falling back to local); empty otherwise.
	Note   string
	docker *docker.Runtime
	// swarm is the swarm runtime (docker is then its manager's engine).
	swarm *swarm.Runtime
}

// SelectRuntime picks the runtime for e: the url runtime for running URLs;
// otherwise mode "docker", "local", "swarm" (a service per configuration
// on the swarm the engine manages, see selectSwarm), or "auto" (docker
// when the daemon answers, else local, saying so). Docker refuses e when
// its limits are beyond this machine (see hostProblems).
func SelectRuntime(ctx context.Context, mode string, e Experiment) (*Runtime, error) {
	if len(e.Target.URLs) > 0 {
		return &Runtime{Runtime: urls.New()}, nil
	}
	switch mode {
	case "docker":
		d, err := docker.New(ctx)
		if err != nil {
			return nil, fmt.Errorf("docker runtime: %w (start the Docker daemon, or use --runtime local)", err)
		}
		return withDocker(d, e)
	case "local":
		if !e.Target.IsReference() {
			return nil, fmt.Errorf("the local runtime runs only the reference API; target %s needs --runtime docker", describeTarget(e.Target))
		}
		if err := e.challengerOnLocal(); err != nil {
			return nil, err
		}
		return &Runtime{Runtime: local.New()}, nil
	case "swarm":
		return selectSwarm(ctx, e)
	case "auto", "":
		d, err := docker.New(ctx)
		if err == nil {
			return withDocker(d, e)
		}
		if !e.Target.IsReference() {
			return nil, fmt.Errorf("target %s needs Docker, which does not answer: %w", describeTarget(e.Target), err)
		}
		if lerr := e.challengerOnLocal(); lerr != nil {
			return nil, fmt.Errorf("%w; Docker does not answer: %w", lerr, err)
		}
		return &Runtime{Runtime: local.New(),
			Note: fmt.Sprintf("Docker does not answer (%v): using the local runtime, whose CPU and memory limits are approximate (GOMAXPROCS, GOMEMLIMIT)", err)}, nil
	}
	return nil, fmt.Errorf("runtime %q: use %s", mode, strings.Join(Runtimes, ", "))
}

// withDocker is the docker runtime d for e, or e's problems on this
// machine's engine (see hostProblems), found before anything is deployed.
func withDocker(d *docker.Runtime, e Experiment) (*Runtime, error) {
	if err := e.hostProblems(goruntime.NumCPU()); err != nil {
		return nil, errors.Join(err, d.Close())
	}
	return &Runtime{Runtime: d, docker: d}, nil
}

// Close releases the runtime's client.
func (r *Runtime) Close() error {
	if r.swarm != nil {
		return r.swarm.Close()
	}
	if r.docker != nil {
		return r.docker.Close()
	}
	return nil
}

// Leftovers warns about containers and networks of earlier runs still
// present (a killed run: its owner process is gone, see
// runtime.IsLeftover); empty when there are none. Live runs' objects are
// not leftovers.
func (r *Runtime) Leftovers(ctx context.Context) string {
	if r.docker == nil {
		return ""
	}
	names, err := r.docker.Leftovers(ctx, "", runtime.IsLeftover)
	if r.swarm != nil {
		svcs, serr := r.swarm.Leftovers(ctx, "", runtime.IsLeftover)
		names, err = append(svcs, names...), errors.Join(err, serr)
	}
	if err != nil || len(names) == 0 {
		return ""
	}
	return fmt.Sprintf("%d service(s)/container(s)/network(s) from earlier runs are still there: %s", len(names), strings.Join(names, ", "))
}

// Sweep removes every swarm service (under the swarm runtime, first),
// container and network of run runID, again and again
// (every 250 ms) until settle has passed: a create request cancelled
// mid-flight (Ctrl-C during a deploy) can still complete in the daemon
// after the deployment's own cleanup looked, and a network cannot go while
// a removal already in progress elsewhere still holds its container. It
// returns what it removed and the last pass's error; other runtimes have
// nothing to sweep.
func (r *Runtime) Sweep(ctx context.Context, runID string, settle time.Duration) ([]string, error) {
	if r.docker == nil {
		return nil, nil
	}
	var removed []string
	deadline := time.Now().Add(settle)
	for {
		var more []string
		var err error
		if r.swarm != nil {
			// Services first: Swarm would replace task containers removed
			// under a live service.
			more, err = r.swarm.Clean(ctx, runID, nil)
		}
		cont, cerr := r.docker.CleanRun(ctx, runID)
		more, err = append(more, cont...), errors.Join(err, cerr)
		removed = append(removed, more...)
		if !time.Now().Before(deadline) {
			return removed, err
		}
		if serr := sleep(ctx, 250*time.Millisecond); serr != nil {
			return removed, errors.Join(err, serr)
		}
	}
}

// EngineVersion is the Docker engine's version, or "" for other runtimes.
func (r *Runtime) EngineVersion(ctx context.Context) string {
	if r.docker == nil {
		return ""
	}
	return r.docker.EngineVersion(ctx)
}

// Addresses says where load will go, before any is sent.
func (r *Runtime) Addresses(e Experiment) string {
	if len(e.Target.URLs) > 0 {
		return strings.Join(e.Target.URLs, ", ")
	}
	if r.swarm != nil {
		if r.swarm.Publish() == swarm.PublishIngress {
			return "127.0.0.1 (the port the swarm's routing mesh publishes for each deployment)"
		}
		return "each task's node: 127.0.0.1 for tasks on this node, the node's swarm address for the others (ports published by Swarm, printed when healthy)"
	}
	return "127.0.0.1 (ports published by each deployment, printed when it is healthy)"
}

func describeTarget(t Target) string {
	switch {
	case t.Image != "":
		return "image " + t.Image
	case t.Build != "":
		return "build " + t.Build
	case t.Compose != "":
		return "compose " + t.Compose + " service " + t.Service
	}
	return "reference API"
}

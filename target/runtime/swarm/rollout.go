package swarm

import (
	"context"
	"errors"
	"fmt"
	"time"

	apiswarm "github.com/docker/docker/api/types/swarm"
	"github.com/loadlab/loadlab/target/runtime"
)

// UpdatePolicy is how Swarm rolls a service from one task spec to the
// next (its UpdateConfig): Parallelism tasks at a time (0: all at once),
// Delay between two batches, Order "start-first" (the new task starts
// before the old one stops) or "stop-first" (the default), FailureAction
// "pause" (the default), "continue" or "rollback", and Monitor, how long a
// new task is watched for failure (0: Swarm's default, 5 s).
type UpdatePolicy struct {
	Parallelism   uint64
	Delay         time.Duration
	Order         string
	FailureAction string
	Monitor       time.Duration
}

// Check reports what is wrong with p.
func (p UpdatePolicy) Check() error {
	var errs []error
	switch p.Order {
	case "", apiswarm.UpdateOrderStartFirst, apiswarm.UpdateOrderStopFirst:
	default:
		errs = append(errs, fmt.Errorf("update order %q: use %s or %s", p.Order, apiswarm.UpdateOrderStartFirst, apiswarm.UpdateOrderStopFirst))
	}
	switch p.FailureAction {
	case "", apiswarm.UpdateFailureActionPause, apiswarm.UpdateFailureActionContinue, apiswarm.UpdateFailureActionRollback:
	default:
		errs = append(errs, fmt.Errorf("update failure action %q: use pause, continue or rollback", p.FailureAction))
	}
	if p.Delay < 0 || p.Monitor < 0 {
		errs = append(errs, errors.New("update delay and monitor: must not be negative"))
	}
	return errors.Join(errs...)
}

// Update starts a rolling update of the service to image (empty: keep the
// current one) with env as its whole environment (nil: keep the current
// one), rolled out by Swarm under cfg, and returns once the manager
// accepted it (the rollout then runs on its own; see UpdateState and
// Versions). The image must be in the manager's local store (nothing is
// pulled; other nodes need it loaded too) and listen on the same port.
// Replacement tasks get new host ports: URLs follows them.
func (d *Deployment) Update(ctx context.Context, image string, env map[string]string, cfg UpdatePolicy) error {
	if err := cfg.Check(); err != nil {
		return err
	}
	if image != "" {
		if _, err := d.r.engine.ResolveImage(ctx, runtime.Spec{Image: image, Port: int(d.targetPort)}); err != nil {
			return fmt.Errorf("update service %s: %w", d.name, err)
		}
		if err := d.r.spreadImage(ctx, image); err != nil {
			return fmt.Errorf("update service %s: %w", d.name, err)
		}
	}
	svc, _, err := d.r.cli.ServiceInspectWithRaw(ctx, d.serviceID, apiswarm.ServiceInspectOptions{})
	if err != nil {
		return unavailable(fmt.Errorf("update service %s: inspect: %w", d.name, err))
	}
	spec := svc.Spec
	cs := *spec.TaskTemplate.ContainerSpec
	if image != "" {
		cs.Image = image
	}
	if env != nil {
		cs.Env = envList(env)
	}
	spec.TaskTemplate.ContainerSpec = &cs
	spec.TaskTemplate.ForceUpdate++ // roll even when image and env are unchanged
	spec.UpdateConfig = &apiswarm.UpdateConfig{
		Parallelism: cfg.Parallelism, Delay: cfg.Delay, Order: cfg.Order,
		FailureAction: cfg.FailureAction, Monitor: cfg.Monitor,
	}
	resp, err := d.r.cli.ServiceUpdate(ctx, d.serviceID, svc.Version, spec, apiswarm.ServiceUpdateOptions{})
	if err != nil {
		return unavailable(fmt.Errorf("update service %s: %w", d.name, err))
	}
	if len(resp.Warnings) > 0 {
		return fmt.Errorf("update service %s: the manager warned: %v", d.name, resp.Warnings)
	}
	return nil
}

// UpdateState is the state of the service's last update ("updating",
// "completed", "paused", "rollback_started", "rollback_completed", …;
// empty before any) and Swarm's message about it.
func (d *Deployment) UpdateState(ctx context.Context) (state, message string, err error) {
	svc, _, err := d.r.cli.ServiceInspectWithRaw(ctx, d.serviceID, apiswarm.ServiceInspectOptions{})
	if err != nil {
		return "", "", unavailable(fmt.Errorf("inspect service %s: %w", d.name, err))
	}
	if svc.UpdateStatus == nil {
		return "", "", nil
	}
	return string(svc.UpdateStatus.State), svc.UpdateStatus.Message, nil
}

// Versions counts the service's running tasks per image (the image
// reference of each task's spec, e.g. "loadlab/reference-api:dev").
func (d *Deployment) Versions(ctx context.Context) (map[string]int, error) {
	ts, err := d.tasks(ctx)
	if err != nil {
		return nil, unavailable(err)
	}
	out := map[string]int{}
	for _, t := range ts {
		if t.running() {
			out[t.image]++
		}
	}
	return out, nil
}

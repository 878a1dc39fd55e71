package swarm

import (
	"context"
	"errors"
	"fmt"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/filters"
	apiswarm "github.com/docker/docker/api/types/swarm"
	"github.com/loadlab/loadlab/target/runtime/docker"
)

// Leftovers lists the services that carry a loadlab.run label (of run
// runID, or of every run when it is "") and that sel selects (nil: all),
// as "service <name>". Their containers are the docker runtime's to list.
func (r *Runtime) Leftovers(ctx context.Context, runID string, sel docker.Select) ([]string, error) {
	return r.leftovers(ctx, runID, sel)
}

func (r *Runtime) leftovers(ctx context.Context, run string, sel docker.Select) ([]string, error) {
	svcs, err := r.services(ctx, run, sel)
	var out []string
	for _, s := range svcs {
		out = append(out, "service "+s.Spec.Name)
	}
	return out, err
}

// Clean removes the services that carry a loadlab.run label (of run
// runID, or of every run when it is "") and that sel selects, then their
// containers (see awaitContainers), and returns what it removed. Services go before containers: a task container
// removed under a live service would be replaced by Swarm.
func (r *Runtime) Clean(ctx context.Context, runID string, sel docker.Select) ([]string, error) {
	svcs, err := r.services(ctx, runID, sel)
	if err != nil {
		return nil, err
	}
	var removed []string
	var errs []error
	for _, s := range svcs {
		err := r.cli.ServiceRemove(ctx, s.ID)
		switch {
		case err == nil:
			removed = append(removed, "service "+s.Spec.Name)
		case cerrdefs.IsNotFound(err):
		default:
			errs = append(errs, fmt.Errorf("remove service %s: %w", s.Spec.Name, err))
			continue
		}
		if tok := s.Spec.Labels[LabelDeployment]; tok != "" {
			if err := r.awaitContainers(ctx, s.Spec.Labels[LabelRun], LabelDeployment, tok); err != nil {
				errs = append(errs, fmt.Errorf("containers of service %s: %w", s.Spec.Name, err))
			}
		}
	}
	return removed, errors.Join(errs...)
}

// services lists the labelled services of run (every run when "") that
// sel selects.
func (r *Runtime) services(ctx context.Context, run string, sel docker.Select) ([]apiswarm.Service, error) {
	f := filters.NewArgs(filters.Arg("label", LabelRun))
	if run != "" {
		f = filters.NewArgs(filters.Arg("label", LabelRun+"="+run))
	}
	list, err := r.cli.ServiceList(ctx, apiswarm.ServiceListOptions{Filters: f})
	if err != nil {
		return nil, fmt.Errorf("list loadlab services: %w", err)
	}
	var out []apiswarm.Service
	for _, s := range list {
		if sel == nil || sel(s.Spec.Labels) {
			out = append(out, s)
		}
	}
	return out, nil
}

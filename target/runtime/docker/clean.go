package docker

import (
	"context"
	"errors"
	"fmt"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
)

// Select chooses objects by their labels (nil selects all); see
// target.IsLeftover for the one `loadlab clean` uses.
type Select func(labels map[string]string) bool

// Leftovers lists the containers and networks that carry a loadlab.run
// label (of run runID, or of every run when it is "") and that sel
// selects, as "container <name>" and "network <name>".
func (r *Runtime) Leftovers(ctx context.Context, runID string, sel Select) ([]string, error) {
	return r.leftovers(ctx, runID, sel)
}

// Clean force-removes every container, then every network, that carries a
// loadlab.run label (of run runID, or of every run when it is "") and that
// sel selects, and returns what it removed.
func (r *Runtime) Clean(ctx context.Context, runID string, sel Select) ([]string, error) {
	return r.clean(ctx, runID, sel)
}

// CleanRun removes everything of one run, whoever owns it (a run's own
// teardown and sweeps).
func (r *Runtime) CleanRun(ctx context.Context, runID string) ([]string, error) {
	if runID == "" {
		return nil, errors.New("clean: empty run ID")
	}
	return r.clean(ctx, runID, nil)
}

// selected applies sel (nil selects all).
func (sel Select) selected(labels map[string]string) bool { return sel == nil || sel(labels) }

// runFilter selects everything of one run, or of every run when run is "".
func runFilter(run string) filters.Args {
	if run == "" {
		return filters.NewArgs(filters.Arg("label", LabelRun))
	}
	return filters.NewArgs(filters.Arg("label", LabelRun+"="+run))
}

func (r *Runtime) leftovers(ctx context.Context, run string, sel Select) ([]string, error) {
	f := runFilter(run)
	cs, err := r.cli.ContainerList(ctx, container.ListOptions{All: true, Filters: f})
	if err != nil {
		return nil, fmt.Errorf("list loadlab containers: %w", err)
	}
	ns, err := r.cli.NetworkList(ctx, network.ListOptions{Filters: f})
	if err != nil {
		return nil, fmt.Errorf("list loadlab networks: %w", err)
	}
	var out []string
	for _, c := range cs {
		if sel.selected(c.Labels) {
			out = append(out, "container "+containerName(c))
		}
	}
	for _, n := range ns {
		if sel.selected(n.Labels) {
			out = append(out, "network "+n.Name)
		}
	}
	return out, nil
}

func (r *Runtime) clean(ctx context.Context, run string, sel Select) ([]string, error) {
	f := runFilter(run)
	cs, err := r.cli.ContainerList(ctx, container.ListOptions{All: true, Filters: f})
	if err != nil {
		return nil, fmt.Errorf("list loadlab containers: %w", err)
	}
	var removed []string
	var errs []error
	for _, c := range cs {
		if !sel.selected(c.Labels) {
			continue
		}
		err := r.cli.ContainerRemove(ctx, c.ID, container.RemoveOptions{Force: true, RemoveVolumes: true})
		switch {
		case err == nil:
			removed = append(removed, "container "+containerName(c))
		case cerrdefs.IsNotFound(err) || isRemovalInProgress(err):
		default:
			errs = append(errs, fmt.Errorf("remove container %s: %w", containerName(c), err))
		}
	}
	ns, err := r.cli.NetworkList(ctx, network.ListOptions{Filters: f})
	if err != nil {
		return removed, errors.Join(append(errs, fmt.Errorf("list loadlab networks: %w", err))...)
	}
	for _, n := range ns {
		if !sel.selected(n.Labels) {
			continue
		}
		err := r.cli.NetworkRemove(ctx, n.ID)
		switch {
		case err == nil:
			removed = append(removed, "network "+n.Name)
		case cerrdefs.IsNotFound(err):
		default:
			errs = append(errs, fmt.Errorf("remove network %s: %w", n.Name, err))
		}
	}
	return removed, errors.Join(errs...)
}

func containerName(c container.Summary) string {
	if len(c.Names) > 0 {
		return strings.TrimPrefix(c.Names[0], "/")
	}
	return c.ID[:min(12, len(c.ID))]
}

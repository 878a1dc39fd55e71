package experiments

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

// fromCompose resolves target.compose/target.service into an image or a
// build context, the container port and the environment, read with the
// official compose-spec loader (interpolation and .env included), and the
// service's deploy: section (nil when it has none). Fields set explicitly
// in the experiment (port, env) win over the compose file.
func fromCompose(ctx context.Context, t Target) (Target, *types.DeployConfig, error) {
	opts, err := cli.NewProjectOptions([]string{t.Compose},
		cli.WithWorkingDirectory(filepath.Dir(t.Compose)),
		cli.WithOsEnv, cli.WithDotEnv, cli.WithName("loadlab"))
	if err != nil {
		return t, nil, fmt.Errorf("read compose file %s: %w", t.Compose, err)
	}
	project, err := opts.LoadProject(ctx)
	if err != nil {
		return t, nil, fmt.Errorf("load compose file %s: %w", t.Compose, err)
	}
	svc, err := project.GetService(t.Service)
	if err != nil {
		names := make([]string, 0, len(project.Services))
		for n := range project.Services {
			names = append(names, n)
		}
		sort.Strings(names)
		return t, nil, fmt.Errorf("compose file %s: target.service %q is not defined (services: %s)", t.Compose, t.Service, strings.Join(names, ", "))
	}
	out := t
	switch {
	case svc.Build != nil && svc.Build.Context != "":
		if svc.Build.Dockerfile != "" && filepath.Base(svc.Build.Dockerfile) != "Dockerfile" {
			return t, nil, fmt.Errorf("compose file %s: service %s builds with dockerfile %q: loadlab builds a context's ./Dockerfile only (build the image and set target.image instead)",
				t.Compose, t.Service, svc.Build.Dockerfile)
		}
		out.Build = svc.Build.Context
		if svc.Image != "" {
			out.Image = svc.Image
		}
	case svc.Image != "":
		out.Image = svc.Image
	default:
		return t, nil, fmt.Errorf("compose file %s: service %s has neither image nor build", t.Compose, t.Service)
	}
	if t.Port == 0 {
		if len(svc.Ports) > 0 && svc.Ports[0].Target > 0 {
			out.Port = int(svc.Ports[0].Target)
		}
	}
	if len(svc.Environment) > 0 {
		env := map[string]string{}
		for k, v := range svc.Environment {
			if v != nil {
				env[k] = *v
			}
		}
		for k, v := range t.Env {
			env[k] = v
		}
		out.Env = env
	}
	return out, svc.Deploy, nil
}

// ResolveTarget reads a compose target into image/build, port and env
// (and, under runtime swarm, its deploy: section: see fromComposeDeploy);
// other targets are returned as they are.
func (e Experiment) ResolveTarget(ctx context.Context) (Experiment, error) {
	if e.Target.Compose == "" {
		return e, nil
	}
	t, deploy, err := fromCompose(ctx, e.Target)
	if err != nil {
		return e, err
	}
	e.Target = t
	return e.fromComposeDeploy(deploy), nil
}

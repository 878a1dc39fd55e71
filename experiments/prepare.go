package experiments

import (
	"fmt"

	"gopkg.in/yaml.v3"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/rundir"
	"github.com/loadlab/loadlab/scenarios"
)

// Prepare creates the results directory outRoot/<runID> (see
// rundir.Create: never an existing one) and writes the resolved
// experiment.yaml, plan.json (see Plan) and environment.json into it. It
// fails before any load is sent when the directory cannot be created or
// written, with the path in the message.
func Prepare(outRoot, runID string, e Experiment, env rundir.Environment) (string, error) {
	dir, err := rundir.Create(outRoot, runID)
	if err != nil {
		return "", err
	}
	y, err := e.Resolved()
	if err != nil {
		return "", err
	}
	if err := rundir.WriteExperiment(dir, y); err != nil {
		return "", err
	}
	if err := record.WritePlan(dir, e.Plan(env.Runtime, env.RuntimeApproximate)); err != nil {
		return "", err
	}
	env.Experiment = e.Name
	env.ExperimentSrc = e.file
	if err := rundir.WriteEnvironment(dir, env); err != nil {
		return "", err
	}
	return dir, nil
}

// Resolved renders the experiment with defaults applied and the scenario
// inline: the exact definition a run used, re-runnable with loadlab run,
// with its secrets redacted (environment values except target.public_env,
// URL credentials, credential headers and secret query values show as
// <redacted>, and so does every other occurrence of a secret value the
// experiment knows, e.g. in a path or a body: put them back before
// running it again).
func (e Experiment) Resolved() ([]byte, error) {
	scrub := e.Redactor()
	e = e.redacted()
	type resolved struct {
		Experiment `yaml:",inline"`
		Scenario   scenarios.Scenario `yaml:"scenario"`
	}
	b, err := yaml.Marshal(resolved{Experiment: e, Scenario: e.Scenario})
	if err != nil {
		return nil, fmt.Errorf("encode resolved experiment: %w", err)
	}
	return []byte(scrub.String(string(b))), nil
}

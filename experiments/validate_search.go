package experiments

import (
	"errors"
	"fmt"
	"strings"

	"github.com/loadlab/loadlab/internal/yamlfile"
	"github.com/loadlab/loadlab/target/runtime/docker"
)

// searchProblems reports what is wrong with a limit search (e.Search,
// defaults applied): it replaces matrix and configs, needs the load it
// must serve (target_users) and one repeat, cannot set the limits of
// running URLs, and its own fields (search.Limits.Validate, against
// Docker's smallest limits) are prefixed "search.".
func (e Experiment) searchProblems() []FieldError {
	l := e.Search
	if l == nil {
		return nil
	}
	var ps []FieldError
	add := func(path, format string, a ...any) {
		ps = append(ps, FieldError{Field: path, Msg: fmt.Sprintf(format, a...)})
	}
	m := e.Matrix
	if len(e.Configs) > 0 || len(m.CPUs)+len(m.Memory)+len(m.Replicas) > 0 {
		add("search", "replaces configs and matrix: remove them or remove search")
	}
	if len(e.Target.URLs) > 0 {
		add("search", "target.urls runs APIs that are already running: loadlab cannot set their limits to search them; remove search or target.urls")
	}
	if e.TargetUsers <= 0 {
		add("target_users", "required with search: the load the smallest limits must serve (users, or requests/s under model rate), e.g. target_users: 10000")
	}
	if e.Repeat != 1 {
		add("repeat", "must be 1 with search (got %d): each trial is measured once, and a trial that contradicts the others is re-run by the search itself", e.Repeat)
	}
	if r := e.Scenario.Ramp; r.From != 0 || r.To != 0 || r.By != 0 || len(r.Steps) > 0 || r.Search != nil {
		add("scenario.ramp", "a limit search plans each trial's steps itself (a few quick steps up to target_users, then one held at it): "+
			"remove ramp.from, ramp.to, ramp.by, ramp.steps and ramp.search, keep ramp.hold and ramp.settle")
	}
	for i, r := range l.Replicas {
		if r > MaxReplicas {
			add(fmt.Sprintf("search.replicas[%d]", i), "must be from 1 to %d (got %d)", MaxReplicas, r)
		}
	}
	for _, err := range leaves(l.Validate(docker.MinCPUs, docker.MinMemoryBytes)) {
		field, msg := splitFieldError(err.Error())
		if fe := (*yamlfile.Error)(nil); errors.As(err, &fe) && fe.File == "" {
			field, msg = fe.Field, fe.Msg
		}
		add(yamlfile.Join("search", field), "%s", msg)
	}
	return ps
}

// scenarioProblems is the scenario's validation; under a limit search the
// ramp needs no load levels (each trial plans its own steps up to
// target_users), as the engine checks it then (Scenario.ValidateSteps);
// nor under a rollout, which holds rollout.hold_users or hold_rate.
func (e Experiment) scenarioProblems() error {
	if e.Search != nil || e.Rollout != nil {
		return e.Scenario.ValidateSteps()
	}
	return e.Scenario.Validate()
}

// leaves lists the errors err joins (errors.Join), or err itself.
func leaves(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, leaves(e)...)
		}
		return out
	}
	return []error{err}
}

// splitFieldError splits "cpus.min: must be > 0 (…)" into its field and
// message; a message that names no field (its head is not a field path)
// comes back whole, with field "".
func splitFieldError(s string) (field, msg string) {
	head, rest, ok := strings.Cut(s, ": ")
	if !ok || head == "" || strings.ContainsAny(head, " \t") {
		return "", s
	}
	return head, rest
}

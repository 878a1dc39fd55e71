package experiments

import (
	"maps"
	"slices"

	"github.com/loadlab/loadlab/redact"
)

// Redactor scrubs the experiment's secrets from free text (console lines,
// stop reasons, failures, an API's log lines): URL credentials and secret
// query values by pattern, plus every secret value the experiment holds —
// target.env values not listed in target.public_env, and the scenario's
// credential headers and secret query values.
func (e Experiment) Redactor() *redact.Redactor {
	var known []string
	for _, k := range slices.Sorted(maps.Keys(e.Target.Env)) {
		if !slices.Contains(e.Target.PublicEnv, k) {
			known = append(known, e.Target.Env[k])
		}
	}
	if e.Challenger != nil {
		for _, k := range slices.Sorted(maps.Keys(e.Challenger.To.Env)) {
			if !slices.Contains(e.Target.PublicEnv, k) {
				known = append(known, e.Challenger.To.Env[k])
			}
		}
	}
	for _, u := range e.Target.URLs {
		known = append(known, redact.Values(u)...)
	}
	known = append(known, e.Scenario.Secrets()...)
	return redact.New(known...)
}

// redacted is the copy of e that results show: environment values masked
// except public ones, URLs without credentials or secret query values (the
// scenario redacts its own headers and paths when encoded).
func (e Experiment) redacted() Experiment {
	e.Target.Env = redact.Env(e.Target.Env, e.Target.PublicEnv)
	if e.Challenger != nil {
		ch := *e.Challenger
		ch.To.Env = redact.Env(ch.To.Env, e.Target.PublicEnv)
		e.Challenger = &ch
	}
	e.Target.URLs = slices.Clone(e.Target.URLs)
	for i, u := range e.Target.URLs {
		e.Target.URLs[i] = redact.URL(u)
	}
	return e
}

package record

import (
	"maps"
	"slices"

	"github.com/loadlab/loadlab/redact"
)

// Redacted returns a copy of r whose free-text fields (stop reason,
// failure, SLO breaches, generator warning, event replicas and messages,
// error kinds and their sample messages) went through x: URL credentials,
// secret query values and x's known secrets never reach steps.jsonl. A nil
// x redacts by pattern only. The run ID and the configuration name are
// identifiers the user chose, written as they are in experiment.yaml and
// plan.json: masking a known value inside one (a configuration named after
// an environment value) would make a finished run's steps miss its plan.
func (r Record) Redacted(x *redact.Redactor) Record {
	r.StopReason = x.String(r.StopReason)
	r.Failure = x.String(r.Failure)
	r.Generator.Warning = x.String(r.Generator.Warning)
	r.SLO.Breaches = x.Strings(slices.Clone(r.SLO.Breaches))
	if len(r.Events) > 0 {
		r.Events = slices.Clone(r.Events)
		for i := range r.Events {
			r.Events[i].Replica = x.String(r.Events[i].Replica)
			r.Events[i].Message = x.String(r.Events[i].Message)
		}
	}
	if len(r.ErrorsByKind) > 0 {
		kinds := make(map[string]int64, len(r.ErrorsByKind))
		for _, k := range slices.Sorted(maps.Keys(r.ErrorsByKind)) {
			kinds[x.String(k)] += r.ErrorsByKind[k]
		}
		r.ErrorsByKind = kinds
	}
	if len(r.ErrorSamples) > 0 {
		samples := make(map[string]string, len(r.ErrorSamples))
		for k, v := range r.ErrorSamples {
			samples[x.String(k)] = x.String(v)
		}
		r.ErrorSamples = samples
	}
	return r
}

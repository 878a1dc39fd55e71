package scenarios

import (
	"path/filepath"
	"slices"

	"github.com/loadlab/loadlab/redact"
)

// MarshalYAML renders the scenario in the file format Parse reads, field
// by field from the yaml tags, so that a resolved experiment.yaml can be
// run again from its results folder: the files it names (body_file,
// prompts.file, targets_file, tls.ca_file) are written as absolute paths,
// durations as "30s", headers as a mapping and bodies as YAML values.
// Secrets are written "<redacted>" (see package redact): credential header
// values (see Headers.MarshalYAML) and secret query values of request
// paths. Results never hold a secret.
func (s Scenario) MarshalYAML() (any, error) {
	type fields Scenario
	out := fields(s)
	out.Requests = slices.Clone(s.Requests)
	for i := range out.Requests {
		q := &out.Requests[i]
		q.Path = redact.URL(q.Path)
		if q.BodyFile != "" {
			q.BodyFile = absPath(s.Dir, q.BodyFile)
		}
		if q.Prompts != nil && q.Prompts.File != "" {
			pr := *q.Prompts
			pr.File = absPath(s.Dir, pr.File)
			q.Prompts = &pr
		}
	}
	if s.TargetsFile != "" {
		out.TargetsFile = absPath(s.Dir, s.TargetsFile)
	}
	if s.TLS.CAFile != "" {
		out.TLS.CAFile = absPath(s.Dir, s.TLS.CAFile)
	}
	return out, nil
}

// absPath is name resolved against dir and made absolute, so that a
// resolved scenario names the same file wherever it is written; name as
// given when the working directory cannot be read.
func absPath(dir, name string) string {
	p, err := filepath.Abs(resolvePath(dir, name))
	if err != nil {
		return name
	}
	return p
}

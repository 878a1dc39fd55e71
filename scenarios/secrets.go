package scenarios

import (
	"strings"

	"github.com/loadlab/loadlab/redact"
)

// Secrets lists the secret values the scenario sends: values of headers
// that carry credentials and of secret-looking query parameters in request
// paths (see package redact). A run scrubs them from everything it writes.
func (s Scenario) Secrets() []string {
	var out []string
	for _, r := range s.Requests {
		for _, h := range r.Headers {
			if redact.IsSecretHeader(h.Key) {
				out = append(out, h.Value)
				// "Bearer <token>": the token alone may show up too.
				if _, cred, ok := strings.Cut(h.Value, " "); ok {
					out = append(out, strings.TrimSpace(cred))
				}
			}
		}
		out = append(out, redact.Values(r.Path)...)
	}
	return out
}

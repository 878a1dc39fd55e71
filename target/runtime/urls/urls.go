// Package urls is the "url" runtime: no deployment at all. It hands back
// the base URLs of an API the user already runs, after checking they are
// http(s) URLs and, when a health path is given, that each answers it.
// loadlab does not manage that API, so it has no resource telemetry.
package urls

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/target/runtime"
)

// Runtime is the url runtime.
type Runtime struct{}

// New returns the url runtime.
func New() *Runtime { return &Runtime{} }

// Name is "url".
func (r *Runtime) Name() string { return "url" }

// Approximate is false: the url runtime sets no limits to emulate.
func (r *Runtime) Approximate() bool { return false }

// Deploy checks spec.URLs and returns them unchanged: every one must be an
// absolute http or https URL with a host, and, when spec.HealthPath is set,
// answer it with 2xx within spec.HealthTimeout. Limits are ignored.
func (r *Runtime) Deploy(ctx context.Context, spec runtime.Spec) (runtime.Deployment, error) {
	if len(spec.URLs) == 0 {
		return nil, errors.New("url runtime: no URLs given: list the base URLs of the running API (e.g. http://127.0.0.1:8000)")
	}
	var errs []error
	for i, raw := range spec.URLs {
		if err := Check(raw); err != nil {
			errs = append(errs, fmt.Errorf("url %d: %w", i+1, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("url runtime: %w", err)
	}
	if spec.HealthPath != "" {
		for i, raw := range spec.URLs {
			if err := runtime.WaitHealthy(ctx, runtime.HealthURL(raw, spec.HealthPath), spec.HealthTimeout, nil); err != nil {
				errs = append(errs, fmt.Errorf("url %d (%s): %w", i+1, raw, err))
			}
		}
		if err := errors.Join(errs...); err != nil {
			return nil, fmt.Errorf("url runtime: %w", err)
		}
	}
	return &Deployment{urls: slices.Clone(spec.URLs)}, nil
}

// Check reports whether raw is an absolute http(s) URL with a host and
// nothing a base URL should not carry (user info, query, fragment).
func Check(raw string) error {
	if !strings.Contains(raw, "://") {
		return fmt.Errorf("%q: needs a scheme, http or https (e.g. http://%s)", raw, raw)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%q is not a URL: %w", raw, err)
	}
	var problems []string
	if u.Scheme != "http" && u.Scheme != "https" {
		problems = append(problems, "scheme must be http or https")
	}
	if u.Host == "" || u.Hostname() == "" {
		problems = append(problems, "needs a host (e.g. http://127.0.0.1:8000)")
	}
	if u.User != nil {
		problems = append(problems, "must not carry user:password (use a header instead)")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		problems = append(problems, "must be a base URL without query or fragment")
	}
	if len(problems) > 0 {
		return fmt.Errorf("%q: %s", raw, strings.Join(problems, "; "))
	}
	return nil
}

// Deployment is a set of URLs loadlab does not manage.
type Deployment struct{ urls []string }

// URLs are the URLs given, unchanged.
func (d *Deployment) URLs() []string { return slices.Clone(d.urls) }

// Stats returns an empty usage: nothing is known about the API's resources.
func (d *Deployment) Stats(ctx context.Context) (runtime.Usage, error) {
	return runtime.Usage{}, nil
}

// Events is always empty.
func (d *Deployment) Events() []record.Event { return nil }

// Close does nothing: the API is not loadlab's to stop.
func (d *Deployment) Close(ctx context.Context) error { return nil }

var (
	_ runtime.Runtime    = (*Runtime)(nil)
	_ runtime.Deployment = (*Deployment)(nil)
)

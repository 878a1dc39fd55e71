package experiments

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/loadlab/loadlab/redact"
	"github.com/loadlab/loadlab/slo"
	"github.com/loadlab/loadlab/target/runtime/docker"
)

// MaxReplicas bounds replicas per configuration.
const MaxReplicas = 64

// MaxConfigs bounds the configurations of one experiment (the matrix
// product plus the explicit configs); each takes minutes to run.
const MaxConfigs = 1000

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// Validate reports every problem of the experiment at once, each naming
// the field and what is allowed.
func (e Experiment) Validate() error {
	var errs []error
	for _, fe := range e.problems() {
		errs = append(errs, &fe)
	}
	return errors.Join(errs...)
}

func (e Experiment) problems() []FieldError {
	var ps []FieldError
	add := func(path, format string, a ...any) {
		ps = append(ps, FieldError{Field: path, Msg: fmt.Sprintf(format, a...)})
	}
	if !nameRE.MatchString(e.Name) {
		add("name", "%q must be letters, digits, '.', '_' or '-' (it names the results folder)", e.Name)
	}

	ps = append(ps, e.placementProblems()...)
	ps = append(ps, e.rolloutProblems()...)
	t := e.Target
	kinds := 0
	for _, set := range []bool{t.Image != "", t.Build != "", t.Compose != "", len(t.URLs) > 0} {
		if set {
			kinds++
		}
	}
	if kinds > 1 {
		add("target", "set only one of image, build, compose and urls (none means the reference API)")
	}
	if t.Compose != "" && t.Service == "" {
		add("target.service", "required with target.compose: name the service to deploy")
	}
	if t.Service != "" && t.Compose == "" {
		add("target.compose", "target.service needs target.compose, the compose file that defines it")
	}
	if t.Port < 0 || t.Port > 65535 { // 0: the image's exposed port
		add("target.port", "must be a port from 1 to 65535 (got %d)", t.Port)
	}
	if !strings.HasPrefix(t.HealthPath, "/") {
		add("target.health_path", "must start with / (got %q)", t.HealthPath)
	}
	if t.HealthTimeout <= 0 {
		add("target.health_timeout", "must be a positive duration such as 60s (got %s)", t.HealthTimeout)
	}
	for i, u := range t.URLs {
		if msg := urlProblem(u); msg != "" {
			add(fmt.Sprintf("target.urls[%d]", i), "%s", msg)
		}
	}
	for i, name := range t.PublicEnv {
		if name == "" {
			add(fmt.Sprintf("target.public_env[%d]", i), "empty name: list names of target.env entries whose values may appear in results")
		}
	}

	for i, c := range e.Matrix.CPUs {
		if c <= 0 {
			add(fmt.Sprintf("matrix.cpus[%d]", i), "must be > 0 cores, e.g. 0.5 (got %v)", c)
		}
	}
	for i, m := range e.Matrix.Memory {
		if m < docker.MinMemoryBytes {
			add(fmt.Sprintf("matrix.memory[%d]", i), "must be at least 6m, Docker's minimum (got %s)", m)
		}
	}
	for i, r := range e.Matrix.Replicas {
		if r < 1 || r > MaxReplicas {
			add(fmt.Sprintf("matrix.replicas[%d]", i), "must be from 1 to %d (got %d)", MaxReplicas, r)
		}
	}
	for i, c := range e.Configs {
		p := fmt.Sprintf("configs[%d]", i)
		if c.CPUs < 0 {
			add(p+".cpus", "must be > 0 cores, or omitted for unlimited (got %v)", c.CPUs)
		}
		if c.MemoryBytes != 0 && c.MemoryBytes < docker.MinMemoryBytes {
			add(p+".memory", "must be at least 6m, Docker's minimum, or omitted for unlimited (got %s)", c.MemoryBytes)
		}
		if c.Replicas < 0 || c.Replicas > MaxReplicas {
			add(p+".replicas", "must be from 1 to %d (got %d)", MaxReplicas, c.Replicas)
		}
		if c.Name != "" && !nameRE.MatchString(c.Name) {
			add(p+".name", "%q must be letters, digits, '.', '_' or '-'", c.Name)
		}
	}
	ps = append(ps, e.searchProblems()...)
	ps = append(ps, e.generatorProblems()...)
	ps = append(ps, e.challengerProblems()...)
	ps = append(ps, e.streamingProblems()...)
	if n := e.configCount(); n > MaxConfigs {
		add("matrix", "%d configurations (cpus × memory × replicas, plus configs): at most %d", n, MaxConfigs)
	} else {
		seen := map[string]bool{}
		for _, c := range e.Expand() {
			if seen[c.Name] {
				add("configs", "configuration %q appears twice: give each a distinct name or limits", c.Name)
			}
			seen[c.Name] = true
		}
	}
	if len(t.URLs) > 0 && (len(e.Matrix.CPUs)+len(e.Matrix.Memory)+len(e.Configs) > 0) {
		add("matrix", "target.urls runs APIs that are already running: loadlab cannot set their limits, remove matrix/configs")
	}

	if _, err := slo.Parse(e.SLO); err != nil {
		add("slo", "%v", err)
	}
	if _, err := slo.Parse(e.Gates); err != nil {
		add("gates", "%v", err)
	}
	if e.TargetUsers < 0 {
		add("target_users", "must be ≥ 0 (got %d)", e.TargetUsers)
	}
	if err := CheckRepeat(e.Repeat); err != nil {
		add("repeat", "%v", err)
	}
	if e.Cooldown < 0 {
		add("cooldown", "must be ≥ 0 (got %s)", e.Cooldown)
	}
	if e.Warmup < 0 {
		add("warmup", "must be ≥ 0 (got %s)", e.Warmup)
	}
	scErr := e.scenarioProblems()
	if scErr != nil {
		for _, line := range strings.Split(scErr.Error(), "\n") {
			add("scenario", "%s", line)
		}
	}
	return append(ps, e.boundProblems(scErr == nil)...)
}

// configCount is len(e.Expand()) without expanding (1 for a limit
// search, whose trials are decided as it runs).
func (e Experiment) configCount() int {
	if e.Search != nil {
		return 1
	}
	m := e.Matrix
	n := 0
	if len(m.CPUs)+len(m.Memory)+len(m.Replicas) > 0 {
		n = max(1, len(m.CPUs)) * max(1, len(m.Memory)) * max(1, len(m.Replicas))
	}
	return max(1, n+len(e.Configs))
}

// urlProblem says what is wrong with a base URL of target.urls ("" when
// nothing): it must be http(s) with a host and carry no credentials, which
// loadlab would not send. The URL is quoted redacted.
func urlProblem(raw string) string {
	pu, err := url.Parse(raw)
	if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
		return fmt.Sprintf("%q must be an http:// or https:// URL with a host, e.g. http://127.0.0.1:8000", redact.URL(raw))
	}
	if pu.User != nil {
		return fmt.Sprintf("%q carries user:password, which loadlab does not send: remove it and send the credentials "+
			"as a request header of the scenario, e.g. headers: {Authorization: Basic <base64 of user:password>}", redact.URL(raw))
	}
	return ""
}

// Package experiments defines experiment files (a target, a matrix of
// resource limits, a scenario, an SLO and the capacity question) and runs
// them: for each configuration and repeat, deploy the target, ramp load,
// record every step, tear down.
package experiments

import (
	"fmt"
	"time"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/scenarios"
	"github.com/loadlab/loadlab/search"
	"github.com/loadlab/loadlab/target/runtime"
)

// Experiment is the single source of truth for an experiment: the YAML
// file decodes into it, `loadlab run` flags override it, and the resolved
// copy is written to results/<run>/experiment.yaml.
type Experiment struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description,omitempty"`
	Target      Target `yaml:"target,omitempty"`
	Matrix      Matrix `yaml:"matrix,omitempty"`
	// Configs is an explicit list of configurations, used instead of (or
	// in addition to) the matrix.
	// Each has a name (default: Config.AutoName), cpus, memory (a size
	// such as 512m, 1g or 1t) and replicas (default 1).
	Configs []record.Config `yaml:"configs,omitempty"`
	// Search, instead of matrix and configs, asks for the smallest limits
	// that serve TargetUsers within the SLO: for each replica count, CPU
	// per replica bisected on a grid, memory fixed or searched (see
	// search.Limits and limitsearch.go). Nil for an experiment that lists
	// its configurations.
	Search *search.Limits `yaml:"search,omitempty"`
	// Scenario is the resolved scenario: inline in the file, or loaded
	// from the file its "scenario" key names.
	Scenario scenarios.Scenario `yaml:"-"`
	// SLO is an slo expression, e.g. "p95<1s,error_rate<1%".
	SLO string `yaml:"slo,omitempty"`
	// TargetUsers is the load the capacity question asks about: users, or
	// requests per second for an open-loop scenario.
	TargetUsers int `yaml:"target_users,omitempty"`
	// Repeat runs every configuration this many times (default 1, from 1
	// to MaxRepeat; see CheckRepeat).
	Repeat int `yaml:"repeat,omitempty"`
	// Cooldown is the pause between configurations.
	Cooldown time.Duration `yaml:"cooldown,omitempty"`
	// Warmup is a period of load at the first step's level before the
	// ramp, excluded from every measurement.
	Warmup time.Duration `yaml:"warmup,omitempty"`
	// Gates are slo expressions that `loadlab gate` and `run --gate`
	// evaluate on the recorded run.
	Gates string `yaml:"gates,omitempty"`
	// Generators is the number of load generators (see generators.go).
	Generators int `yaml:"generators,omitempty" nonzero:"from 1 to 64"`
	// Placement is the runtime: field and the swarm: block (swarm.go).
	Placement `yaml:",inline"`
	// Rollout, when set, measures Swarm rolling updates under load instead of a ramp (rollout.go).
	Rollout *Rollout `yaml:"rollout,omitempty"`

	// file is the path the experiment was loaded from ("" when built in code).
	file string
	// lineOf is the line of a field path in file (see yamlfile.Doc.Line);
	// nil when built in code. It places the problems found once the run
	// knows its runtime (see hostProblems).
	lineOf func(path string) int
}

// Target says what to deploy. With none of Image, Build, Compose and URLs
// set, the bundled reference inference API is deployed.
type Target struct {
	// Image is a user's image, already present in the local engine.
	Image string `yaml:"image,omitempty"`
	// Build is a directory with a Dockerfile, relative to the experiment file.
	Build string `yaml:"build,omitempty"`
	// Compose and Service name a service of a user's compose file; its
	// image or build context, port and environment are used.
	Compose string `yaml:"compose,omitempty"`
	Service string `yaml:"service,omitempty"`
	// URLs are APIs already running (the url runtime): nothing is deployed.
	URLs []string `yaml:"urls,omitempty"`
	// Port is the port the API listens on inside the container; unset
	// means the image's exposed port (runtime.Spec.Port), the compose
	// service's first port for a compose target.
	Port int `yaml:"port,omitempty"`
	// HealthPath is polled until it answers 2xx (default
	// runtime.DefaultHealthPath, /health).
	HealthPath string `yaml:"health_path,omitempty"`
	// HealthTimeout bounds the wait for health (default
	// runtime.DefaultHealthTimeout, 60s).
	HealthTimeout time.Duration `yaml:"health_timeout,omitempty"`
	// Env is extra environment for every replica. Its values are secret:
	// results show them as <redacted>, except those named in PublicEnv.
	Env map[string]string `yaml:"env,omitempty"`
	// PublicEnv names the Env entries whose values may be written to
	// results and reports (e.g. LOG_LEVEL).
	PublicEnv []string `yaml:"public_env,omitempty"`
}

// IsReference reports whether the target is the bundled reference API.
func (t Target) IsReference() bool {
	return t.Image == "" && t.Build == "" && t.Compose == "" && len(t.URLs) == 0
}

// Matrix is expanded as the cartesian product cpus × memory × replicas.
type Matrix struct {
	CPUs     []float64      `yaml:"cpus,omitempty"`
	Memory   []record.Bytes `yaml:"memory,omitempty"`
	Replicas []int          `yaml:"replicas,omitempty"`
}

// MaxRepeat bounds an experiment's repeat: and the --repeat flags of run
// and ramp: every configuration (or ramp) runs from 1 to MaxRepeat times.
const MaxRepeat = 100

// CheckRepeat says why n runs of every configuration are refused: nil
// when 1 ≤ n ≤ MaxRepeat, else an error such as "must be from 1 to 100
// (got 0)". The repeat: field and the --repeat flags share it.
func CheckRepeat(n int) error {
	if n < 1 || n > MaxRepeat {
		return fmt.Errorf("must be from 1 to %d (got %d)", MaxRepeat, n)
	}
	return nil
}

// DefaultSLO judges every step when the file sets no slo.
const DefaultSLO = "p95<1s,error_rate<1%"

// WithDefaults returns a copy with every unset field at its default;
// target.port stays 0, which means the image's exposed port.
func (e Experiment) WithDefaults() Experiment {
	if e.Repeat == 0 {
		e.Repeat = 1
	}
	if e.Target.HealthPath == "" {
		e.Target.HealthPath = runtime.DefaultHealthPath
	}
	if e.Target.HealthTimeout == 0 {
		e.Target.HealthTimeout = runtime.DefaultHealthTimeout
	}
	if e.SLO == "" {
		e.SLO = DefaultSLO
	}
	if e.Search != nil {
		l := e.Search.WithDefaults()
		e.Search = &l
	}
	e.Scenario = e.Scenario.WithDefaults()
	return e
}

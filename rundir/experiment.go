package rundir

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/loadlab/loadlab/search"
	"github.com/loadlab/loadlab/slo"
)

// WriteExperiment writes the resolved experiment (YAML text, its secrets
// already redacted: experiments.Experiment.Resolved) to
// dir/experiment.yaml, synced.
func WriteExperiment(dir string, resolved []byte) error {
	return WriteFile(filepath.Join(dir, ExperimentFile), resolved)
}

// Experiment is what reports and gates read of a run's experiment.yaml:
// the few top-level keys they need, decoded leniently (every other key is
// ignored), plus the text itself to show verbatim.
type Experiment struct {
	// Name is the experiment's name ("" when the file has none).
	Name string
	// SLO judges every step (nil when the file has none).
	SLO slo.SLO
	// Gates is the gates: expression, as written ("" when none or not a
	// string).
	Gates string
	// TargetLoad is the load the capacity question asks about, in the
	// run's unit (users, or requests per second for an open-loop run);
	// 0 when the file does not say.
	TargetLoad int
	// Search is the experiment's limit search (its search: key) as
	// written in the resolved file; nil when the file has none, or when it
	// cannot be read as one (an old run must still read: SearchProblem
	// says why).
	Search *search.Limits
	// SearchProblem says why a search: key was present but not read ("" when
	// it was read or absent).
	SearchProblem string
	// Text is the file as written; nil when the folder has none.
	Text []byte
}

// Thresholds is what a gate checks when it is given none: the
// experiment's gates:, else its slo: (an expression, "" for neither).
func (e Experiment) Thresholds() string {
	if e.Gates != "" {
		return e.Gates
	}
	return e.SLO.String()
}

// ReadExperiment reads dir/experiment.yaml; a missing file gives the zero
// Experiment without error. The slo key may be an expression string or a
// map such as {p95: 1s, error_rate: 1%, p99: 2s, min_rps: 500}.
func ReadExperiment(dir string) (Experiment, error) {
	path := filepath.Join(dir, ExperimentFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return Experiment{}, nil
	}
	if err != nil {
		return Experiment{}, fmt.Errorf("read %s: %w", path, err)
	}
	e, err := ParseExperiment(b)
	if err != nil {
		return e, fmt.Errorf("read %s: %w", path, err)
	}
	return e, nil
}

// ParseExperiment decodes the keys of Experiment from the text of an
// experiment.yaml (see ReadExperiment).
func ParseExperiment(b []byte) (Experiment, error) {
	var k struct {
		Name        string    `yaml:"name"`
		SLO         yaml.Node `yaml:"slo"`
		Gates       yaml.Node `yaml:"gates"`
		TargetUsers int       `yaml:"target_users"`
		Search      yaml.Node `yaml:"search"`
	}
	out := Experiment{Text: b}
	if err := yaml.Unmarshal(b, &k); err != nil {
		return out, fmt.Errorf("decode: %w", err)
	}
	out.Name, out.TargetLoad = k.Name, k.TargetUsers
	if k.Gates.Kind == yaml.ScalarNode {
		out.Gates = k.Gates.Value // anything else: no gates, as before
	}
	if k.TargetUsers < 0 {
		return out, fmt.Errorf("target_users %d: must be a positive number of users", k.TargetUsers)
	}
	expr, err := sloExpression(k.SLO)
	if err != nil {
		return out, err
	}
	s, err := slo.Parse(expr)
	if err != nil {
		return out, fmt.Errorf("slo %q: %w", expr, err)
	}
	out.SLO = s
	if k.Search.Kind != 0 {
		l, err := parseLimits(k.Search)
		if err != nil {
			out.SearchProblem = "search: " + err.Error()
		} else {
			out.Search = &l
		}
	}
	return out, nil
}

// parseLimits reads a search: node leniently into a limit search: cpus
// {min, max, resolution}, memory as one size or {min, max} (read by
// search.MemoryRange itself, the one owner of its forms), replicas,
// strategy; unknown keys are ignored. Values are taken as written, with no
// defaults applied and no bounds checked: the run already used them.
func parseLimits(n yaml.Node) (search.Limits, error) {
	var k struct {
		CPUs     search.CPURange    `yaml:"cpus"`
		Memory   search.MemoryRange `yaml:"memory"`
		Replicas []int              `yaml:"replicas"`
		Strategy string             `yaml:"strategy"`
	}
	var l search.Limits
	if n.Kind != yaml.MappingNode {
		return l, errors.New("want a map such as {cpus: {min: 0.05, max: 2, resolution: 0.05}, memory: 512m, replicas: [1, 2]}")
	}
	if err := n.Decode(&k); err != nil {
		return l, err
	}
	l.CPUs, l.Memory, l.Replicas, l.Strategy = k.CPUs, k.Memory, k.Replicas, k.Strategy
	if l.CPUs.Max <= 0 {
		return l, errors.New("cpus: want {min: 0.05, max: 2}")
	}
	return l, nil
}

// sloExpression turns the slo node into the expression grammar.
func sloExpression(n yaml.Node) (string, error) {
	switch n.Kind {
	case 0:
		return "", nil
	case yaml.ScalarNode:
		return n.Value, nil
	case yaml.MappingNode:
		var parts []string
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := strings.ToLower(strings.TrimSpace(n.Content[i].Value))
			val := strings.TrimSpace(n.Content[i+1].Value)
			switch {
			case strings.HasPrefix(key, "min_"):
				parts = append(parts, strings.TrimPrefix(key, "min_")+">="+val)
			case strings.HasPrefix(key, "max_"):
				parts = append(parts, strings.TrimPrefix(key, "max_")+"<="+val)
			default:
				parts = append(parts, key+"<"+val)
			}
		}
		return strings.Join(parts, ","), nil
	}
	return "", errors.New("slo: want an expression such as \"p95<1s,error_rate<1%\" or a map such as {p95: 1s, error_rate: 1%}")
}

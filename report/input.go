// Package report turns recorded steps (steps.jsonl) into the capacity answer
// of a run: pure analysis functions (capacity, saturation, cost, scaling,
// recommendation) and renderers for the terminal, Markdown, HTML, plots,
// summary.json and steps.csv. Renderers are func(io.Writer, ...) error and
// never print on their own; WriteAll writes every artefact into a directory.
package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/slo"
)

// File names inside a results directory.
const (
	ExperimentFile  = "experiment.yaml"
	EnvironmentFile = "environment.json"
)

// Input is everything a report is computed from.
type Input struct {
	// Records are the run's steps in any order (repeats and failed
	// configurations included).
	Records []record.Record
	// SLO judges every step. When empty, the verdicts recorded in each
	// step (record.SLO) are used instead.
	SLO slo.SLO
	// TargetUsers is the offered load the capacity question asks about, in
	// the run's unit: users for closed-loop runs, requests per second for
	// open-loop runs. 0 means the highest offered load of the run.
	TargetUsers int
	// Experiment is the resolved experiment definition (YAML text), shown
	// verbatim in the report; optional.
	Experiment []byte
	// Environment describes where the run happened (loadlab version,
	// runtime, Docker version, host CPUs and memory, Go version); optional.
	Environment map[string]any
	// Title heads the report; empty means the experiment's name or the run id.
	Title string
	// Plan is what the run set out to measure (plan.json; nil when
	// unknown): planned configurations without a record are shown as
	// "not run" and make the run incomplete.
	Plan *record.Plan
	// Torn is the torn last line of steps.jsonl (nil when the file is
	// whole): the step it held is lost and the run is incomplete.
	Torn *record.TornLine
}

// experimentKeys is the part of experiment.yaml a report needs, decoded
// leniently: unknown keys are ignored.
type experimentKeys struct {
	Name        string    `yaml:"name"`
	SLO         yaml.Node `yaml:"slo"`
	TargetUsers int       `yaml:"target_users"`
}

// LoadDir reads a results directory: steps.jsonl (required; a torn last
// line is kept in Torn), plan.json, experiment.yaml and environment.json
// (all optional). The SLO and
// target_users come from experiment.yaml's top-level slo and target_users
// keys when present; otherwise the records' own verdicts are used and the
// target is the highest offered load.
func LoadDir(dir string) (Input, error) {
	in, err := ReadDir(dir)
	if err == nil && len(in.Records) == 0 {
		err = fmt.Errorf("read %s: %w", filepath.Join(dir, record.FileName), ErrNoSteps)
	}
	return in, err
}

// ErrNoSteps is LoadDir's error for a steps.jsonl without any step (a run
// interrupted before its first step ended).
var ErrNoSteps = errors.New("no steps recorded yet")

// ReadDir is LoadDir without requiring a step: a steps.jsonl that is
// empty, or holds only a torn line, gives an Input without records (but
// with the plan, the torn line and the experiment), for gates to refuse
// as an incomplete run. A missing steps.jsonl is still an error.
func ReadDir(dir string) (Input, error) {
	var in Input
	recs, torn, err := record.ReadFileChecked(filepath.Join(dir, record.FileName))
	if err != nil {
		return in, err
	}
	in.Records, in.Torn = recs, torn
	if in.Plan, err = record.ReadPlan(dir); err != nil {
		return in, err
	}

	expPath := filepath.Join(dir, ExperimentFile)
	if b, err := os.ReadFile(expPath); err == nil {
		in.Experiment = b
		keys, err := decodeExperimentKeys(b)
		if err != nil {
			return in, fmt.Errorf("read %s: %w", expPath, err)
		}
		in.SLO, in.TargetUsers, in.Title = keys.slo, keys.targetUsers, keys.name
	} else if !errors.Is(err, os.ErrNotExist) {
		return in, fmt.Errorf("read %s: %w", expPath, err)
	}

	envPath := filepath.Join(dir, EnvironmentFile)
	if b, err := os.ReadFile(envPath); err == nil {
		var env map[string]any
		if err := json.Unmarshal(b, &env); err != nil {
			return in, fmt.Errorf("read %s: want a JSON object: %w", envPath, err)
		}
		in.Environment = env
	} else if !errors.Is(err, os.ErrNotExist) {
		return in, fmt.Errorf("read %s: %w", envPath, err)
	}
	return in, nil
}

type resolvedKeys struct {
	name        string
	slo         slo.SLO
	targetUsers int
}

// decodeExperimentKeys extracts name, slo and target_users. slo may be an
// expression string or a map such as {p95: 1s, error_rate: 1%, p99: 2s,
// min_rps: 500}.
func decodeExperimentKeys(b []byte) (resolvedKeys, error) {
	var k experimentKeys
	if err := yaml.Unmarshal(b, &k); err != nil {
		return resolvedKeys{}, fmt.Errorf("decode: %w", err)
	}
	out := resolvedKeys{name: k.Name, targetUsers: k.TargetUsers}
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
	out.slo = s
	return out, nil
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

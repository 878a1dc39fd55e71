package experiments

import (
	"embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/loadlab/loadlab/internal/yamlfile"
	"github.com/loadlab/loadlab/scenarios"
)

// builtin holds the experiment files shipped with loadlab, so that
// `loadlab run quick` works from any directory.
//
//go:embed quick.yaml workshop.yaml workshop-search.yaml gate.yaml gate-ab.yaml challenger.yaml llm.yaml
var builtin embed.FS

// Builtin names the embedded experiments ("quick", "workshop",
// "workshop-search", "gate", "gate-ab", "challenger", "llm").
func Builtin() []string {
	return []string{"quick", "workshop", "workshop-search", "gate", "gate-ab", "challenger", "llm"}
}

// Load reads an experiment file. name may be a path or the name of a
// built-in experiment ("quick", "workshop", "workshop-search", "gate", "gate-ab",
// "challenger", "llm") when no
// such file exists.
// Every problem is reported at once, each as "file:line: field: message".
func Load(name string) (Experiment, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			base := strings.TrimSuffix(filepath.Base(name), ".yaml")
			if b, berr := builtin.ReadFile(base + ".yaml"); berr == nil && !strings.ContainsRune(name, os.PathSeparator) {
				return Parse("builtin:"+base+".yaml", b)
			}
			return Experiment{}, fmt.Errorf("experiment file %s does not exist (give a path, or one of the built-in experiments: %s)",
				name, strings.Join(Builtin(), ", "))
		}
		return Experiment{}, fmt.Errorf("read experiment: %w", err)
	}
	return Parse(name, data)
}

// FieldError is one problem of an experiment file: its file and line,
// the field path (e.g. "matrix.cpus[1]"), what is wrong and what is allowed.
type FieldError = yamlfile.Error

// Parse decodes and validates an experiment file's contents; file names
// the source in errors and anchors relative paths (build, compose,
// scenario). Defaults are applied before validation. Every problem is
// reported at once, each as "file:line: field: message": unknown fields,
// values of the wrong type, a broken scenario and the rules of Validate.
func Parse(file string, data []byte) (Experiment, error) {
	node, err := yamlfile.Read(file, "experiment", data)
	if err != nil {
		return Experiment{}, err
	}
	doc := yamlfile.NewDoc(file, "experiment", node)
	if root := doc.Root(); root == nil || root.Kind != yaml.MappingNode {
		if !doc.Empty() && root == nil {
			return Experiment{}, doc.Err()
		}
		return Experiment{}, fmt.Errorf("%s:1: an experiment file must be a YAML mapping with at least a matrix or configs (see experiments/workshop.yaml)", file)
	}
	var f struct {
		Experiment `yaml:",inline"`
		// Scenario is a scenario file's path or an inline scenario (see
		// decodeScenario).
		Scenario yaml.Node `yaml:"scenario"`
	}
	doc.Decode(&f)
	e := f.Experiment

	dir := ""
	if !strings.HasPrefix(file, "builtin:") {
		dir = filepath.Dir(file)
	}
	sc, scErr := decodeScenario(file, dir, &f.Scenario)
	if len(sc.Requests) == 0 && sc.TargetsFile == "" && e.Target.IsReference() {
		// The reference API's request mix, when the scenario names none.
		sc.Requests = scenarios.Default().Requests
	}
	e.Scenario = sc
	e.file = file
	e.lineOf = doc.Line
	if e.Name == "" {
		e.Name = strings.TrimSuffix(filepath.Base(strings.TrimPrefix(file, "builtin:")), filepath.Ext(file))
	}
	e.Target.Build = resolve(dir, e.Target.Build)
	e.Target.Compose = resolve(dir, e.Target.Compose)
	for _, fe := range explicitZeros(doc.Written, e) {
		doc.Add(&fe)
	}
	e = e.WithDefaults()
	for _, fe := range e.problems() {
		if scErr != nil && fe.Field == "scenario" {
			continue // already reported where the scenario failed to decode
		}
		doc.Add(&fe)
	}
	if err := errors.Join(doc.Err(), scErr); err != nil {
		return Experiment{}, err
	}
	return e, nil
}

// decodeScenario resolves the "scenario" key: absent means the reference
// API's default scenario, a string is a scenario file path (relative to
// the experiment file), a mapping is an inline scenario.
func decodeScenario(file, dir string, node *yaml.Node) (scenarios.Scenario, error) {
	switch {
	case node.Kind == 0:
		return scenarios.Default(), nil
	case node.Kind == yaml.ScalarNode:
		s, err := scenarios.Load(resolve(dir, node.Value))
		var fe *yamlfile.Error
		if err != nil && !errors.As(err, &fe) { // a problem in the scenario file names its own place
			err = yamlfile.Nested(err, file, node.Line, "scenario")
		}
		return s, err
	case node.Kind == yaml.MappingNode:
		s, err := scenarios.Decode(file, node)
		return s, yamlfile.Nested(err, file, node.Line, "scenario")
	}
	return scenarios.Scenario{}, fmt.Errorf("%s:%d: scenario: must be a scenario file path or an inline scenario mapping", file, node.Line)
}

func resolve(dir, p string) string {
	if p == "" || filepath.IsAbs(p) || dir == "" {
		return p
	}
	return filepath.Join(dir, p)
}

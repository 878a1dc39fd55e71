package experiments

import (
	"embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/loadlab/loadlab/scenarios"
)

// builtin holds the experiment files shipped with loadlab, so that
// `loadlab run quick` works from any directory.
//
//go:embed quick.yaml workshop.yaml
var builtin embed.FS

// Builtin names the embedded experiments ("quick", "workshop").
func Builtin() []string { return []string{"quick", "workshop"} }

// Load reads an experiment file. name may be a path or the name of a
// built-in experiment ("quick", "workshop") when no such file exists.
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

// Parse decodes and validates an experiment file's contents; file names
// the source in errors and anchors relative paths (build, compose,
// scenario). Defaults are applied before validation.
func Parse(file string, data []byte) (Experiment, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		line, msg := yamlLine(strings.TrimPrefix(err.Error(), "yaml: "))
		return Experiment{}, fmt.Errorf("%s:%d: invalid YAML: %s", file, max(line, 1), msg)
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return Experiment{}, fmt.Errorf("%s:1: an experiment file must be a YAML mapping with at least a matrix or configs (see experiments/workshop.yaml)", file)
	}
	root := doc.Content[0]
	idx := lineIndex{}
	indexLines(root, "", idx)
	at := func(fe FieldError) error {
		return fmt.Errorf("%s:%d: %s", file, idx.line(fe.Path), fe.Error())
	}

	// Unknown fields and a broken scenario do not stop decoding: they are
	// reported together with every other problem. Wrong types stop before
	// validation, which would only repeat them.
	var unknown, errs []error
	for _, fe := range unknownFields(root, reflect.TypeOf(Experiment{}), "", map[string]bool{"scenario": true}) {
		unknown = append(unknown, at(fe))
	}
	var e Experiment
	if err := root.Decode(&e); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			for _, m := range te.Errors {
				line, msg := yamlLine(m)
				errs = append(errs, fmt.Errorf("%s:%d: %s", file, line, msg))
			}
		} else {
			line, msg := yamlLine(err.Error())
			errs = append(errs, fmt.Errorf("%s:%d: %s", file, max(line, 1), msg))
		}
	}

	dir := ""
	if !strings.HasPrefix(file, "builtin:") {
		dir = filepath.Dir(file)
	}
	sc, scErr := decodeScenario(file, dir, root)
	if len(errs) > 0 {
		return Experiment{}, errors.Join(append(append(unknown, errs...), scErr)...)
	}
	errs = unknown
	if scErr != nil {
		errs = append(errs, scErr)
	}
	if len(sc.Requests) == 0 && sc.TargetsFile == "" && e.Target.IsReference() {
		// The reference API's request mix, when the scenario names none.
		sc.Requests = scenarios.Default().Requests
	}
	e.Scenario = sc
	e.file = file
	if e.Name == "" {
		e.Name = strings.TrimSuffix(filepath.Base(strings.TrimPrefix(file, "builtin:")), filepath.Ext(file))
	}
	e.Target.Build = resolve(dir, e.Target.Build)
	e.Target.Compose = resolve(dir, e.Target.Compose)
	for _, fe := range explicitZeros(idx, e) {
		errs = append(errs, at(fe))
	}
	e = e.WithDefaults()
	for _, fe := range e.problems() {
		if scErr != nil && fe.Path == "scenario" {
			continue // already reported where the scenario failed to decode
		}
		errs = append(errs, at(fe))
	}
	if len(errs) > 0 {
		return Experiment{}, errors.Join(errs...)
	}
	return e, nil
}

// decodeScenario resolves the "scenario" key: absent means the reference
// API's default scenario, a string is a scenario file path (relative to
// the experiment file), a mapping is an inline scenario.
func decodeScenario(file, dir string, root *yaml.Node) (scenarios.Scenario, error) {
	var node *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "scenario" {
			node = root.Content[i+1]
		}
	}
	switch {
	case node == nil:
		return scenarios.Default(), nil
	case node.Kind == yaml.ScalarNode:
		return scenarios.Load(resolve(dir, node.Value))
	case node.Kind == yaml.MappingNode:
		return scenarios.Decode(file, node)
	}
	return scenarios.Scenario{}, fmt.Errorf("%s:%d: scenario: must be a scenario file path or an inline scenario mapping", file, node.Line)
}

func resolve(dir, p string) string {
	if p == "" || filepath.IsAbs(p) || dir == "" {
		return p
	}
	return filepath.Join(dir, p)
}

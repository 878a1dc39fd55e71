package scenarios

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/loadlab/loadlab/internal/yamlfile"
)

// FieldError is one problem of a scenario: the file and line when it came
// from one, the field path as written in YAML (e.g.
// "requests[0].invalid.fraction"), what is wrong and what is allowed.
type FieldError = yamlfile.Error

// problems collects a scenario's FieldErrors.
type problems = yamlfile.Errors

// Load reads and parses the scenario file at path (see Parse).
func Load(path string) (Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Scenario{}, fmt.Errorf("read scenario: %w", err)
	}
	return Parse(path, data)
}

// Parse decodes a scenario from YAML. file names the source in errors and
// is the base for relative paths (Scenario.Dir). Unknown fields are
// rejected; durations are written "30s", "1.5s", "500ms", "2m".
//
// Parse reports every problem at once (errors.Join), each as
// "file:line: field.path: what is wrong (what is allowed)", including the
// rules of Validate applied to the scenario with its defaults. It leaves
// out only what `loadlab ramp` flags may still supply — a ramp and a
// request source — so call Validate after binding flags.
func Parse(file string, data []byte) (Scenario, error) {
	doc, err := yamlfile.Read(file, "scenario", data)
	if err != nil {
		return Scenario{}, err
	}
	return Decode(file, doc)
}

// Decode is Parse for a scenario already parsed into a YAML node (a
// document or a mapping), such as one embedded inline in an experiment
// file; file is that file, for errors and relative paths.
func Decode(file string, node *yaml.Node) (Scenario, error) {
	doc := yamlfile.NewDoc(file, "scenario", node)
	if doc.Empty() {
		return Scenario{}, &FieldError{File: file, Line: max(1, doc.Line("")),
			Msg: "empty scenario: want a mapping with fields " + strings.Join(yamlfile.FieldNames(Scenario{}), ", ")}
	}
	var s Scenario
	doc.Decode(&s)
	if file != "" {
		s.Dir = filepath.Dir(file)
	}
	s.loadInputs()
	// Check the values the file holds, leaving out what flags may still
	// supply.
	for _, p := range s.problems() {
		if !p.Missing {
			doc.Add(p)
		}
	}
	if err := doc.Err(); err != nil {
		return Scenario{}, err
	}
	return s, nil
}

package experiments

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// lineIndex maps field paths ("matrix.cpus[1]", "target.port") to the line
// of the YAML node that holds them, so validation errors can name a line.
type lineIndex map[string]int

func indexLines(n *yaml.Node, path string, idx lineIndex) {
	if n == nil {
		return
	}
	if path != "" {
		if _, ok := idx[path]; !ok {
			idx[path] = n.Line
		}
	}
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			indexLines(c, path, idx)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := joinPath(path, k.Value)
			idx[p] = k.Line
			indexLines(v, p, idx)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			indexLines(c, fmt.Sprintf("%s[%d]", path, i), idx)
		}
	}
}

// line returns the line of path, or of its nearest ancestor present in
// the file (a missing field is reported where its parent is).
func (idx lineIndex) line(path string) int {
	for p := path; p != ""; p = parentPath(p) {
		if l, ok := idx[p]; ok {
			return l
		}
	}
	return 1
}

func parentPath(p string) string {
	if i := strings.LastIndexAny(p, ".["); i >= 0 {
		return p[:i]
	}
	return ""
}

func joinPath(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// unknownFields walks a mapping node against the yaml tags of struct type
// t and reports every key the struct does not have, with the allowed keys.
// Fields tagged "-" are not allowed in YAML; skip lists keys handled
// elsewhere (e.g. "scenario").
func unknownFields(n *yaml.Node, t reflect.Type, path string, skip map[string]bool) []FieldError {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var errs []FieldError
	switch {
	case n == nil:
	case n.Kind == yaml.DocumentNode:
		for _, c := range n.Content {
			errs = append(errs, unknownFields(c, t, path, skip)...)
		}
	case t.Kind() == reflect.Struct && n.Kind == yaml.MappingNode:
		fields := yamlFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := joinPath(path, k.Value)
			if path == "" && skip[k.Value] {
				continue
			}
			ft, ok := fields[k.Value]
			if !ok {
				errs = append(errs, FieldError{Path: p, Msg: fmt.Sprintf("unknown field (allowed: %s)", allowed(fields))})
				continue
			}
			errs = append(errs, unknownFields(v, ft, p, nil)...)
		}
	case t.Kind() == reflect.Slice && n.Kind == yaml.SequenceNode:
		for i, c := range n.Content {
			errs = append(errs, unknownFields(c, t.Elem(), fmt.Sprintf("%s[%d]", path, i), nil)...)
		}
	}
	return errs
}

func yamlFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = f.Type
	}
	return out
}

func allowed(fields map[string]reflect.Type) string {
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// FieldError is one problem with one field of an experiment file.
type FieldError struct {
	// Path is the field path, e.g. "matrix.cpus[1]".
	Path string
	Msg  string
}

func (e FieldError) Error() string { return e.Path + ": " + e.Msg }

// yamlLineErr matches yaml.v3's "line N: ..." decode errors.
func yamlLine(msg string) (int, string) {
	rest, ok := strings.CutPrefix(msg, "line ")
	if !ok {
		return 0, msg
	}
	num, text, ok := strings.Cut(rest, ": ")
	if !ok {
		return 0, msg
	}
	l, err := strconv.Atoi(num)
	if err != nil {
		return 0, msg
	}
	return l, text
}

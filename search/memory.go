package search

import (
	"bytes"
	"encoding/json"
	"fmt"

	"gopkg.in/yaml.v3"

	"github.com/loadlab/loadlab/internal/yamlfile"
	"github.com/loadlab/loadlab/record"
)

// This file holds the written forms of a MemoryRange: a fixed size is one
// value (YAML 512m, JSON a number of bytes), a range a mapping {min, max}
// (YAML sizes, JSON numbers of bytes).

// memoryFields is the mapping form of a range.
type memoryFields struct {
	Min record.Bytes `yaml:"min" json:"min"`
	Max record.Bytes `yaml:"max" json:"max"`
}

// UnmarshalYAML reads a size (512m: fixed) or a mapping {min, max}.
func (m *MemoryRange) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		b, err := record.ParseBytes(n.Value)
		if err != nil {
			return fmt.Errorf("%w: want a size such as 512m, or a range {min: 64m, max: 2g}", err)
		}
		*m = MemoryRange{Min: b, Max: b}
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("want a size such as 512m, or a range {min: 64m, max: 2g} (got %s)", yamlfile.KindName(n))
	}
	var f memoryFields
	err := yamlfile.Decode(n, &f)
	*m = MemoryRange{Min: f.Min, Max: f.Max}
	return err
}

// MarshalYAML writes a fixed size as one value, a range as {min, max}.
func (m MemoryRange) MarshalYAML() (any, error) {
	if m.Fixed() {
		return m.Min.String(), nil
	}
	return struct {
		Min string `yaml:"min"`
		Max string `yaml:"max"`
	}{m.Min.String(), m.Max.String()}, nil
}

// MarshalJSON writes a fixed size as a number of bytes, a range as
// {"min": bytes, "max": bytes}.
func (m MemoryRange) MarshalJSON() ([]byte, error) {
	if m.Fixed() {
		return json.Marshal(int64(m.Min))
	}
	return json.Marshal(memoryFields{Min: m.Min, Max: m.Max})
}

// UnmarshalJSON reads a number of bytes, a size string ("512m") or
// {"min", "max"} (numbers of bytes).
func (m *MemoryRange) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) > 0 && b[0] == '{':
		var f memoryFields
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil {
			return fmt.Errorf("memory: %w", err)
		}
		*m = MemoryRange{Min: f.Min, Max: f.Max}
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		v, err := record.ParseBytes(s)
		if err != nil {
			return err
		}
		*m = MemoryRange{Min: v, Max: v}
		return nil
	}
	var v int64
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("memory: want a number of bytes, a size such as \"512m\" or {\"min\", \"max\"} (got %s)", b)
	}
	*m = MemoryRange{Min: record.Bytes(v), Max: record.Bytes(v)}
	return nil
}

// IsZero reports whether the memory is unset (omitempty).
func (m MemoryRange) IsZero() bool { return m == MemoryRange{} }

// String renders the memory as written in YAML: "512m" or "64m–2g".
func (m MemoryRange) String() string {
	if m.Fixed() {
		return m.Min.String()
	}
	return m.Min.String() + "–" + m.Max.String()
}

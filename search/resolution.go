package search

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/loadlab/loadlab/internal/yamlfile"
)

// This file holds the written forms of a Resolution: in YAML and JSON an
// absolute load is a number (50) and a percentage a string ("5%").

// parseResolution reads "5%", "5 %" or "50".
func parseResolution(s string) (Resolution, error) {
	t := strings.TrimSpace(s)
	r := Resolution{}
	if v, ok := strings.CutSuffix(t, "%"); ok {
		t, r.Percent = strings.TrimSpace(v), true
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || t == "" {
		return Resolution{}, fmt.Errorf("want a load such as 50 or a percentage such as 5%% (got %q)", s)
	}
	if v <= 0 {
		return Resolution{}, fmt.Errorf("must be > 0 (got %q): a load such as 50 or a percentage such as 5%%", s)
	}
	r.Value = v
	return r, nil
}

// UnmarshalYAML reads 50 (a load) or 5% (a percentage of the last pass).
func (r *Resolution) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("want a load such as 50 or a percentage such as 5%% (got %s)", yamlfile.KindName(n))
	}
	v, err := parseResolution(n.Value)
	if err != nil {
		return err
	}
	*r = v
	return nil
}

// MarshalYAML writes 50 or "5%".
func (r Resolution) MarshalYAML() (any, error) {
	if r.Percent {
		return r.String(), nil
	}
	return r.Value, nil
}

// MarshalJSON writes 50 or "5%".
func (r Resolution) MarshalJSON() ([]byte, error) {
	if r.Percent {
		return json.Marshal(r.String())
	}
	if math.IsNaN(r.Value) || math.IsInf(r.Value, 0) {
		return nil, fmt.Errorf("resolution %v is not a number", r.Value)
	}
	return json.Marshal(r.Value)
}

// UnmarshalJSON reads a number (a load) or a string ("5%", "50").
func (r *Resolution) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		v, err := parseResolution(s)
		if err != nil {
			return err
		}
		*r = v
		return nil
	}
	var v float64
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("want a load such as 50 or a percentage such as \"5%%\" (got %s)", b)
	}
	*r = Resolution{Value: v}
	return nil
}

// String renders the resolution as written: "50" or "5%".
func (r Resolution) String() string {
	s := strconv.FormatFloat(r.Value, 'f', -1, 64)
	if r.Percent {
		return s + "%"
	}
	return s
}

// IsZero reports whether the resolution is unset (omitempty).
func (r Resolution) IsZero() bool { return r.Value == 0 }

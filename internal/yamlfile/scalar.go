package yamlfile

import (
	"fmt"
	"math"
	"reflect"
	"time"

	"gopkg.in/yaml.v3"
)

// scalar decodes a string, bool, integer or float with yaml.v3, refusing
// what YAML would silently convert (a number where a bool is wanted) or
// truncate.
func (d *decoder) scalar(n *yaml.Node, v reflect.Value, path string) {
	want := map[reflect.Kind]string{reflect.String: "a string", reflect.Bool: "true or false",
		reflect.Float32: "a number", reflect.Float64: "a number"}[v.Kind()]
	if want == "" {
		want = "a whole number"
	}
	if n.Kind != yaml.ScalarNode {
		d.errorf(n, path, "must be %s (got %s)", want, KindName(n))
		return
	}
	tag := n.ShortTag()
	switch v.Kind() {
	case reflect.String:
		v.SetString(n.Value)
	case reflect.Bool:
		var b bool
		if tag != "!!bool" || n.Decode(&b) != nil {
			d.errorf(n, path, "must be true or false (got %q)", n.Value)
			return
		}
		v.SetBool(b)
	case reflect.Float32, reflect.Float64:
		var f float64
		if (tag != "!!int" && tag != "!!float") || n.Decode(&f) != nil || v.OverflowFloat(f) {
			d.errorf(n, path, "must be a number (got %q)", n.Value)
			return
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			d.errorf(n, path, "must be a finite number (got %s)", n.Value)
			return
		}
		v.SetFloat(f)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		var u uint64
		if tag != "!!int" || n.Decode(&u) != nil || v.OverflowUint(u) || (v.Kind() == reflect.Uint && u > math.MaxInt32) {
			d.errorf(n, path, "must be a whole number ≥ 0 (got %q)", n.Value)
			return
		}
		v.SetUint(u)
	default:
		// int: bounded to 32 bits, so that no platform truncates it
		var i int64
		if tag != "!!int" || n.Decode(&i) != nil || v.OverflowInt(i) || (v.Kind() == reflect.Int && (i > math.MaxInt32 || i < math.MinInt32)) {
			d.errorf(n, path, "must be a whole number (got %q)", n.Value)
			return
		}
		v.SetInt(i)
	}
}

// duration reads "30s", "1.5s", "2m"; a bare 0 is zero, any other bare
// number is refused because its unit would be a guess.
func (d *decoder) duration(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.ScalarNode {
		d.errorf(n, path, `must be a duration such as "30s" (got %s)`, KindName(n))
		return
	}
	got, err := ParseDuration(n)
	if err != nil {
		d.errorf(n, path, "%v", err)
		return
	}
	v.SetInt(int64(got))
}

// ParseDuration reads a duration scalar: "30s", "1.5s", "500ms", "2m", or
// a bare 0. The error says what is allowed.
func ParseDuration(n *yaml.Node) (time.Duration, error) {
	if tag := n.ShortTag(); tag == "!!int" || tag == "!!float" {
		var f float64
		if n.Decode(&f) == nil && f == 0 {
			return 0, nil
		}
		return 0, fmt.Errorf(`duration needs a unit, e.g. "%ss" or "%sms" (got %s)`, n.Value, n.Value, n.Value)
	}
	got, err := time.ParseDuration(n.Value)
	if err != nil {
		return 0, fmt.Errorf(`must be a duration such as "30s", "1.5s", "500ms" or "2m" (got %q)`, n.Value)
	}
	return got, nil
}

// KindName describes a node for "got ..." messages: a mapping, a list, or
// the scalar quoted.
func KindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("%q", n.Value)
	}
	return "nothing"
}

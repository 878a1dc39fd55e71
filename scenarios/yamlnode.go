package scenarios

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// maxNodes bounds the YAML nodes one scenario may expand to, so that alias
// tricks ("billion laughs") cannot blow up decoding.
const maxNodes = 100_000

// decoder walks a yaml.Node tree into a Scenario by hand, so that every
// problem names the file, the line, the field path and what is allowed,
// and unknown fields are rejected.
type decoder struct {
	file  string
	errs  problems
	lines map[string]int // field path -> line of its key
	nodes int
}

func newDecoder(file string) *decoder {
	return &decoder{file: file, lines: map[string]int{}}
}

func (d *decoder) errorf(n *yaml.Node, field, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	d.errs = append(d.errs, &FieldError{File: d.file, Line: line, Field: field, Msg: fmt.Sprintf(format, args...)})
}

// resolve follows aliases and counts nodes; nil when the budget is spent.
func (d *decoder) resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode; i++ {
		if i > 100 {
			return nil
		}
		n = n.Alias
	}
	d.nodes++
	if d.nodes == maxNodes+1 {
		d.errorf(n, "", "scenario expands to more than %d YAML nodes (aliases?)", maxNodes)
	}
	if d.nodes > maxNodes {
		return nil
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// kindName describes a node for "got ..." messages.
func kindName(n *yaml.Node) string {
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

// fields decodes a mapping: each known key goes to fn with its value node
// and path; unknown and duplicate keys are errors. A null node is an empty
// mapping.
func (d *decoder) fields(n *yaml.Node, path string, allowed []string, fn func(key string, v *yaml.Node, path string)) {
	n = d.resolve(n)
	if n == nil || isNull(n) {
		return
	}
	where := path
	if where == "" {
		where = "scenario"
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n, path, "%s must be a mapping with fields %s (got %s)", where, strings.Join(allowed, ", "), kindName(n))
		return
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn, vn := d.resolve(n.Content[i]), n.Content[i+1]
		if kn == nil {
			return
		}
		if kn.Kind != yaml.ScalarNode {
			d.errorf(kn, path, "keys must be field names (allowed: %s)", strings.Join(allowed, ", "))
			continue
		}
		p := joinPath(path, kn.Value)
		switch {
		case kn.Value == "<<":
			d.errorf(kn, path, "merge keys (<<) are not supported: write the fields out")
			continue
		case !slices.Contains(allowed, kn.Value):
			hint := ""
			if s := suggest(kn.Value, allowed); s != "" {
				hint = fmt.Sprintf("did you mean %q? ", s)
			}
			d.errorf(kn, p, "unknown field (%sallowed in %s: %s)", hint, where, strings.Join(allowed, ", "))
			continue
		}
		if first, dup := seen[kn.Value]; dup {
			d.errorf(kn, p, "duplicate field (first at line %d)", first)
			continue
		}
		seen[kn.Value] = kn.Line
		d.lines[p] = kn.Line
		fn(kn.Value, vn, p)
	}
}

// items decodes a sequence, calling fn for each item with its path.
func (d *decoder) items(n *yaml.Node, path, want string, fn func(i int, v *yaml.Node, path string)) {
	n = d.resolve(n)
	if n == nil || isNull(n) {
		return
	}
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, path, "must be a list of %s (got %s)", want, kindName(n))
		return
	}
	for i, it := range n.Content {
		p := indexPath(path, i)
		d.lines[p] = it.Line
		fn(i, it, p)
	}
}

// scalar returns the resolved scalar node, or nil for null or a mismatch
// (reported).
func (d *decoder) scalar(n *yaml.Node, path, want string) *yaml.Node {
	n = d.resolve(n)
	if n == nil || isNull(n) {
		return nil
	}
	if n.Kind != yaml.ScalarNode {
		d.errorf(n, path, "must be %s (got %s)", want, kindName(n))
		return nil
	}
	return n
}

func (d *decoder) str(n *yaml.Node, path string) string {
	if n = d.scalar(n, path, "a string"); n == nil {
		return ""
	}
	return n.Value
}

func (d *decoder) float(n *yaml.Node, path string) float64 {
	if n = d.scalar(n, path, "a number"); n == nil {
		return 0
	}
	var f float64
	if tag := n.ShortTag(); (tag != "!!int" && tag != "!!float") || n.Decode(&f) != nil {
		d.errorf(n, path, "must be a number (got %q)", n.Value)
		return 0
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		d.errorf(n, path, "must be a finite number (got %s)", n.Value)
		return 0
	}
	return f
}

func (d *decoder) int(n *yaml.Node, path string) int {
	if n = d.scalar(n, path, "a whole number"); n == nil {
		return 0
	}
	var i int64
	if n.ShortTag() != "!!int" || n.Decode(&i) != nil || i > math.MaxInt32 || i < math.MinInt32 {
		d.errorf(n, path, "must be a whole number (got %q)", n.Value)
		return 0
	}
	return int(i)
}

func (d *decoder) boolean(n *yaml.Node, path string) bool {
	if n = d.scalar(n, path, "true or false"); n == nil {
		return false
	}
	var b bool
	if n.ShortTag() != "!!bool" || n.Decode(&b) != nil {
		d.errorf(n, path, "must be true or false (got %q)", n.Value)
	}
	return b
}

// duration reads "30s", "1.5s", "2m"; a bare 0 is zero, any other bare
// number is an error because its unit would be a guess.
func (d *decoder) duration(n *yaml.Node, path string) time.Duration {
	if n = d.scalar(n, path, `a duration such as "30s"`); n == nil {
		return 0
	}
	if tag := n.ShortTag(); tag == "!!int" || tag == "!!float" {
		var f float64
		if n.Decode(&f) == nil && f == 0 {
			return 0
		}
		d.errorf(n, path, `duration needs a unit, e.g. "%ss" or "%sms" (got %s)`, n.Value, n.Value, n.Value)
		return 0
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		d.errorf(n, path, `must be a duration such as "30s", "1.5s", "500ms" or "2m" (got %q)`, n.Value)
		return 0
	}
	return v
}

// json converts a YAML value into compact JSON text, recording the lines
// of nested keys so that template errors can point into it.
func (d *decoder) json(n *yaml.Node, path string) []byte {
	var buf bytes.Buffer
	d.writeJSON(&buf, n, path, 0)
	return buf.Bytes()
}

func (d *decoder) writeJSON(buf *bytes.Buffer, n *yaml.Node, path string, depth int) {
	n = d.resolve(n)
	if n == nil {
		buf.WriteString("null")
		return
	}
	if depth > maxDepth {
		d.errorf(n, path, "nested deeper than %d levels", maxDepth)
		buf.WriteString("null")
		return
	}
	switch n.Kind {
	case yaml.MappingNode:
		buf.WriteByte('{')
		wrote := false
		for i := 0; i+1 < len(n.Content); i += 2 {
			kn := d.resolve(n.Content[i])
			if kn == nil {
				break
			}
			if kn.Kind != yaml.ScalarNode {
				d.errorf(kn, path, "JSON object keys must be strings (got %s)", kindName(kn))
				continue
			}
			if wrote {
				buf.WriteByte(',')
			}
			wrote = true
			p := joinPath(path, kn.Value)
			d.lines[p] = kn.Line
			buf.Write(jsonText(kn.Value))
			buf.WriteByte(':')
			d.writeJSON(buf, n.Content[i+1], p, depth+1)
		}
		buf.WriteByte('}')
	case yaml.SequenceNode:
		buf.WriteByte('[')
		for i, it := range n.Content {
			if i > 0 {
				buf.WriteByte(',')
			}
			p := indexPath(path, i)
			d.lines[p] = it.Line
			d.writeJSON(buf, it, p, depth+1)
		}
		buf.WriteByte(']')
	default:
		buf.Write(d.scalarJSON(n, path))
	}
}

// scalarJSON renders a YAML scalar as a JSON value: null, true/false,
// numbers, and everything else (timestamps included) as a string.
func (d *decoder) scalarJSON(n *yaml.Node, path string) []byte {
	switch n.ShortTag() {
	case "!!null":
		return []byte("null")
	case "!!bool", "!!int", "!!float":
		var v any
		if err := n.Decode(&v); err == nil {
			if f, ok := v.(float64); ok && (math.IsNaN(f) || math.IsInf(f, 0)) {
				d.errorf(n, path, "%s is not a JSON number", n.Value)
				return []byte("null")
			}
			if b, err := json.Marshal(v); err == nil {
				return b
			}
		}
		d.errorf(n, path, "%q is not a JSON value", n.Value)
		return []byte("null")
	}
	return jsonText(n.Value)
}

// jsonText encodes a string as JSON without HTML escaping.
func jsonText(s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// suggest returns the allowed name closest to got (edit distance ≤ 2), or "".
func suggest(got string, allowed []string) string {
	best, bestD := "", 3
	for _, a := range allowed {
		if dd := editDistance(strings.ToLower(got), a); dd < bestD {
			best, bestD = a, dd
		}
	}
	return best
}

func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 99
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

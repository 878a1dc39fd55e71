package scenarios

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/loadlab/loadlab/internal/yamlfile"
	"github.com/loadlab/loadlab/redact"
)

// This file holds the YAML forms of the scenario's own types: a ramp and a
// think time may be one scalar, headers are a mapping kept in order, and
// bodies are YAML values kept as JSON. Every other field is decoded and
// written by its yaml tag (see package yamlfile).

// UnmarshalYAML reads a ramp: a mapping of its fields, or the flag form
// "from:to:by" or a single value. An explicit settle: 0 sets NoSettle.
func (r *Ramp) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		from, to, by, why := parseRange(n.Value)
		if why != "" {
			return fmt.Errorf("%s (got %q): want from:to:by such as 500:10000:500, a single value, or a mapping with fields %s",
				why, n.Value, strings.Join(yamlfile.FieldNames(r), ", "))
		}
		*r = Ramp{From: from, To: to, By: by}
		return nil
	}
	type fields Ramp
	var f fields
	err := yamlfile.Decode(n, &f)
	*r = Ramp(f)
	r.NoSettle = r.Settle == 0 && writes(n, "settle")
	return err
}

// MarshalYAML writes the ramp's fields, with an explicit settle: 0s for
// NoSettle; steps replace from and to; a search is written as its mapping.
func (r Ramp) MarshalYAML() (any, error) {
	type fields Ramp
	f := fields(r)
	if len(f.Steps) > 0 {
		f.From, f.To, f.By = 0, 0, 0
	}
	var n yaml.Node
	if err := n.Encode(f); err != nil {
		return nil, err
	}
	if r.NoSettle && r.Settle == 0 {
		n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "settle"}, &yaml.Node{Kind: yaml.ScalarNode, Value: "0s"})
	}
	return &n, nil
}

// IsZero reports whether the ramp sets nothing (omitempty).
func (r Ramp) IsZero() bool {
	return r.From == 0 && r.To == 0 && r.By == 0 && len(r.Steps) == 0 && r.Hold == 0 && r.Settle == 0 && !r.NoSettle && r.Search == nil
}

// UnmarshalYAML reads a think time: "1s-2.5s", "1s", 0 (none), or a
// mapping {min, max}; min alone is a constant pause, and min and max both
// 0 mean none.
func (t *Think) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		v, why := parseThink(n.Value)
		if why != "" {
			return fmt.Errorf("%s: want min-max such as 1s-2.5s, a constant such as 1s, 0 for none, or a mapping {min, max}", why)
		}
		*t = v
		return nil
	}
	type fields Think
	var f fields
	err := yamlfile.Decode(n, &f)
	*t = Think(f)
	hasMin, hasMax := writes(n, "min"), writes(n, "max")
	if hasMin && !hasMax {
		t.Max = t.Min
	}
	t.None = (hasMin || hasMax) && t.Min == 0 && t.Max == 0
	return err
}

// MarshalYAML writes 0 for no think time, else {min, max}.
func (t Think) MarshalYAML() (any, error) {
	if t.None {
		return "0", nil
	}
	return struct {
		Min time.Duration `yaml:"min"`
		Max time.Duration `yaml:"max"`
	}{t.Min, t.Max}, nil
}

// IsZero reports whether the think time is unset (omitempty).
func (t Think) IsZero() bool { return t == Think{} }

// writes reports whether mapping n writes key with a value.
func writes(n *yaml.Node, key string) bool {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key && !(n.Content[i+1].Kind == yaml.ScalarNode && n.Content[i+1].ShortTag() == "!!null") {
			return true
		}
	}
	return false
}

// Headers are a request's headers, written in YAML as a mapping of names
// to values and kept in the file's order.
type Headers []Header

// UnmarshalYAML reads a mapping of header names to values.
func (h *Headers) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("must be a mapping of header names to values, e.g. {Authorization: Bearer x} (got %s)", yamlfile.KindName(n))
	}
	var errs yamlfile.Errors
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if k.Kind != yaml.ScalarNode {
			errs = append(errs, &yamlfile.Error{Line: k.Line, Msg: fmt.Sprintf("header names must be strings (got %s)", yamlfile.KindName(k))})
			continue
		}
		var v string
		if err := yamlfile.Decode(n.Content[i+1], &v); err != nil {
			errs = append(errs, err.(yamlfile.Errors).Under(k.Value)...)
			continue
		}
		*h = append(*h, Header{Key: k.Value, Value: v})
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// MarshalYAML writes the headers as a mapping, in order; the values of
// headers that carry credentials are written "<redacted>" (see package
// redact), so that results never hold them.
func (h Headers) MarshalYAML() (any, error) {
	m := &yaml.Node{Kind: yaml.MappingNode}
	for _, kv := range h {
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: kv.Key},
			&yaml.Node{Kind: yaml.ScalarNode, Value: redact.Header(kv.Key, kv.Value), Style: yaml.DoubleQuotedStyle})
	}
	return m, nil
}

// JSON is a JSON value, written in YAML as the equivalent YAML value: a
// body template (see RequestSpec).
type JSON []byte

// MarshalJSON writes the value as it is.
func (j JSON) MarshalJSON() ([]byte, error) { return json.RawMessage(j).MarshalJSON() }

// UnmarshalJSON keeps a copy of the value.
func (j *JSON) UnmarshalJSON(b []byte) error { return (*json.RawMessage)(j).UnmarshalJSON(b) }

// UnmarshalYAML converts a YAML value into compact JSON: null, booleans,
// numbers, and every other scalar (timestamps too) as a string. Keys must
// be strings, numbers finite, and nesting at most maxDepth levels.
func (j *JSON) UnmarshalYAML(n *yaml.Node) error {
	c := jsonConv{}
	c.write(n, "", 0)
	*j = c.buf.Bytes()
	if len(c.errs) > 0 {
		return c.errs
	}
	return nil
}

// MarshalYAML writes the value as YAML, keeping its keys in order and its
// numbers as written (9007199254740993 stays that number, not a float64).
func (j JSON) MarshalYAML() (any, error) {
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.UseNumber()
	n, err := jsonNode(dec)
	if err != nil {
		return nil, fmt.Errorf("encode body: %w", err)
	}
	return n, nil
}

// jsonNode reads the next JSON value of dec (numbers as json.Number) as a
// YAML node.
func jsonNode(dec *json.Decoder) (*yaml.Node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		if t == '{' {
			n.Kind, n.Tag = yaml.MappingNode, "!!map"
		}
		for dec.More() {
			if n.Kind == yaml.MappingNode {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k.(string)})
			}
			v, err := jsonNode(dec)
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, v)
		}
		_, err := dec.Token() // the closing delimiter
		return n, err
	case json.Number:
		tag := "!!int"
		if strings.ContainsAny(t.String(), ".eE") {
			tag = "!!float"
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: t.String()}, nil
	case string:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: t}, nil
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(t)}, nil
	default: // nil
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}, nil
	}
}

// jsonConv writes a YAML node tree as JSON text, counting nodes so that
// aliases cannot blow it up.
type jsonConv struct {
	buf   bytes.Buffer
	errs  yamlfile.Errors
	nodes int
}

func (c *jsonConv) errorf(n *yaml.Node, path, format string, args ...any) {
	c.errs = append(c.errs, &yamlfile.Error{Line: n.Line, Field: path, Msg: fmt.Sprintf(format, args...)})
}

func (c *jsonConv) write(n *yaml.Node, path string, depth int) {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i <= 100; i++ {
		n = n.Alias
	}
	if c.nodes++; n == nil || n.Kind == yaml.AliasNode || c.nodes > yamlfile.MaxNodes {
		if c.nodes == yamlfile.MaxNodes+1 && n != nil {
			c.errorf(n, path, "expands to more than %d YAML nodes (aliases?)", yamlfile.MaxNodes)
		}
		c.buf.WriteString("null")
		return
	}
	if depth > maxDepth {
		c.errorf(n, path, "nested deeper than %d levels", maxDepth)
		c.buf.WriteString("null")
		return
	}
	switch n.Kind {
	case yaml.MappingNode:
		c.buf.WriteByte('{')
		wrote := false
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode {
				c.errorf(k, path, "JSON object keys must be strings (got %s)", yamlfile.KindName(k))
				continue
			}
			if wrote {
				c.buf.WriteByte(',')
			}
			wrote = true
			c.buf.Write(jsonText(k.Value))
			c.buf.WriteByte(':')
			c.write(n.Content[i+1], yamlfile.Join(path, k.Value), depth+1)
		}
		c.buf.WriteByte('}')
	case yaml.SequenceNode:
		c.buf.WriteByte('[')
		for i, it := range n.Content {
			if i > 0 {
				c.buf.WriteByte(',')
			}
			c.write(it, yamlfile.Index(path, i), depth+1)
		}
		c.buf.WriteByte(']')
	default:
		c.buf.Write(c.scalar(n, path))
	}
}

// scalar renders a YAML scalar as a JSON value: null, true/false,
// numbers, and everything else (timestamps included) as a string.
func (c *jsonConv) scalar(n *yaml.Node, path string) []byte {
	switch n.ShortTag() {
	case "!!null":
		return []byte("null")
	case "!!bool", "!!int", "!!float":
		var v any
		if err := n.Decode(&v); err == nil {
			if f, ok := v.(float64); ok && (math.IsNaN(f) || math.IsInf(f, 0)) {
				c.errorf(n, path, "%s is not a JSON number", n.Value)
				return []byte("null")
			}
			if b, err := json.Marshal(v); err == nil {
				return b
			}
		}
		c.errorf(n, path, "%q is not a JSON value", n.Value)
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

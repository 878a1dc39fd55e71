package yamlfile

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

type inner struct {
	Size  int           `yaml:"size" nonzero:"≥ 1"`
	Every time.Duration `yaml:"every"`
	Tags  []string      `yaml:"tags"`
}

type pair struct{ A, B string }

// UnmarshalYAML reads "a/b", or a mapping decoded by Decode.
func (p *pair) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		a, b, ok := strings.Cut(n.Value, "/")
		if !ok {
			return fmt.Errorf("want a/b (got %q)", n.Value)
		}
		*p = pair{a, b}
		return nil
	}
	type fields pair
	return Decode(n, (*fields)(p))
}

type Common struct {
	Name string `yaml:"name"`
}

type outer struct {
	Common `yaml:",inline"`
	Rate   float64           `yaml:"rate"`
	On     bool              `yaml:"on"`
	Inner  inner             `yaml:"inner"`
	Items  []inner           `yaml:"items"`
	Env    map[string]string `yaml:"env"`
	Pair   pair              `yaml:"pair"`
	Raw    yaml.Node         `yaml:"raw"`
	Hidden string            `yaml:"-"`
}

func decodeText(t *testing.T, text string) (outer, error) {
	t.Helper()
	node, err := Read("f.yaml", "thing", []byte(text))
	if err != nil {
		return outer{}, err
	}
	doc := NewDoc("f.yaml", "thing", node)
	var o outer
	doc.Decode(&o)
	return o, doc.Err()
}

func TestDecodeValues(t *testing.T) {
	o, err := decodeText(t, "name: n\nrate: 1.5\non: true\ninner: {size: 2, every: 0, tags: [a, b]}\nitems:\n  - {every: 1.5s}\nenv: {K: v}\npair: x/y\nraw: [1, 2]\n")
	if err != nil {
		t.Fatal(err)
	}
	if o.Name != "n" || o.Rate != 1.5 || !o.On || o.Inner.Size != 2 || len(o.Inner.Tags) != 2 || o.Items[0].Every != 1500*time.Millisecond ||
		o.Env["K"] != "v" || o.Pair != (pair{"x", "y"}) || o.Raw.Kind != yaml.SequenceNode || o.Raw.Line != 9 {
		t.Errorf("decoded %+v", o)
	}
	if o, err = decodeText(t, "pair: {a: p, b: q}\n"); err != nil || o.Pair != (pair{"p", "q"}) {
		t.Errorf("pair mapping: %+v %v", o.Pair, err)
	}
}

func TestDecodeProblems(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"nmae: x\n", `f.yaml:1: nmae: unknown field (did you mean "name"? allowed in thing: name, rate, on, inner, items, env, pair, raw)`},
		{"hidden: x\n", "f.yaml:1: hidden: unknown field"},
		{"inner:\n  sise: 1\n", `f.yaml:2: inner.sise: unknown field (did you mean "size"? allowed in inner: size, every, tags)`},
		{"items:\n  - {size: 1}\n  - {sizes: 1}\n", `f.yaml:3: items[1].sizes: unknown field (did you mean "size"? allowed in items[1]:`},
		{"pair:\n  c: 1\n", `f.yaml:2: pair.c: unknown field (did you mean "a"? allowed in pair: a, b)`},
		{"rate: 1\nrate: 2\n", "f.yaml:2: rate: duplicate field (first at line 1)"},
		{"env: {K: a, K: b}\n", "f.yaml:1: env.K: duplicate key (first at line 1)"},
		{"inner:\n  <<: {size: 1}\n", "f.yaml:2: inner: merge keys (<<) are not supported"},
		{"rate: fast\n", `f.yaml:1: rate: must be a number (got "fast")`},
		{"rate: .nan\n", "f.yaml:1: rate: must be a finite number (got .nan)"},
		{"on: 1\n", `f.yaml:1: on: must be true or false (got "1")`},
		{"inner: {size: 1.5}\n", `f.yaml:1: inner.size: must be a whole number (got "1.5")`},
		{"inner: {size: 9999999999}\n", `f.yaml:1: inner.size: must be a whole number (got "9999999999")`},
		{"inner: {size: 0}\n", "f.yaml:1: inner.size: must be ≥ 1 (got 0); leave it out for the default"},
		{"inner: {every: 30}\n", `f.yaml:1: inner.every: duration needs a unit, e.g. "30s" or "30ms" (got 30)`},
		{"inner: {every: soon}\n", `f.yaml:1: inner.every: must be a duration such as "30s"`},
		{"inner: [1]\n", "f.yaml:1: inner: must be a mapping with fields size, every, tags (got a list)"},
		{"items: {size: 1}\n", "f.yaml:1: items: must be a list of items (size, every, tags, ...) (got a mapping)"},
		{"inner: {tags: a}\n", `f.yaml:1: inner.tags: must be a list of strings (got "a")`},
		{"name: [x]\n", "f.yaml:1: name: must be a string (got a list)"},
		{"env: [x]\n", "f.yaml:1: env: must be a mapping of names to values (got a list)"},
		{"pair: xy\n", `f.yaml:1: pair: want a/b (got "xy")`},
		{"- 1\n", "f.yaml:1: thing must be a mapping with fields name"},
		{"a: 1\n---\nb: 2\n", "f.yaml:2: a thing file holds one YAML document; remove the extra ---"},
		{"a: [1\n", "f.yaml:1: invalid YAML: did not find expected ',' or ']'"},
	} {
		_, err := decodeText(t, tc.text)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error\n%v\nwant %q", tc.text, err, tc.want)
		}
	}
}

func TestDecodeReportsEveryProblemWithItsLine(t *testing.T) {
	_, err := decodeText(t, "rate: x\ninner:\n  size: 0\n  every: 3\nbogus: 1\n")
	want := []string{"f.yaml:1: rate", "f.yaml:3: inner.size", "f.yaml:4: inner.every", "f.yaml:5: bogus"}
	lines := strings.Split(fmt.Sprint(err), "\n")
	if len(lines) != len(want) {
		t.Fatalf("got\n%v\nwant %d problems", err, len(want))
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w+":") {
			t.Errorf("problem %d = %q, want %q", i, lines[i], w)
		}
	}
}

func TestDocPlacesValidationProblems(t *testing.T) {
	node, err := Read("f.yaml", "thing", []byte("name: n\ninner:\n  size: x\nitems:\n  - {size: 3}\n"))
	if err != nil {
		t.Fatal(err)
	}
	doc := NewDoc("f.yaml", "thing", node)
	var o outer
	doc.Decode(&o)
	var ps Errors
	ps.Add("items[0].size", "too big")
	ps.Add("inner.size", "echoes the decode problem")
	ps.Add("inner.every", "echoes it too: a sibling the file does not write")
	ps.Add("rate", "placed at the document")
	doc.Add(ps...)
	got := fmt.Sprint(doc.Err())
	want := "f.yaml:1: rate: placed at the document\nf.yaml:3: inner.size: must be a whole number (got \"x\")\nf.yaml:5: items[0].size: too big"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	var fe *Error
	if !errors.As(doc.Err(), &fe) || fe.File != "f.yaml" {
		t.Errorf("problems are not *Error: %#v", doc.Err())
	}
}

func TestDocRefusesAliasBombs(t *testing.T) {
	var b strings.Builder
	b.WriteString("raw:\n  - &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n")
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&b, "  - &a%d [%s]\n", i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*a%d, ", i-1), 10), ", "))
	}
	_, err := decodeText(t, b.String())
	if err == nil || !strings.Contains(err.Error(), "f.yaml:1: thing expands to more than 100000 YAML nodes") {
		t.Errorf("alias bomb: %v", err)
	}
}

func TestDocRefusesAnAliasThatContainsItself(t *testing.T) {
	start := time.Now()
	_, err := decodeText(t, "raw: &a [*a]\n")
	if err == nil || !strings.Contains(err.Error(), "f.yaml:1: thing expands to more than") {
		t.Errorf("self alias: %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %s", d)
	}
}

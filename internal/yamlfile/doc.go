package yamlfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// MaxNodes bounds the YAML nodes one document may expand to, so that alias
// tricks ("billion laughs") cannot blow up decoding.
const MaxNodes = 100_000

// maxDepth bounds how deep a document's values may nest.
const maxDepth = 1000

// Doc is one YAML document being decoded: its file, the line of every
// field path it writes, and the problems found so far.
type Doc struct {
	file  string
	what  string // names the document in messages: "scenario"
	root  *yaml.Node
	lines map[string]int // field path -> line of its key (or item)
	errs  Errors
	// decoded are the problems Decode found (see Echoes).
	decoded Errors
}

var syntaxLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// Read parses data as exactly one YAML document of file; what names the
// document in messages ("scenario"). It returns nil for an empty document.
func Read(file, what string, data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, syntaxError(file, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, &Error{File: file, Line: extra.Line, Msg: fmt.Sprintf("a %s file holds one YAML document; remove the extra ---", what)}
	} else if !errors.Is(err, io.EOF) {
		return nil, syntaxError(file, err)
	}
	return &doc, nil
}

// syntaxError rewrites yaml.v3's "yaml: line N: msg" as "file:N: invalid YAML: msg".
func syntaxError(file string, err error) error {
	msg := err.Error()
	if m := syntaxLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &Error{File: file, Line: line, Msg: "invalid YAML: " + m[2]}
	}
	return &Error{File: file, Msg: "invalid YAML: " + strings.TrimPrefix(msg, "yaml: ")}
}

// NewDoc starts decoding node (a document or its top node; nil when
// empty) of file, recording the line of every field path it writes.
// A document that expands to more than MaxNodes nodes or nests deeper than
// 1000 levels, or whose alias refers to itself, is refused at once.
func NewDoc(file, what string, node *yaml.Node) *Doc {
	d := &Doc{file: file, what: what, lines: map[string]int{}}
	if node != nil && node.Kind == yaml.DocumentNode {
		var top *yaml.Node
		if len(node.Content) > 0 {
			top = node.Content[0]
		}
		node = top
	}
	if node != nil && node.Kind != 0 && !isNull(node) {
		d.root = node
	}
	if d.root != nil {
		budget := MaxNodes
		if !d.index(d.root, "", &budget, map[*yaml.Node]bool{}) {
			d.add(&Error{Line: d.root.Line, Msg: fmt.Sprintf("%s expands to more than %d YAML nodes or %d levels (aliases?)", what, MaxNodes, maxDepth)})
			d.root = nil
		}
	}
	return d
}

// Empty reports whether the document holds nothing to decode (or was refused).
func (d *Doc) Empty() bool { return d.root == nil && len(d.errs) == 0 }

// Root is the document's top node, nil when empty.
func (d *Doc) Root() *yaml.Node { return d.root }

// index records the line of every path below n, following aliases;
// false when the nodes exceed the budget, nest deeper than maxDepth, or
// an alias refers to a node that contains it (open holds the nodes being
// indexed).
func (d *Doc) index(n *yaml.Node, path string, budget *int, open map[*yaml.Node]bool) bool {
	n = deref(n)
	if *budget--; *budget < 0 || open[n] || len(open) > maxDepth {
		return false
	}
	if n == nil {
		return true
	}
	open[n] = true
	defer delete(open, n)
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := deref(n.Content[i])
			if k == nil {
				continue
			}
			p := Join(path, k.Value)
			if _, dup := d.lines[p]; !dup {
				d.lines[p] = k.Line
			}
			if !d.index(n.Content[i+1], p, budget, open) {
				return false
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			p := Index(path, i)
			d.lines[p] = c.Line
			if !d.index(c, p, budget, open) {
				return false
			}
		}
	}
	return true
}

// Decode decodes the document into out, a pointer to a struct, and keeps
// every problem (see Err).
func (d *Doc) Decode(out any) {
	if d.root == nil {
		return
	}
	var dec decoder
	dec.value(d.root, valueOf(out), "")
	for _, e := range dec.errs {
		d.add(e)
	}
	d.decoded = append(d.decoded, dec.errs...)
}

// add places e in the file; without a line, at the line of its field.
func (d *Doc) add(e *Error) {
	e.File = d.file
	if e.root == "" {
		e.root = d.what
	}
	if e.Line == 0 {
		e.Line = d.Line(e.Field)
	}
	d.errs = append(d.errs, e)
}

// Add records validation problems, each at the line of the field it
// names, leaving out those that only echo a decode problem (see Echoes).
func (d *Doc) Add(es ...*Error) {
	for _, e := range es {
		if !d.Echoes(e.Field) {
			d.add(e)
		}
	}
}

// Line is the line of path, or of its nearest ancestor the file writes,
// or of the document.
func (d *Doc) Line(path string) int {
	for p := path; p != ""; p = Parent(p) {
		if l, ok := d.lines[p]; ok {
			return l
		}
	}
	if d.root != nil {
		return d.root.Line
	}
	return 1
}

// Written reports whether the file writes path.
func (d *Doc) Written(path string) bool {
	_, ok := d.lines[path]
	return ok
}

// Echoes reports whether a problem at path only repeats a decode problem:
// path failed to decode, lies below or above a field that did, or is a
// field the file does not write whose sibling failed (ramp.by "must be
// > 0" when ramp.from failed to decode).
func (d *Doc) Echoes(path string) bool {
	written := d.Written(path)
	for _, e := range d.decoded {
		if e.Field == "" {
			continue
		}
		parent := Parent(e.Field)
		if Within(path, e.Field) || Within(e.Field, path) || (!written && parent != "" && Within(path, parent)) {
			return true
		}
	}
	return false
}

// Err joins every problem, in order of line (see Errors.Join); nil when none.
func (d *Doc) Err() error { return d.errs.Join() }

// deref follows aliases; nil for a cycle too long to be meant.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode; i++ {
		if i > 100 {
			return nil
		}
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

package yamlfile

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"
)

// Decode decodes n into out (a non-nil pointer) the way a Doc does, and
// returns its problems as Errors with field paths relative to n (nil when
// none). UnmarshalYAML methods call it for their mapping form: the
// problems they return are placed under their field.
//
// Decoding is strict. A struct is a mapping of its fields, named by their
// yaml tags (",inline" structs merge theirs): unknown, duplicate and merge
// (<<) keys are problems, and so is a value of the wrong type. A null
// value leaves a field zero. A field tagged `nonzero:"> 0"` refuses an
// explicit zero, which would otherwise silently mean its default ("must be
// > 0 (got 0); leave it out for the default"). A time.Duration is written
// with a unit ("30s", "1.5s", "500ms", "2m"), or as a bare 0. A yaml.Node
// field keeps its node as written. Types that implement yaml.Unmarshaler
// decode themselves; yaml.v3 decodes the other scalars.
func Decode(n *yaml.Node, out any) error {
	var dec decoder
	dec.value(n, valueOf(out), "")
	if len(dec.errs) == 0 {
		return nil
	}
	return dec.errs
}

func valueOf(out any) reflect.Value {
	v := reflect.ValueOf(out)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		panic(fmt.Sprintf("yamlfile: decode into %T, not a non-nil pointer", out))
	}
	return v.Elem()
}

// decoder walks a node tree into a value, collecting problems.
type decoder struct {
	errs  Errors
	nodes int
}

func (d *decoder) errorf(n *yaml.Node, field, format string, args ...any) {
	d.errs = append(d.errs, &Error{Line: n.Line, Field: field, Msg: fmt.Sprintf(format, args...)})
}

// resolve follows aliases and counts nodes; nil when the budget is spent.
func (d *decoder) resolve(n *yaml.Node) *yaml.Node {
	n = deref(n)
	if d.nodes++; d.nodes > MaxNodes {
		if d.nodes == MaxNodes+1 && n != nil {
			d.errorf(n, "", "expands to more than %d YAML nodes (aliases?)", MaxNodes)
		}
		return nil
	}
	return n
}

var (
	durationType = reflect.TypeFor[time.Duration]()
	nodeType     = reflect.TypeFor[yaml.Node]()
)

func (d *decoder) value(n *yaml.Node, v reflect.Value, path string) {
	n = d.resolve(n)
	if n == nil || isNull(n) {
		return
	}
	if u, ok := v.Addr().Interface().(yaml.Unmarshaler); ok {
		d.absorb(u.UnmarshalYAML(n), n, path)
		return
	}
	switch v.Type() {
	case nodeType:
		v.Set(reflect.ValueOf(*n))
		return
	case durationType:
		d.duration(n, v, path)
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		d.mapping(n, v, path)
	case reflect.Slice:
		d.list(n, v, path)
	case reflect.Map:
		d.dict(n, v, path)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		d.value(n, p.Elem(), path)
		v.Set(p)
	case reflect.String, reflect.Bool, reflect.Float32, reflect.Float64,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		d.scalar(n, v, path)
	default:
		d.absorb(n.Decode(v.Addr().Interface()), n, path)
	}
}

// absorb keeps the problems of a yaml.v3 or UnmarshalYAML error, placed
// under path: Errors and *Error as they are, yaml.v3's "line N: msg" at
// line N, anything else at n.
func (d *decoder) absorb(err error, n *yaml.Node, path string) {
	if err == nil {
		return
	}
	var es Errors
	var e *Error
	var te *yaml.TypeError
	switch {
	case errors.As(err, &es):
		d.errs = append(d.errs, es.Under(path)...)
	case errors.As(err, &e):
		e.Field = Join(path, e.Field)
		d.errs = append(d.errs, e)
	case errors.As(err, &te):
		for _, m := range te.Errors {
			d.errs = append(d.errs, lineError(m, n, path))
		}
	default:
		d.errs = append(d.errs, lineError(err.Error(), n, path))
	}
}

// lineError reads yaml.v3's "line N: msg" (or "yaml: line N: msg") as a
// problem of path at line N; without a line, at n.
func lineError(msg string, n *yaml.Node, path string) *Error {
	e := &Error{Line: n.Line, Field: path, Msg: strings.TrimPrefix(msg, "yaml: ")}
	if rest, ok := strings.CutPrefix(e.Msg, "line "); ok {
		if num, text, ok := strings.Cut(rest, ": "); ok {
			if l, err := strconv.Atoi(num); err == nil {
				e.Line, e.Msg = l, text
			}
		}
	}
	return e
}

// mapping decodes a struct's fields.
func (d *decoder) mapping(n *yaml.Node, v reflect.Value, path string) {
	fs := fieldsOf(v.Type())
	if n.Kind != yaml.MappingNode {
		d.errorf(n, path, "must be a mapping with fields %s (got %s)", strings.Join(fs.names, ", "), KindName(n))
		return
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, vn := d.resolve(n.Content[i]), n.Content[i+1]
		if k == nil {
			return
		}
		if k.Kind != yaml.ScalarNode {
			d.errorf(k, path, "keys must be field names (allowed: %s)", strings.Join(fs.names, ", "))
			continue
		}
		p := Join(path, k.Value)
		f, known := fs.byName[k.Value]
		switch {
		case k.Value == "<<":
			d.errorf(k, path, "merge keys (<<) are not supported: write the fields out")
			continue
		case !known:
			d.errs = append(d.errs, &Error{Line: k.Line, Field: p, allowed: fs.names})
			continue
		}
		if first, dup := seen[k.Value]; dup {
			d.errorf(k, p, "duplicate field (first at line %d)", first)
			continue
		}
		seen[k.Value] = k.Line
		fv := v.FieldByIndex(f.index)
		before := len(d.errs)
		d.value(vn, fv, p)
		if vn = deref(vn); f.nonzero != "" && len(d.errs) == before && fv.IsZero() && vn != nil && vn.Kind == yaml.ScalarNode && !isNull(vn) {
			d.errorf(vn, p, "must be %s (got %s); leave it out for the default", f.nonzero, vn.Value)
		}
	}
}

// list decodes a slice.
func (d *decoder) list(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, path, "must be a list of %s (got %s)", listOf(v.Type().Elem(), path), KindName(n))
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, c := range n.Content {
		d.value(c, s.Index(i), Index(path, i))
	}
	v.Set(s)
}

// listOf describes the items of a list for messages.
func listOf(t reflect.Type, path string) string {
	switch t.Kind() {
	case reflect.Struct:
		names := fieldsOf(t).names
		return fmt.Sprintf("%s (%s, ...)", Base(path), strings.Join(names[:min(3, len(names))], ", "))
	case reflect.Float32, reflect.Float64:
		return "numbers"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "whole numbers"
	case reflect.String:
		return "strings"
	}
	return Base(path)
}

// dict decodes a map with string keys.
func (d *decoder) dict(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.errorf(n, path, "must be a mapping of names to values (got %s)", KindName(n))
		return
	}
	t := v.Type()
	m := reflect.MakeMapWithSize(t, len(n.Content)/2)
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := d.resolve(n.Content[i])
		if k == nil {
			return
		}
		if k.Kind != yaml.ScalarNode || t.Key().Kind() != reflect.String {
			d.errorf(k, path, "keys must be names (got %s)", KindName(k))
			continue
		}
		if first, dup := seen[k.Value]; dup {
			d.errorf(k, Join(path, k.Value), "duplicate key (first at line %d)", first)
			continue
		}
		seen[k.Value] = k.Line
		e := reflect.New(t.Elem()).Elem()
		d.value(n.Content[i+1], e, Join(path, k.Value))
		m.SetMapIndex(reflect.ValueOf(k.Value).Convert(t.Key()), e)
	}
	v.Set(m)
}

// fields is a struct's YAML fields, in declaration order.
type fields struct {
	names  []string
	byName map[string]field
}

type field struct {
	index   []int  // reflect.Value.FieldByIndex
	nonzero string // what a nonzero-tagged field allows, or ""
}

var fieldCache sync.Map // reflect.Type -> *fields

func fieldsOf(t reflect.Type) *fields {
	if fs, ok := fieldCache.Load(t); ok {
		return fs.(*fields)
	}
	fs := &fields{byName: map[string]field{}}
	fs.add(t, nil)
	fieldCache.Store(t, fs)
	return fs
}

func (fs *fields) add(t reflect.Type, index []int) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		idx := append(append([]int(nil), index...), i)
		switch {
		case name == "-":
			continue
		case strings.Contains(","+opts+",", ",inline,") && f.Type.Kind() == reflect.Struct:
			fs.add(f.Type, idx)
			continue
		case name == "":
			name = strings.ToLower(f.Name)
		}
		fs.names = append(fs.names, name)
		fs.byName[name] = field{index: idx, nonzero: f.Tag.Get("nonzero")}
	}
}

// FieldNames lists the YAML fields of the struct v points to, or is, in
// declaration order.
func FieldNames(v any) []string {
	t := reflect.TypeOf(v)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return fieldsOf(t).names
}

// Package yamlfile decodes YAML files (scenarios, experiments) into Go
// structs with gopkg.in/yaml.v3, strictly, and reports every problem as
// "file:line: field.path: what is wrong (what is allowed)": unknown and
// duplicate fields, values of the wrong type, explicit zeros that would
// silently mean a default, and the validation problems of the decoded
// value, placed at the line of the field they name.
//
// Fields are named once, by their yaml tags: a new field needs only its
// struct field (and its validation). Types with a form of their own
// implement yaml.Unmarshaler and may call Decode for their mapping form.
package yamlfile

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Error is one problem of a YAML file: where it is, the field path as
// written in YAML (e.g. "requests[0].invalid.fraction"), and what is wrong
// and what is allowed.
type Error struct {
	File  string // the file, or empty
	Line  int    // 1-based line in File, or 0 when unknown
	Field string // field path, or empty for the whole document
	Msg   string
	// Missing marks a problem of something absent that another source
	// (command-line flags) may still supply, so that a file may leave it
	// out.
	Missing bool

	// allowed, for an unknown field, lists the fields of its mapping,
	// named in the message with the mapping's path (known only once a
	// nested error is placed under its parent, see Errors.Under).
	allowed []string
	// root names the document ("scenario") in messages about its top level.
	root string
}

// Error renders "file:line: field: message", leaving out the parts that
// are unknown.
func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			b.WriteByte(':')
			b.WriteString(strconv.Itoa(e.Line))
		}
		b.WriteString(": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.message())
	return b.String()
}

// message is Msg, or for an unknown field the list of allowed fields with
// the mapping they belong to.
func (e *Error) message() string {
	if e.allowed == nil {
		if e.Field == "" && e.root != "" && strings.HasPrefix(e.Msg, "must be a mapping") {
			return e.root + " " + e.Msg
		}
		return e.Msg
	}
	where := Parent(e.Field)
	if where == "" {
		where = e.root
	}
	if where != "" {
		where = " in " + where
	}
	hint := ""
	if s := suggest(Base(e.Field), e.allowed); s != "" {
		hint = fmt.Sprintf("did you mean %q? ", s)
	}
	return fmt.Sprintf("unknown field (%sallowed%s: %s)", hint, where, strings.Join(e.allowed, ", "))
}

// Errors collects problems; it is an error itself (one problem a line).
type Errors []*Error

// Add records a problem of field.
func (es *Errors) Add(field, format string, args ...any) {
	*es = append(*es, &Error{Field: field, Msg: fmt.Sprintf(format, args...)})
}

// Missing records a problem of something absent (see Error.Missing).
func (es *Errors) Missing(field, format string, args ...any) {
	*es = append(*es, &Error{Field: field, Msg: fmt.Sprintf(format, args...), Missing: true})
}

// Error joins the problems, one a line.
func (es Errors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Join sorts the problems by line (stable, so problems without a line
// keep their order) and joins them (errors.Join, each a *Error); nil when
// there are none.
func (es Errors) Join() error {
	if len(es) == 0 {
		return nil
	}
	sort.SliceStable(es, func(i, j int) bool { return es[i].Line < es[j].Line })
	errs := make([]error, len(es))
	for i, e := range es {
		errs[i] = e
	}
	return errors.Join(errs...)
}

// Under places problems found in a nested value (e.g. by its UnmarshalYAML)
// below its field path.
func (es Errors) Under(path string) Errors {
	for _, e := range es {
		e.Field = Join(path, e.Field)
	}
	return es
}

// Parent drops the last ".name" or "[i]" of a field path; "" when none is
// left.
func Parent(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return ""
	}
	return path[:i]
}

// Base is the last name of a field path ("hold" of "ramp.hold").
func Base(path string) string {
	return path[strings.LastIndexByte(path, '.')+1:]
}

// Join appends a field name, or a path below it, to a path.
func Join(path, name string) string {
	switch {
	case path == "":
		return name
	case name == "":
		return path
	case name[0] == '[':
		return path + name
	}
	return path + "." + name
}

// Index appends a sequence index to a path.
func Index(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

// Within reports whether path is field or lies below it.
func Within(path, field string) bool {
	return path == field || strings.HasPrefix(path, field+".") || strings.HasPrefix(path, field+"[")
}

// suggest returns the allowed name closest to got (edit distance ≤ 2), or "".
func suggest(got string, allowed []string) string {
	best, bestD := "", 3
	for _, a := range allowed {
		if d := editDistance(strings.ToLower(got), a); d < bestD {
			best, bestD = a, d
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

// Nested places the problems of err, a document decoded from a value
// nested in another file (an inline scenario in an experiment), below
// that value's field path, and gives any other error the value's place:
// file, line and field. A nil err stays nil.
func Nested(err error, file string, line int, path string) error {
	if err == nil {
		return nil
	}
	var es []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		es = j.Unwrap()
	} else {
		es = []error{err}
	}
	out := make(Errors, 0, len(es))
	for _, e := range es {
		var fe *Error
		if !errors.As(e, &fe) {
			fe = &Error{File: file, Line: line, Msg: e.Error()}
		}
		out = append(out, fe)
	}
	return out.Under(path).Join()
}

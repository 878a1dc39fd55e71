package scenarios

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// FieldError is one problem in a scenario: the field path (as written in
// YAML, e.g. "requests[0].invalid.fraction"), what is wrong and what is
// allowed, and, when the scenario came from a file, where.
type FieldError struct {
	File  string // the scenario file, or empty
	Line  int    // 1-based line in File, or 0 when unknown
	Field string // field path, or empty for the whole scenario
	Msg   string
	// missing marks "something is absent" problems that flags may still
	// supply after Parse (a ramp, a request source); Parse leaves them to
	// Validate.
	missing bool
}

// Error renders "file:line: field: message", leaving out the parts that
// are unknown.
func (e *FieldError) Error() string {
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
	b.WriteString(e.Msg)
	return b.String()
}

// problems collects FieldErrors.
type problems []*FieldError

func (p *problems) add(field, format string, args ...any) {
	*p = append(*p, &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)})
}

func (p *problems) missing(field, format string, args ...any) {
	*p = append(*p, &FieldError{Field: field, Msg: fmt.Sprintf(format, args...), missing: true})
}

// join sorts the problems by line (stable, so problems without a line keep
// their rule order) and joins them; nil when there are none.
func (p problems) join() error {
	if len(p) == 0 {
		return nil
	}
	sort.SliceStable(p, func(i, j int) bool { return p[i].Line < p[j].Line })
	errs := make([]error, len(p))
	for i, e := range p {
		errs[i] = e
	}
	return errors.Join(errs...)
}

// parentPath drops the last ".name" or "[i]" of a field path; "" when none
// is left.
func parentPath(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return ""
	}
	return path[:i]
}

// joinPath appends a field name to a path.
func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// indexPath appends a sequence index to a path.
func indexPath(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

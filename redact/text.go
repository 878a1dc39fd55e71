package redact

import (
	"cmp"
	"io"
	"regexp"
	"slices"
	"strings"
)

// MinKnown is the shortest known secret value (in bytes) that String
// scrubs from free text: shorter values ("1", "true", "debug") would mask
// unrelated text; keep them out of secrets with public_env.
const MinKnown = 6

// Redactor redacts free text: URL user info and secret query values by
// pattern, and the known secret values it was given. The zero value and
// nil redact by pattern only. It is safe for concurrent use.
type Redactor struct {
	known []string // longest first, so that no secret is half-masked
}

// New returns a Redactor that also scrubs the given secret values (those
// shorter than MinKnown, and empty ones, are ignored).
func New(known ...string) *Redactor {
	r := &Redactor{}
	for _, k := range known {
		if len(k) >= MinKnown && k != Mask && !slices.Contains(r.known, k) {
			r.known = append(r.known, k)
		}
	}
	slices.SortFunc(r.known, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	return r
}

// userinfoRE finds the user info of URLs in free text.
var userinfoRE = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://)[^/\s@"'<>]+@`)

// paramRE finds name=value pairs after '?', '&' or ';' in free text.
var paramRE = regexp.MustCompile(`([?&;])([^=&?;#\s"'<>]+)=([^&;#\s"'<>]*)`)

// String redacts s: URL user info, values of secret-looking query
// parameters wherever a ?name=value or &name=value appears, and every known
// secret value.
func (r *Redactor) String(s string) string {
	if strings.Contains(s, "://") && strings.Contains(s, "@") {
		s = userinfoRE.ReplaceAllString(s, "${1}"+Mask+"@")
	}
	if strings.ContainsAny(s, "?&;") {
		s = paramRE.ReplaceAllStringFunc(s, func(m string) string {
			sub := paramRE.FindStringSubmatch(m)
			if !IsSecretName(sub[2]) || sub[3] == Mask {
				return m
			}
			return sub[1] + sub[2] + "=" + Mask
		})
	}
	if r != nil {
		for _, k := range r.known {
			s = strings.ReplaceAll(s, k, Mask)
		}
	}
	return s
}

// Strings redacts every element of ss in place and returns it.
func (r *Redactor) Strings(ss []string) []string {
	for i, s := range ss {
		ss[i] = r.String(s)
	}
	return ss
}

// String redacts s by pattern only (no known values).
func String(s string) string { return (*Redactor)(nil).String(s) }

// Writer returns a writer that redacts each Write's text before passing
// it to w: console messages (one Write per message) never show a secret.
// It reports len(p) written when w accepts the redacted text.
func (r *Redactor) Writer(w io.Writer) io.Writer { return &writer{r: r, w: w} }

type writer struct {
	r *Redactor
	w io.Writer
}

func (w *writer) Write(p []byte) (int, error) {
	if _, err := io.WriteString(w.w, w.r.String(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

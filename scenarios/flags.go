package scenarios

import (
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/search"
)

// ParseRange parses a `loadlab ramp --users/--rate` value: "from:to:by"
// (e.g. "500:10000:500") or a single level ("100", which returns from = to
// = 100 and by = 0). Levels must be finite numbers > 0 with to ≥ from, and
// by > 0 when to > from; Validate checks the rest (whole users, by not
// larger than the range, step count). A range whose from equals its to is
// one step, whatever by is ("20:20:20" is the single level 20).
func ParseRange(s string) (from, to, by float64, err error) {
	from, to, by, why := parseRange(s)
	if why != "" {
		return 0, 0, 0, fmt.Errorf("range %q: %s (want from:to:by, e.g. 500:10000:500, or a single value)", s, why)
	}
	return from, to, by, nil
}

// parseRange is ParseRange with the reason for a rejection ("" when none).
func parseRange(s string) (from, to, by float64, why string) {
	parts := strings.Split(strings.TrimSpace(s), ":")
	if len(parts) != 1 && len(parts) != 3 {
		return 0, 0, 0, fmt.Sprintf("%d parts", len(parts))
	}
	var v [3]float64
	names := [3]string{"from", "to", "by"}
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return 0, 0, 0, fmt.Sprintf("%s %q is not a number", names[i], p)
		}
		if f <= 0 {
			return 0, 0, 0, fmt.Sprintf("%s must be > 0 (got %s)", names[i], p)
		}
		v[i] = f
	}
	if len(parts) == 1 {
		return v[0], v[0], 0, ""
	}
	if v[1] < v[0] {
		return 0, 0, 0, fmt.Sprintf("to %s is less than from %s", parts[1], parts[0])
	}
	return v[0], v[1], v[2], ""
}

// ParseThink parses a `--think` value: "1s-2.5s" (uniform between the two),
// "1s" (constant), or "0" (no think time, Think.None). "1s–2.5s" with an
// en dash, as Describe prints it, is accepted too.
func ParseThink(s string) (Think, error) {
	t, why := parseThink(s)
	if why != "" {
		return Think{}, fmt.Errorf("think %q: %s (want min-max such as 1s-2.5s, a constant such as 1s, or 0)", s, why)
	}
	return t, nil
}

// parseThink is ParseThink with the reason for a rejection ("" when none).
func parseThink(s string) (Think, string) {
	text := strings.TrimSpace(s)
	if text == "" {
		return Think{}, "empty"
	}
	if text == "0" {
		return Think{None: true}, ""
	}
	lo, hi := text, text
	if i := strings.IndexAny(text[1:], "-–"); i >= 0 {
		sep := text[1+i:]
		_, size := utf8.DecodeRuneInString(sep)
		lo, hi = strings.TrimSpace(text[:1+i]), strings.TrimSpace(sep[size:])
	}
	minD, err1 := parseDur(lo)
	maxD, err2 := parseDur(hi)
	switch {
	case err1 != nil:
		return Think{}, err1.Error()
	case err2 != nil:
		return Think{}, err2.Error()
	case minD < 0 || maxD < 0:
		return Think{}, "durations must be ≥ 0"
	case minD > maxD:
		return Think{}, "min is greater than max"
	}
	if minD == 0 && maxD == 0 {
		return Think{None: true}, ""
	}
	return Think{Min: minD, Max: maxD}, ""
}

// parseDur reads a duration with a unit; a bare 0 is zero.
func parseDur(s string) (time.Duration, error) {
	if s == "0" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration with a unit", s)
	}
	return d, nil
}

// SetTLS binds `loadlab ramp --ca-file` and `--insecure` onto the
// scenario: caFile (when not empty) is relative to the working directory,
// so it is made absolute; insecure only ever turns verification off.
func (s *Scenario) SetTLS(caFile string, insecure bool) error {
	if caFile != "" {
		abs, err := filepath.Abs(caFile)
		if err != nil {
			return fmt.Errorf("ca file %q: %w", caFile, err)
		}
		s.TLS.CAFile = abs
	}
	if insecure {
		s.TLS.InsecureSkipVerify = true
	}
	return nil
}

// SetRange binds `--users` (model "users") or `--rate` (model "rate") onto
// the scenario: it sets Model and the ramp's from/to/by, replacing explicit
// steps and a search.
func (s *Scenario) SetRange(model, spec string) error {
	if model != record.ModelUsers && model != record.ModelRate {
		return fmt.Errorf("unknown model %q (allowed: users, rate)", model)
	}
	from, to, by, err := ParseRange(spec)
	if err != nil {
		return err
	}
	s.Model = model
	s.Ramp.From, s.Ramp.To, s.Ramp.By, s.Ramp.Steps, s.Ramp.Search = from, to, by, nil, nil
	return nil
}

// ParseSearch parses a `loadlab ramp --search` value: "from:max" or
// "from:max:resolution", e.g. "100:20000:5%" or "100:20000:50" (a load);
// the resolution defaults to 5 %. From and max must be finite numbers > 0
// with max ≥ from; Validate checks the rest (whole users, bounds).
func ParseSearch(spec string) (search.Capacity, error) {
	parts := strings.Split(strings.TrimSpace(spec), ":")
	fail := func(why string) (search.Capacity, error) {
		return search.Capacity{}, fmt.Errorf("search %q: %s (want from:max[:resolution], e.g. 100:20000:5%% or 100:20000:50)", spec, why)
	}
	if len(parts) != 2 && len(parts) != 3 {
		return fail(fmt.Sprintf("%d parts", len(parts)))
	}
	var v [2]float64
	for i, name := range []string{"from", "max"} {
		f, err := strconv.ParseFloat(strings.TrimSpace(parts[i]), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return fail(fmt.Sprintf("%s %q is not a number", name, parts[i]))
		}
		if f <= 0 {
			return fail(fmt.Sprintf("%s must be > 0 (got %s)", name, parts[i]))
		}
		v[i] = f
	}
	if v[1] < v[0] {
		return fail(fmt.Sprintf("max %s is less than from %s", parts[1], parts[0]))
	}
	c := search.Capacity{From: v[0], Max: v[1]}
	if len(parts) == 3 {
		if err := yaml.Unmarshal([]byte(strings.TrimSpace(parts[2])), &c.Resolution); err != nil || c.Resolution.IsZero() {
			why := "empty"
			if err != nil {
				why = strings.TrimPrefix(err.Error(), "yaml: ")
			}
			return fail("resolution: " + why)
		}
	}
	return c, nil
}

// SetSearch binds `--search` onto the scenario: it sets ramp.search,
// replacing the ramp's from/to/by and steps; the model stays the
// scenario's.
func (s *Scenario) SetSearch(spec string) error {
	c, err := ParseSearch(spec)
	if err != nil {
		return err
	}
	s.Ramp.From, s.Ramp.To, s.Ramp.By, s.Ramp.Steps, s.Ramp.Search = 0, 0, 0, nil, &c
	return nil
}

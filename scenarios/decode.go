package scenarios

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Load reads and parses the scenario file at path (see Parse).
func Load(path string) (Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Scenario{}, fmt.Errorf("read scenario: %w", err)
	}
	return Parse(path, data)
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// Parse decodes a scenario from YAML. file names the source in errors and
// is the base for relative paths (Scenario.Dir). Unknown fields are
// rejected; durations are written "30s", "1.5s", "500ms", "2m".
//
// Parse reports every problem at once (errors.Join), each as
// "file:line: field.path: what is wrong (what is allowed)", including the
// rules of Validate applied to the scenario with its defaults. It leaves
// out only what `loadlab ramp` flags may still supply — a ramp and a
// request source — so call Validate after binding flags.
func Parse(file string, data []byte) (Scenario, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return Scenario{}, &FieldError{File: file, Line: 1, Msg: "empty scenario: want a mapping with fields " + strings.Join(scenarioFields, ", ")}
		}
		return Scenario{}, yamlError(file, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return Scenario{}, &FieldError{File: file, Line: extra.Line, Msg: "a scenario file holds one YAML document; remove the extra ---"}
	} else if !errors.Is(err, io.EOF) {
		return Scenario{}, yamlError(file, err)
	}
	return Decode(file, &doc)
}

// yamlError rewrites yaml.v3's "yaml: line N: msg" as "file:N: msg".
func yamlError(file string, err error) error {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &FieldError{File: file, Line: line, Msg: "invalid YAML: " + m[2]}
	}
	return &FieldError{File: file, Msg: "invalid YAML: " + strings.TrimPrefix(msg, "yaml: ")}
}

// Decode is Parse for a scenario already parsed into a YAML node (a
// document or a mapping), such as one embedded inline in an experiment
// file; file is that file, for errors and relative paths.
func Decode(file string, node *yaml.Node) (Scenario, error) {
	d := newDecoder(file)
	n := node
	if n != nil && n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			n = nil
		} else {
			n = n.Content[0]
		}
	}
	if n == nil || n.Kind == 0 || isNull(n) {
		line := 1
		if n != nil && n.Line > 0 {
			line = n.Line
		}
		return Scenario{}, &FieldError{File: file, Line: line, Msg: "empty scenario: want a mapping with fields " + strings.Join(scenarioFields, ", ")}
	}
	s := d.scenario(n)
	if file != "" {
		s.Dir = filepath.Dir(file)
	}
	s.loadInputs()
	// Check the values the file holds, skipping fields that already failed
	// to decode and what flags may still supply.
	decodeErrs := d.errs
	for _, p := range s.problems() {
		if p.missing || d.failed(p.Field, decodeErrs) {
			continue
		}
		p.File, p.Line = file, d.line(p.Field, n.Line)
		d.errs = append(d.errs, p)
	}
	if err := d.errs.join(); err != nil {
		return Scenario{}, err
	}
	return s, nil
}

// line returns the line of the nearest recorded field on path, or root.
func (d *decoder) line(path string, root int) int {
	for p := path; p != ""; p = parentPath(p) {
		if l, ok := d.lines[p]; ok {
			return l
		}
	}
	return root
}

// failed reports whether a problem at path only echoes a decode error:
// path is a field that failed to decode, lies below or above one, or is a
// field the file does not write whose sibling failed (ramp.by "must be
// > 0" when ramp.from failed to decode).
func (d *decoder) failed(path string, decodeErrs problems) bool {
	_, written := d.lines[path]
	for _, e := range decodeErrs {
		if e.Field == "" {
			continue
		}
		if within(path, e.Field) || within(e.Field, path) || (!written && parentPath(e.Field) != "" && within(path, parentPath(e.Field))) {
			return true
		}
	}
	return false
}

// within reports whether path is field or lies below it.
func within(path, field string) bool {
	return path == field || strings.HasPrefix(path, field+".") || strings.HasPrefix(path, field+"[")
}

var (
	scenarioFields = []string{"name", "preset", "model", "ramp", "think", "spawn_rate", "connections", "pool",
		"timeout", "max_workers", "stability", "stop", "requests", "targets_file", "targets_format", "allow_large", "tls"}
	rampFields      = []string{"from", "to", "by", "steps", "hold", "settle"}
	thinkFields     = []string{"min", "max"}
	stabilityFields = []string{"enabled", "window", "windows", "tolerance", "max_hold"}
	stopFields      = []string{"slo", "margin", "abort_error_rate"}
	tlsFields       = []string{"ca_file", "insecure_skip_verify"}
	requestFields   = []string{"name", "method", "path", "headers", "weight", "body", "body_file", "batch", "invalid", "expect"}
	invalidFields   = []string{"fraction", "body", "expect_status"}
)

func (d *decoder) scenario(n *yaml.Node) Scenario {
	var s Scenario
	d.fields(n, "", scenarioFields, func(key string, v *yaml.Node, p string) {
		switch key {
		case "name":
			s.Name = d.str(v, p)
		case "preset":
			s.Preset = d.str(v, p)
		case "model":
			s.Model = d.str(v, p)
		case "ramp":
			s.Ramp = d.ramp(v, p)
		case "think":
			s.Think = d.think(v, p)
		case "spawn_rate":
			s.SpawnRate = d.float(v, p)
			d.notZero(v, p, s.SpawnRate == 0, "> 0 users/s")
		case "connections":
			s.Connections = d.str(v, p)
		case "pool":
			s.Pool = d.int(v, p)
			d.notZero(v, p, s.Pool == 0, "≥ 1 connection")
		case "timeout":
			s.Timeout = d.duration(v, p)
			d.notZero(v, p, s.Timeout == 0, "> 0")
		case "max_workers":
			s.MaxWorkers = d.int(v, p)
			d.notZero(v, p, s.MaxWorkers == 0, "> 0")
		case "stability":
			d.fields(v, p, stabilityFields, func(key string, v *yaml.Node, p string) {
				st := &s.Stability
				switch key {
				case "enabled":
					st.Enabled = d.boolean(v, p)
				case "window":
					st.Window = d.duration(v, p)
					d.notZero(v, p, st.Window == 0, "> 0")
				case "windows":
					st.Windows = d.int(v, p)
					d.notZero(v, p, st.Windows == 0, "≥ 2")
				case "tolerance":
					st.Tolerance = d.float(v, p)
					d.notZero(v, p, st.Tolerance == 0, "in (0, 1]")
				case "max_hold":
					st.MaxHold = d.duration(v, p)
					d.notZero(v, p, st.MaxHold == 0, "> 0")
				}
			})
		case "stop":
			d.fields(v, p, stopFields, func(key string, v *yaml.Node, p string) {
				switch key {
				case "slo":
					s.Stop.SLO = d.str(v, p)
				case "margin":
					s.Stop.Margin = d.float(v, p)
				case "abort_error_rate":
					s.Stop.AbortErrorRate = d.float(v, p)
				}
			})
		case "requests":
			d.items(v, p, "requests (method, path, body, ...)", func(_ int, v *yaml.Node, p string) {
				s.Requests = append(s.Requests, d.request(v, p))
			})
		case "targets_file":
			s.TargetsFile = d.str(v, p)
		case "targets_format":
			s.TargetsFormat = d.str(v, p)
		case "allow_large":
			s.AllowLarge = d.boolean(v, p)
		case "tls":
			d.fields(v, p, tlsFields, func(key string, v *yaml.Node, p string) {
				switch key {
				case "ca_file":
					s.TLS.CAFile = d.str(v, p)
				case "insecure_skip_verify":
					s.TLS.InsecureSkipVerify = d.boolean(v, p)
				}
			})
		}
	})
	return s
}

// notZero reports an explicit zero for a field whose zero value would
// silently mean "default".
func (d *decoder) notZero(n *yaml.Node, path string, zero bool, allowed string) {
	if n = d.resolve(n); zero && n != nil && n.Kind == yaml.ScalarNode && !isNull(n) && !d.failed(path, d.errs) {
		d.errorf(n, path, "must be %s (got %s); leave it out for the default", allowed, n.Value)
	}
}

// ramp accepts a mapping or the flag form "from:to:by" / a single value.
func (d *decoder) ramp(n *yaml.Node, path string) Ramp {
	var r Ramp
	if rn := d.resolve(n); rn != nil && rn.Kind == yaml.ScalarNode && !isNull(rn) {
		from, to, by, why := parseRange(rn.Value)
		if why != "" {
			d.errorf(rn, path, "%s (got %q): want from:to:by such as 500:10000:500, a single value, or a mapping with fields %s",
				why, rn.Value, strings.Join(rampFields, ", "))
		}
		return Ramp{From: from, To: to, By: by}
	}
	d.fields(n, path, rampFields, func(key string, v *yaml.Node, p string) {
		switch key {
		case "from":
			r.From = d.float(v, p)
			d.notZero(v, p, r.From == 0, "> 0")
		case "to":
			r.To = d.float(v, p)
			d.notZero(v, p, r.To == 0, "> 0")
		case "by":
			r.By = d.float(v, p)
			d.notZero(v, p, r.By == 0, "> 0")
		case "steps":
			d.items(v, p, "numbers", func(_ int, v *yaml.Node, p string) {
				r.Steps = append(r.Steps, d.float(v, p))
			})
		case "hold":
			r.Hold = d.duration(v, p)
			d.notZero(v, p, r.Hold == 0, "> 0")
		case "settle":
			r.Settle = d.duration(v, p)
			rn := d.resolve(v)
			r.NoSettle = r.Settle == 0 && rn != nil && rn.Kind == yaml.ScalarNode && !isNull(rn)
		}
	})
	return r
}

// think accepts "1s-2.5s", "1s", 0, or a mapping {min, max}; an explicit
// zero means no think time.
func (d *decoder) think(n *yaml.Node, path string) Think {
	n = d.resolve(n)
	if n == nil || isNull(n) {
		return Think{}
	}
	if n.Kind == yaml.ScalarNode {
		t, why := parseThink(n.Value)
		if why != "" {
			d.errorf(n, path, "%s: want min-max such as 1s-2.5s, a constant such as 1s, 0 for none, or a mapping {min, max}", why)
		}
		return t
	}
	var t Think
	var hasMin, hasMax bool
	d.fields(n, path, thinkFields, func(key string, v *yaml.Node, p string) {
		if key == "min" {
			t.Min, hasMin = d.duration(v, p), true
		} else {
			t.Max, hasMax = d.duration(v, p), true
		}
	})
	if hasMin && !hasMax {
		t.Max = t.Min
	}
	if (hasMin || hasMax) && t.Min == 0 && t.Max == 0 {
		t.None = true
	}
	return t
}

func (d *decoder) request(n *yaml.Node, path string) RequestSpec {
	var r RequestSpec
	d.fields(n, path, requestFields, func(key string, v *yaml.Node, p string) {
		switch key {
		case "name":
			r.Name = d.str(v, p)
		case "method":
			r.Method = d.str(v, p)
		case "path":
			r.Path = d.str(v, p)
		case "headers":
			r.Headers = d.headers(v, p)
		case "weight":
			r.Weight = d.float(v, p)
			d.notZero(v, p, r.Weight == 0, "> 0")
		case "body":
			r.Body = d.json(v, p)
		case "body_file":
			r.BodyFile = d.str(v, p)
		case "batch":
			r.Batch = d.int(v, p)
		case "invalid":
			d.fields(v, p, invalidFields, func(key string, v *yaml.Node, p string) {
				switch key {
				case "fraction":
					r.Invalid.Fraction = d.float(v, p)
				case "body":
					r.Invalid.Body = d.json(v, p)
				case "expect_status":
					r.Invalid.ExpectStatus = d.int(v, p)
					d.notZero(v, p, r.Invalid.ExpectStatus == 0, "an HTTP status 100..599")
				}
			})
		case "expect":
			d.items(v, p, "HTTP status codes", func(_ int, v *yaml.Node, p string) {
				r.Expect = append(r.Expect, d.int(v, p))
			})
		}
	})
	return r
}

// headers reads a mapping of header names to values, keeping its order.
func (d *decoder) headers(n *yaml.Node, path string) []Header {
	n = d.resolve(n)
	if n == nil || isNull(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n, path, "must be a mapping of header names to values, e.g. {Authorization: Bearer x} (got %s)", kindName(n))
		return nil
	}
	var hs []Header
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn := d.resolve(n.Content[i])
		if kn == nil {
			break
		}
		p := joinPath(path, kn.Value)
		d.lines[p] = kn.Line
		if kn.Kind != yaml.ScalarNode {
			d.errorf(kn, path, "header names must be strings (got %s)", kindName(kn))
			continue
		}
		hs = append(hs, Header{Key: kn.Value, Value: d.str(n.Content[i+1], p)})
	}
	return hs
}

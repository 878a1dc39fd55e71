package scenarios

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/loadlab/loadlab/redact"
)

// MarshalYAML renders the scenario in the file format Parse reads (so a
// resolved experiment.yaml can be run again, from its results folder: the
// files it names are written as absolute paths): durations as "30s", headers
// as a mapping, bodies as YAML values. Header values that carry
// credentials and secret query values of request paths are written as
// "<redacted>" (see package redact): results never hold a secret.
func (s Scenario) MarshalYAML() (any, error) {
	mb := &mappingBuilder{what: "scenario"}
	m, add := mb.node(), mb.add
	dur := func(d time.Duration) string { return d.String() }
	if s.Name != "" {
		add("name", s.Name)
	}
	if s.Preset != "" {
		add("preset", s.Preset)
	}
	if s.Model != "" {
		add("model", s.Model)
	}
	ramp := map[string]any{}
	if len(s.Ramp.Steps) > 0 {
		ramp["steps"] = s.Ramp.Steps
	} else if s.Ramp.To > 0 {
		ramp["from"], ramp["to"] = s.Ramp.From, s.Ramp.To
		if s.Ramp.By > 0 { // a single step has none, and an explicit 0 is refused
			ramp["by"] = s.Ramp.By
		}
	}
	if s.Ramp.Hold > 0 {
		ramp["hold"] = dur(s.Ramp.Hold)
	}
	if s.Ramp.Settle > 0 {
		ramp["settle"] = dur(s.Ramp.Settle)
	} else if s.Ramp.NoSettle {
		ramp["settle"] = "0s"
	}
	if len(ramp) > 0 {
		add("ramp", ramp)
	}
	switch {
	case s.Think.None:
		add("think", "0")
	case s.Think.Min > 0 || s.Think.Max > 0:
		add("think", map[string]string{"min": dur(s.Think.Min), "max": dur(s.Think.Max)})
	}
	if s.SpawnRate > 0 {
		add("spawn_rate", s.SpawnRate)
	}
	if s.Connections != "" {
		add("connections", s.Connections)
	}
	if s.Pool > 0 {
		add("pool", s.Pool)
	}
	if s.Timeout > 0 {
		add("timeout", dur(s.Timeout))
	}
	if s.MaxWorkers > 0 {
		add("max_workers", s.MaxWorkers)
	}
	if st := s.Stability; st.Enabled || st.Windows > 0 || st.Tolerance > 0 || st.MaxHold > 0 || st.Window > 0 {
		sm := map[string]any{"enabled": st.Enabled}
		if st.Window > 0 {
			sm["window"] = dur(st.Window)
		}
		if st.Windows > 0 {
			sm["windows"] = st.Windows
		}
		if st.Tolerance > 0 {
			sm["tolerance"] = st.Tolerance
		}
		if st.MaxHold > 0 {
			sm["max_hold"] = dur(st.MaxHold)
		}
		add("stability", sm)
	}
	if st := s.Stop; st.SLO != "" || st.Margin > 0 || st.AbortErrorRate > 0 {
		sm := map[string]any{}
		if st.SLO != "" {
			sm["slo"] = st.SLO
		}
		if st.Margin > 0 {
			sm["margin"] = st.Margin
		}
		if st.AbortErrorRate > 0 {
			sm["abort_error_rate"] = st.AbortErrorRate
		}
		add("stop", sm)
	}
	if len(s.Requests) > 0 {
		var reqs []any
		for _, r := range s.Requests {
			rm, e := r.yamlValue(s.Dir)
			if e != nil {
				return nil, e
			}
			reqs = append(reqs, rm)
		}
		add("requests", reqs)
	}
	if s.TargetsFile != "" {
		add("targets_file", absPath(s.Dir, s.TargetsFile))
	}
	if s.TargetsFormat != "" {
		add("targets_format", s.TargetsFormat)
	}
	if s.AllowLarge {
		add("allow_large", true)
	}
	if !s.TLS.IsZero() {
		tm := map[string]any{}
		if s.TLS.CAFile != "" {
			tm["ca_file"] = absPath(s.Dir, s.TLS.CAFile)
		}
		if s.TLS.InsecureSkipVerify {
			tm["insecure_skip_verify"] = true
		}
		add("tls", tm)
	}
	return m, mb.err
}

func (r RequestSpec) yamlValue(dir string) (*yaml.Node, error) {
	mb := &mappingBuilder{what: "request " + r.Name}
	m, add := mb.node(), mb.add
	jsonValue := func(raw json.RawMessage) any {
		var v any
		if e := json.Unmarshal(raw, &v); e != nil && mb.err == nil {
			mb.err = fmt.Errorf("encode request %s body: %w", r.Name, e)
		}
		return v
	}
	if r.Name != "" {
		add("name", r.Name)
	}
	if r.Method != "" {
		add("method", r.Method)
	}
	add("path", redact.URL(r.Path))
	if len(r.Headers) > 0 {
		h := &yaml.Node{Kind: yaml.MappingNode}
		for _, kv := range r.Headers {
			v := redact.Header(kv.Key, kv.Value)
			h.Content = append(h.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: kv.Key}, &yaml.Node{Kind: yaml.ScalarNode, Value: v, Style: yaml.DoubleQuotedStyle})
		}
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "headers"}, h)
	}
	if r.Weight > 0 {
		add("weight", r.Weight)
	}
	if len(r.Body) > 0 {
		add("body", jsonValue(r.Body))
	}
	if r.BodyFile != "" {
		add("body_file", absPath(dir, r.BodyFile))
	}
	if r.Batch > 0 {
		add("batch", r.Batch)
	}
	if r.Invalid.Fraction > 0 {
		im := map[string]any{"fraction": r.Invalid.Fraction}
		if len(r.Invalid.Body) > 0 {
			im["body"] = jsonValue(r.Invalid.Body)
		}
		if r.Invalid.ExpectStatus > 0 {
			im["expect_status"] = r.Invalid.ExpectStatus
		}
		add("invalid", im)
	}
	if len(r.Expect) > 0 {
		add("expect", r.Expect)
	}
	return m, mb.err
}

// mappingBuilder builds a YAML mapping key by key, keeping the first
// encoding error.
type mappingBuilder struct {
	what string
	m    *yaml.Node
	err  error
}

func (b *mappingBuilder) node() *yaml.Node {
	if b.m == nil {
		b.m = &yaml.Node{Kind: yaml.MappingNode}
	}
	return b.m
}

func (b *mappingBuilder) add(key string, v any) {
	if b.err != nil {
		return
	}
	var n yaml.Node
	if err := n.Encode(v); err != nil {
		b.err = fmt.Errorf("encode %s %s: %w", b.what, key, err)
		return
	}
	m := b.node()
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: key}, &n)
}

// absPath is name resolved against dir and made absolute, so that a
// resolved scenario names the same file wherever it is written; name as
// given when the working directory cannot be read.
func absPath(dir, name string) string {
	p, err := filepath.Abs(resolvePath(dir, name))
	if err != nil {
		return name
	}
	return p
}

package search

import (
	"encoding/json"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/loadlab/loadlab/internal/yamlfile"
	"github.com/loadlab/loadlab/record"
)

// decodeYAML decodes text into out the way a scenario file is decoded.
func decodeYAML(t *testing.T, text string, out any) error {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(text), &n); err != nil {
		t.Fatalf("%q: %v", text, err)
	}
	return yamlfile.Decode(n.Content[0], out)
}

func TestResolutionYAML(t *testing.T) {
	tests := []struct {
		text string
		want Resolution
		back string
	}{
		{"from: 100\nmax: 2000\nresolution: 5%", Resolution{Value: 5, Percent: true}, "resolution: 5%"},
		{"from: 100\nmax: 2000\nresolution: 2.5 %", Resolution{Value: 2.5, Percent: true}, "resolution: 2.5%"},
		{"from: 100\nmax: 2000\nresolution: 50", Resolution{Value: 50}, "resolution: 50"},
		{"from: 1\nmax: 20\nresolution: 0.5", Resolution{Value: 0.5}, "resolution: 0.5"},
		{"from: 100\nmax: 2000", Resolution{}, ""},
	}
	for _, tt := range tests {
		var c Capacity
		if err := decodeYAML(t, tt.text, &c); err != nil {
			t.Errorf("%q: %v", tt.text, err)
			continue
		}
		if c.Resolution != tt.want || c.From == 0 {
			t.Errorf("%q: %+v, want resolution %+v", tt.text, c, tt.want)
		}
		out, err := yaml.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		if tt.back == "" && strings.Contains(string(out), "resolution") || !strings.Contains(string(out), tt.back) {
			t.Errorf("%q written back as %q, want %q", tt.text, out, tt.back)
		}
		var again Capacity
		if err := decodeYAML(t, string(out), &again); err != nil || again.Resolution != c.Resolution {
			t.Errorf("%q: round trip %+v (%v)", out, again, err)
		}
	}
	for text, want := range map[string]string{
		"resolution: fast":          `resolution: want a load such as 50 or a percentage such as 5% (got "fast")`,
		"resolution: 0":             `resolution: must be > 0 (got "0")`,
		"resolution: -5%":           `resolution: must be > 0`,
		"resolution: [5]":           `resolution: want a load such as 50 or a percentage such as 5% (got a list)`,
		"resolution: 5%\nfactor: 0": `factor: must be > 1 (got 0); leave it out for the default`,
	} {
		var c Capacity
		err := decodeYAML(t, text, &c)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", text, err, want)
		}
	}
}

func TestResolutionJSON(t *testing.T) {
	for _, r := range []Resolution{{Value: 5, Percent: true}, {Value: 50}, {Value: 0.25}} {
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		var back Resolution
		if err := json.Unmarshal(b, &back); err != nil || back != r {
			t.Errorf("%+v → %s → %+v (%v)", r, b, back, err)
		}
	}
	if b, _ := json.Marshal(Resolution{Value: 5, Percent: true}); string(b) != `"5%"` {
		t.Errorf("5%% as JSON: %s", b)
	}
	if b, _ := json.Marshal(Resolution{Value: 50}); string(b) != `50` {
		t.Errorf("50 as JSON: %s", b)
	}
	var r Resolution
	if err := json.Unmarshal([]byte(`"50"`), &r); err != nil || r != (Resolution{Value: 50}) {
		t.Errorf(`"50": %+v %v`, r, err)
	}
	for _, bad := range []string{`"x%"`, `true`, `{}`} {
		if err := json.Unmarshal([]byte(bad), &r); err == nil {
			t.Errorf("%s accepted as %+v", bad, r)
		}
	}
	// omitempty leaves an unset resolution out.
	b, err := json.Marshal(Capacity{From: 1, Max: 2})
	if err != nil || strings.Contains(string(b), "resolution") {
		t.Errorf("unset resolution written: %s (%v)", b, err)
	}
}

func TestMemoryRangeForms(t *testing.T) {
	const mib = 1 << 20
	tests := []struct {
		text string
		want MemoryRange
		back string
		js   string
	}{
		{"memory: 512m", MemoryRange{Min: 512 * mib, Max: 512 * mib}, "memory: 512m", `"memory":536870912`},
		{"memory: 1g", MemoryRange{Min: 1024 * mib, Max: 1024 * mib}, "memory: 1g", `"memory":1073741824`},
		{"memory: {min: 64m, max: 2g}", MemoryRange{Min: 64 * mib, Max: 2048 * mib}, "min: 64m", `"memory":{"min":67108864,"max":2147483648}`},
	}
	for _, tt := range tests {
		var l Limits
		if err := decodeYAML(t, "cpus: {min: 0.1, max: 1}\n"+tt.text, &l); err != nil {
			t.Errorf("%q: %v", tt.text, err)
			continue
		}
		if l.Memory != tt.want {
			t.Errorf("%q: %+v, want %+v", tt.text, l.Memory, tt.want)
		}
		out, err := yaml.Marshal(l)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(out), tt.back) {
			t.Errorf("%q written back as %q", tt.text, out)
		}
		var again Limits
		if err := decodeYAML(t, string(out), &again); err != nil || again.Memory != l.Memory {
			t.Errorf("%q: YAML round trip %+v (%v)", out, again.Memory, err)
		}
		b, err := json.Marshal(l)
		if err != nil || !strings.Contains(string(b), tt.js) {
			t.Errorf("%q as JSON: %s (%v), want %s", tt.text, b, err, tt.js)
		}
		var fromJSON Limits
		if err := json.Unmarshal(b, &fromJSON); err != nil || fromJSON.Memory != l.Memory {
			t.Errorf("%s: JSON round trip %+v (%v)", b, fromJSON.Memory, err)
		}
	}
	var m MemoryRange
	if err := json.Unmarshal([]byte(`"256m"`), &m); err != nil || m != (MemoryRange{Min: 256 * mib, Max: 256 * mib}) {
		t.Errorf(`"256m": %+v %v`, m, err)
	}
	for text, want := range map[string]string{
		"memory: lots":                 `memory: memory size "lots" is not a number`,
		"memory: {min: 64m, most: 1g}": "memory.most: unknown field",
		"memory: [64m]":                "memory: want a size such as 512m, or a range {min: 64m, max: 2g} (got a list)",
	} {
		var l Limits
		err := decodeYAML(t, text, &l)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", text, err, want)
		}
	}
	if !(MemoryRange{}).IsZero() || (MemoryRange{Min: 1, Max: 1}).IsZero() {
		t.Error("IsZero")
	}
	if s := (MemoryRange{Min: 64 * mib, Max: 2048 * mib}).String(); s != "64m–2g" {
		t.Errorf("String = %q", s)
	}
	_ = record.Bytes(0)
}

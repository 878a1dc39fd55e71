package experiments

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const validExperiment = `name: demo
matrix:
  cpus: [0.5, 1]
  memory: [512m]
  replicas: [1, 2]
scenario:
  model: users
  ramp: {from: 10, to: 30, by: 10, hold: 2s}
  think: {min: 10ms, max: 20ms}
slo: p95<1s,error_rate<1%
target_users: 30
`

func TestParseValid(t *testing.T) {
	e, err := Parse("demo.yaml", []byte(validExperiment))
	if err != nil {
		t.Fatal(err)
	}
	if got := len(e.Expand()); got != 4 {
		t.Errorf("configs = %d, want 4", got)
	}
	if e.Repeat != 1 || e.Target.Port != 0 || e.Target.HealthPath != "/health" || e.TargetUsers != 30 {
		t.Errorf("defaults not applied: %+v", e)
	}
	if len(e.Scenario.Plan()) != 3 {
		t.Errorf("scenario plan = %d steps, want 3", len(e.Scenario.Plan()))
	}
	if len(e.Scenario.Requests) == 0 {
		t.Error("an inline scenario without requests must get the reference API's request mix")
	}
}

// Every validation rule, each with the line and field it must name.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"unknown field", "name: x\nmatrix:\n  cpu: [1]\n", []string{`x.yaml:3: matrix.cpu: unknown field (did you mean "cpus"? allowed in matrix: cpus, memory, replicas)`}},
		{"unknown top-level field", "name: x\nrepeats: 2\n", []string{"x.yaml:2: repeats: unknown field"}},
		{"wrong type", "name: x\nrepeat: lots\n", []string{"x.yaml:2:", "lots"}},
		{"negative cpus", "name: x\nmatrix:\n  cpus: [1, -0.5]\n", []string{"x.yaml:3: matrix.cpus[1]: must be > 0 cores"}},
		{"zero cpus", "name: x\nmatrix:\n  cpus: [0]\n", []string{"matrix.cpus[0]: must be > 0 cores"}},
		{"memory below docker minimum", "name: x\nmatrix:\n  memory: [4m]\n", []string{"x.yaml:3: matrix.memory[0]: must be at least 6m"}},
		{"bad memory suffix", "name: x\nmatrix:\n  memory: [1x]\n", []string{"x.yaml:3:", "memory size \"1x\""}},
		{"zero replicas", "name: x\nmatrix:\n  replicas: [0]\n", []string{"matrix.replicas[0]: must be from 1 to 64"}},
		{"too many replicas", "name: x\nconfigs:\n  - {replicas: 100}\n", []string{"x.yaml:3: configs[0].replicas: must be from 1 to 64"}},
		{"duplicate config", "name: x\nconfigs:\n  - {cpus: 1}\n  - {cpus: 1}\n", []string{"appears twice"}},
		{"two targets", "name: x\ntarget:\n  image: a\n  build: b\n", []string{"x.yaml:2: target: set only one of"}},
		{"compose without service", "name: x\ntarget:\n  compose: c.yaml\n", []string{"target.service: required with target.compose"}},
		{"bad port", "name: x\ntarget:\n  port: 70000\n", []string{"x.yaml:3: target.port: must be a port from 1 to 65535"}},
		{"bad health path", "name: x\ntarget:\n  health_path: health\n", []string{"target.health_path: must start with /"}},
		{"bad url", "name: x\ntarget:\n  urls: [127.0.0.1:8000]\n", []string{"x.yaml:3: target.urls[0]:", "http://"}},
		{"urls with matrix", "name: x\ntarget:\n  urls: [http://127.0.0.1:1]\nmatrix:\n  cpus: [1]\n", []string{"x.yaml:4: matrix: target.urls"}},
		{"bad slo", "name: x\nslo: p95<soon\n", []string{"x.yaml:2: slo:", "not a duration"}},
		{"slo percent over 100", "name: x\nslo: error_rate<120%\n", []string{"x.yaml:2: slo:", "0% to 100%"}},
		{"bad gates", "name: x\ngates: p42<1s\n", []string{"x.yaml:2: gates:", "unknown metric"}},
		{"negative target users", "name: x\ntarget_users: -5\n", []string{"x.yaml:2: target_users: must be ≥ 0"}},
		{"zero repeat", "name: x\nrepeat: -1\n", []string{"x.yaml:2: repeat: must be from 1 to 100"}},
		{"negative cooldown", "name: x\ncooldown: -1s\n", []string{"x.yaml:2: cooldown: must be ≥ 0"}},
		{"bad name", "name: my run\n", []string{"x.yaml:1: name:", "letters, digits"}},
		{"memory below one byte", "name: x\nconfigs:\n  - {cpus: 1, memory: 0.5}\n", []string{"x.yaml:3: configs[0].memory:", "less than one byte"}},
		// Explicit zeros are never replaced by a default; absurd values name their bound (issue 10, case 9).
		{"explicit zero repeat", "name: x\nrepeat: 0\n", []string{"x.yaml:2: repeat: must be from 1 to 100 (got 0); leave it out for the default 1"}},
		{"explicit zero replicas", "name: x\nconfigs:\n  - {cpus: 1}\n  - {cpus: 2, replicas: 0}\n", []string{"x.yaml:4: configs[1].replicas: must be from 1 to 64 (got 0); leave it out for the default 1"}},
		{"explicit zero port", "name: x\ntarget:\n  port: 0\n", []string{"x.yaml:3: target.port: must be a port from 1 to 65535 (got 0); leave it out for the image's exposed port"}},
		{"explicit zero health timeout", "name: x\ntarget:\n  health_timeout: 0s\n", []string{"x.yaml:3: target.health_timeout: must be a positive duration such as 60s (got 0s); leave it out for the default 1m0s"}},
		{"target users above the bound", "name: x\ntarget_users: 1000000\n", []string{"x.yaml:2: target_users: 1000000 users is above 100,000 users", "allow_large: true"}},
		{"cooldown above the bound", "name: x\ncooldown: 1000h\n", []string{"x.yaml:2: cooldown: 1000h is above 24h"}},
		{"warmup above the bound", "name: x\nwarmup: 1000h\n", []string{"x.yaml:2: warmup: 1000h is above 24h"}},
		{"health timeout above the bound", "name: x\ntarget:\n  health_timeout: 1000h\n", []string{"x.yaml:3: target.health_timeout: 1000h is above 1h"}},
		{"cpus below docker's minimum", "name: x\nmatrix:\n  cpus: [0.001]\n", []string{"x.yaml:3: matrix.cpus[0]: must be at least 0.01 cores, Docker's minimum (got 0.001)"}},
		{"cpus absurd", "name: x\nmatrix:\n  cpus: [1e12]\n", []string{"x.yaml:3: matrix.cpus[0]: must be at most 1024 cores (got 1e+12)"}},
		{"config cpus absurd", "name: x\nconfigs:\n  - {cpus: 1e12}\n", []string{"x.yaml:3: configs[0].cpus: must be at most 1024 cores"}},
		{"run longer than the bound", "name: x\nrepeat: 100\nmatrix:\n  cpus: [1, 2]\nscenario:\n  ramp: {from: 10, to: 100, by: 10, hold: 1h}\n",
			[]string{"x.yaml:2: repeat: 2 configurations × 100 repeats of 10h", "above 168h (7 days)", "allow_large: true"}},
		{"scenario not a mapping", "name: x\nscenario: [1]\n", []string{"x.yaml:2: scenario: must be a scenario file path"}},
		{"missing scenario file", "name: x\nscenario: nowhere.yaml\n", []string{"nowhere.yaml"}},
		{"not a mapping", "- 1\n", []string{"x.yaml:1: an experiment file must be a YAML mapping"}},
		{"invalid yaml", "name: [x\n", []string{"x.yaml:", "invalid YAML"}},
		{"a broken scenario and the rest, at once", "name: x\nmatrix:\n  cpus: [-1]\nscenario:\n  think: 2s-1s\nslo: p95<soon\n",
			[]string{"x.yaml:3: matrix.cpus[0]", "x.yaml:5: scenario.think:", "x.yaml:6: slo:"}},
		{"all problems at once", "name: x\nmatrix:\n  cpus: [-1]\n  replicas: [0]\nrepeat: 0\n",
			[]string{"matrix.cpus[0]", "matrix.replicas[0]"}},
		{"matrix too large", "name: x\nmatrix:\n  cpus: [" + strings.Repeat("1,", 20) + "1]\n  memory: [" + strings.Repeat("6m,", 20) + "6m]\n  replicas: [" + strings.Repeat("1,", 10) + "1]\n",
			[]string{"x.yaml:2: matrix: 4851 configurations", "at most 1000"}},
		{"unknown field with bad values", "name: x\nconfigs:\n  - {cpus: -1}\nbogus: 1\n",
			[]string{"x.yaml:4: bogus: unknown field", "x.yaml:3: configs[0].cpus: must be > 0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("x.yaml", []byte(tt.yaml))
			if err == nil {
				t.Fatalf("accepted:\n%s", tt.yaml)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not contain %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestLoadBuiltinAndFiles(t *testing.T) {
	for _, name := range Builtin() {
		e, err := Load(name)
		if err != nil {
			t.Fatalf("built-in %s: %v", name, err)
		}
		// A limit search (workshop-search) lists no configurations.
		if e.Name != name || (len(e.Expand()) == 0) != (e.Search != nil) {
			t.Errorf("built-in %s: %+v", name, e)
		}
	}
	// The shipped files are the embedded ones.
	for _, name := range Builtin() {
		if _, err := Load(filepath.Join(".", name+".yaml")); err != nil {
			t.Errorf("%s.yaml: %v", name, err)
		}
	}
	dir := t.TempDir()
	if _, err := Load(filepath.Join(dir, "missing.yaml")); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing file: %v", err)
	}
	// Relative paths resolve against the experiment file.
	p := filepath.Join(dir, "e.yaml")
	if err := os.WriteFile(p, []byte("name: e\ntarget:\n  build: api\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	e, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if e.Target.Build != filepath.Join(dir, "api") {
		t.Errorf("build = %q, want it resolved next to the file", e.Target.Build)
	}
}

func TestResolvedRoundTrip(t *testing.T) {
	e, err := Parse("demo.yaml", []byte(validExperiment))
	if err != nil {
		t.Fatal(err)
	}
	y, err := e.Resolved()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse("resolved.yaml", y)
	if err != nil {
		t.Fatalf("resolved experiment does not parse:\n%s\n%v", y, err)
	}
	if back.SLO != e.SLO || len(back.Expand()) != len(e.Expand()) || back.Scenario.Describe() != e.Scenario.Describe() {
		t.Errorf("round trip changed the experiment:\n%s", y)
	}
}

// TestParseReadsInputFiles: an experiment's body_file is read whole when
// the experiment is parsed, next to the file that names it: a bad line is
// reported with its file:line and the experiment's line that names it
// (issue 10, case 10).
func TestParseReadsInputFiles(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "sc")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	for path, text := range map[string]string{
		filepath.Join(dir, "leads.jsonl"): `{"age":30}` + "\n" + `{"age":}` + "\n",
		filepath.Join(sub, "leads.jsonl"): `{"age":30}` + "\n",
		filepath.Join(sub, "s.yaml"):      "ramp: 1\nrequests:\n  - {path: /p, body_file: leads.jsonl}\n",
	} {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	exp := filepath.Join(dir, "x.yaml")
	_, err := Parse(exp, []byte("name: x\nscenario:\n  ramp: 1\n  requests:\n    - path: /p\n      body_file: leads.jsonl\n"))
	want := exp + ":6: scenario.requests[0].body_file: " + filepath.Join(dir, "leads.jsonl") + ":2: invalid JSON: "
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("inline scenario: %v\nwant %q", err, want)
	}
	e, err := Parse(exp, []byte("name: x\nscenario: sc/s.yaml\n"))
	if err != nil {
		t.Fatalf("scenario file with its body_file next to it: %v", err)
	}
	if e.Scenario.Dir != sub {
		t.Errorf("scenario Dir %q, want %q", e.Scenario.Dir, sub)
	}
}

// TestInlineScenarioProblemsNameTheirPlace: a problem of an inline scenario
// names its field under scenario., and a scenario path that cannot be read
// names the experiment file's line.
func TestInlineScenarioProblemsNameTheirPlace(t *testing.T) {
	for _, c := range []struct{ yaml, want string }{
		{"name: x\nscenario:\n  ramp: 1\n  requests:\n    - {path: /p, weight: -1}\n", "x.yaml:5: scenario.requests[0].weight: must be > 0"},
		{"name: x\nscenario:\n  ramp: 1\n  bogus: 2\n", "x.yaml:4: scenario.bogus: unknown field"},
		{"name: x\nscenario: missing.yaml\n", "x.yaml:2: scenario: read scenario: open missing.yaml"},
	} {
		_, err := Parse("x.yaml", []byte(c.yaml))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err = %v, want %q", c.yaml, err, c.want)
		}
	}
}

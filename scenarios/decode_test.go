package scenarios

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func TestDefaultIsTheReferenceUser(t *testing.T) {
	s := Default()
	if err := s.Validate(); err != nil {
		t.Fatalf("Default().Validate() = %v", err)
	}
	if s.Model != "users" || s.Think != (Think{Min: time.Second, Max: 2500 * time.Millisecond}) || s.SpawnRate != 500 {
		t.Errorf("model/think/spawn = %q %+v %v, want users 1s–2.5s 500", s.Model, s.Think, s.SpawnRate)
	}
	if r := s.Ramp; r.From != 500 || r.To != 10000 || r.By != 500 || r.Hold != 30*time.Second {
		t.Errorf("ramp = %+v, want 500→10000 by 500, hold 30s", r)
	}
	if len(s.Requests) != 1 {
		t.Fatalf("requests = %d, want 1", len(s.Requests))
	}
	q := s.Requests[0]
	if q.Method != "POST" || q.Path != "/predict" || !reflect.DeepEqual(q.Expect, []int{200}) {
		t.Errorf("request = %s %s expect %v, want POST /predict expect [200]", q.Method, q.Path, q.Expect)
	}
	if s.Dir != "" {
		t.Errorf("Dir = %q, want empty", s.Dir)
	}
	if got, want := s.Describe(), "users 500→10000 by 500, hold 30s, think 1s–2.5s"; got != want {
		t.Errorf("Describe() = %q, want %q", got, want)
	}
	// Each call is a fresh copy.
	s.Requests[0].Path = "/changed"
	if Default().Requests[0].Path != "/predict" {
		t.Error("Default() shares its requests between calls")
	}
}

// TestDefaultBodiesAreValidLeads checks every generated lead against the
// workshop API's validation (age 18–100 int, salary > 0, web_visits 0–50,
// last_action one of four).
func TestDefaultBodiesAreValidLeads(t *testing.T) {
	src, err := Default().NewSource("", 7)
	if err != nil {
		t.Fatal(err)
	}
	actions := map[string]int{}
	ages := map[int]bool{}
	for i := 0; i < 20000; i++ {
		req := src.Next()
		var lead struct {
			Age        *json.Number `json:"age"`
			Salary     *float64     `json:"salary"`
			WebVisits  *json.Number `json:"web_visits"`
			LastAction *string      `json:"last_action"`
		}
		dec := json.NewDecoder(strings.NewReader(string(req.Body)))
		dec.DisallowUnknownFields()
		dec.UseNumber()
		if err := dec.Decode(&lead); err != nil {
			t.Fatalf("body %s: %v", req.Body, err)
		}
		age, err1 := lead.Age.Int64()
		visits, err2 := lead.WebVisits.Int64()
		if err1 != nil || err2 != nil || age < 18 || age > 100 || visits < 0 || visits > 50 || *lead.Salary < 1000 || *lead.Salary > 200000 {
			t.Fatalf("lead out of range: %s", req.Body)
		}
		ages[int(age)] = true
		actions[*lead.LastAction]++
	}
	if len(ages) != 83 {
		t.Errorf("saw %d distinct ages, want all 83 of 18..100", len(ages))
	}
	for _, a := range []string{"page_view", "email_open", "form_submit", "demo_request"} {
		if actions[a] < 4500 || actions[a] > 5500 {
			t.Errorf("last_action %s drawn %d times of 20000, want ≈5000", a, actions[a])
		}
	}
	if len(actions) != 4 {
		t.Errorf("actions = %v, want exactly the four", actions)
	}
}

func TestParseErrorsNameFileLineFieldAndAllowed(t *testing.T) {
	const req = "requests: [{path: /p}]\n"
	tests := []struct {
		name, yaml string
		want       []string // substrings, each must appear
	}{
		{"unknown top field", "nmae: x\nramp: 1\n" + req, []string{`s.yaml:1: nmae: unknown field (did you mean "name"? allowed in scenario: name, preset`}},
		{"unknown nested field", "ramp:\n  from: 1\n  hlod: 3s\n" + req, []string{`s.yaml:3: ramp.hlod: unknown field (did you mean "hold"?`}},
		{"duplicate field", "ramp:\n  from: 1\n  from: 2\n" + req, []string{"s.yaml:3: ramp.from: duplicate field (first at line 2)"}},
		{"not a number", "ramp:\n  from: many\n" + req, []string{`s.yaml:2: ramp.from: must be a number (got "many")`}},
		{"duration without unit", "ramp:\n  from: 1\n  hold: 30\n" + req, []string{`s.yaml:3: ramp.hold: duration needs a unit, e.g. "30s"`}},
		{"bad duration", "ramp: 1\ntimeout: soon\n" + req, []string{`s.yaml:2: timeout: must be a duration such as "30s"`}},
		{"negative by", "ramp:\n  from: 10\n  to: 20\n  by: -5\n" + req, []string{"s.yaml:4: ramp.by: must be > 0 (got -5)"}},
		{"yaml syntax", "ramp: [1\n" + req, []string{"s.yaml:", "invalid YAML"}},
		{"not a mapping", "- 1\n- 2\n", []string{"s.yaml:1: scenario must be a mapping with fields name, preset"}},
		{"two documents", "ramp: 1\n" + req + "---\nramp: 2\n", []string{"s.yaml:3: a scenario file holds one YAML document"}},
		{"merge key", "base: &b {from: 1}\n", []string{"s.yaml:1: base: unknown field"}},
		{"merge key in ramp", "ramp:\n  <<: {from: 1}\n" + req, []string{"s.yaml:2: ramp: merge keys (<<) are not supported"}},
		{"think scalar", "ramp: 1\nthink: 3\n" + req, []string{`s.yaml:2: think: "3" is not a duration with a unit: want min-max such as 1s-2.5s`}},
		{"think min>max", "ramp: 1\nthink: {min: 3s, max: 1s}\n" + req, []string{"s.yaml:2: think: min 3s is greater than max 1s"}},
		{"ramp scalar", "ramp: 10:5:1\n" + req, []string{`s.yaml:1: ramp: to 5 is less than from 10 (got "10:5:1")`}},
		{"headers list", "ramp: 1\nrequests:\n  - path: /p\n    headers: [a]\n", []string{"s.yaml:4: requests[0].headers: must be a mapping of header names to values"}},
		{"requests mapping", "ramp: 1\nrequests: {path: /p}\n", []string{"s.yaml:2: requests: must be a list of requests"}},
		{"body inf", "ramp: 1\nrequests:\n  - path: /p\n    body: {x: .inf}\n", []string{"s.yaml:4: requests[0].body.x: .inf is not a JSON number"}},
		{"explicit zero weight", "ramp: 1\nrequests:\n  - path: /p\n    weight: 0\n", []string{"s.yaml:4: requests[0].weight: must be > 0 (got 0); leave it out for the default"}},
		{"explicit zero hold", "ramp:\n  from: 1\n  hold: 0s\n" + req, []string{"s.yaml:3: ramp.hold: must be > 0 (got 0s)"}},
		{"generator error points into body", "ramp: 1\nrequests:\n  - path: /p\n    body:\n      age:\n        $int: [100, 18]\n", []string{"s.yaml:6: requests[0].body.age.$int: wants [min, max], two whole numbers with min ≤ max"}},
		{"unknown generator", "ramp: 1\nrequests:\n  - path: /p\n    body: {x: {$rand: 1}}\n", []string{`requests[0].body.x.$rand: unknown generator "$rand" (allowed: $int, $float, $choice, $prompt, $messages, $max_tokens; write "$$rand" for a literal key)`}},
		{"unknown model", "model: vus\nramp: 1\n" + req, []string{`s.yaml:1: model: unknown model "vus" (allowed: users`}},
		{"unknown arrival", "model: rate\narrival: bursty\nramp: 1\n" + req, []string{`s.yaml:2: arrival: unknown arrival "bursty" (allowed: constant`}},
		{"arrival with users", "arrival: poisson\nramp: 1\n" + req, []string{`s.yaml:1: arrival: only used with model: rate`}},
		{"unknown preset", "preset: heavy\n" + req, []string{`s.yaml:1: preset: unknown preset "heavy" (allowed: smoke, load, stress, spike, soak)`}},
		{"bad slo", "ramp: 1\nstop:\n  slo: p95<soon\n" + req, []string{`s.yaml:3: stop.slo: condition "p95<soon"`}},
		{"invalid fraction", "ramp: 1\nrequests:\n  - path: /p\n    body: {}\n    invalid:\n      fraction: 1.5\n      body: {}\n", []string{"s.yaml:6: requests[0].invalid.fraction: must be in [0, 1]"}},
		{"body_file missing", "ramp: 1\nrequests:\n  - path: /p\n    body_file: nope.jsonl\n", []string{`s.yaml:4: requests[0].body_file: cannot read "nope.jsonl"`}},
		{"expect not ints", "ramp: 1\nrequests:\n  - path: /p\n    expect: [ok]\n", []string{`s.yaml:4: requests[0].expect[0]: must be a whole number (got "ok")`}},
		// Absurd values are refused with their bound, explicit zeros are never replaced by a default (issue 10, case 9).
		{"users 1e12", "ramp: {from: 1e12}\n" + req, []string{"s.yaml:1: ramp.from: 1000000000000 users is above 100,000 users per step", "allow_large: true"}},
		{"hold 1000000h", "ramp:\n  from: 1\n  hold: 1000000h\n" + req, []string{"s.yaml:3: ramp.hold: 1000000h is above 24h"}},
		{"explicit zero spawn_rate", "ramp: 1\nspawn_rate: 0\n" + req, []string{"s.yaml:2: spawn_rate: must be > 0 users/s (got 0); leave it out for the default"}},
		{"explicit zero timeout", "ramp: 1\ntimeout: 0s\n" + req, []string{"s.yaml:2: timeout: must be > 0"}},
		{"explicit zero pool", "ramp: 1\nconnections: shared\npool: 0\n" + req, []string{"s.yaml:3: pool: must be ≥ 1 connection (got 0); leave it out for the default"}},
		{"explicit zero to", "preset: load\nramp: {from: 10, to: 0}\n" + req, []string{"s.yaml:2: ramp.to: must be > 0 (got 0); leave it out for the default"}},
		{"explicit zero by", "preset: load\nramp:\n  by: 0\n" + req, []string{"s.yaml:3: ramp.by: must be > 0 (got 0); leave it out for the default"}},
		{"explicit zero windows", "ramp: 1\nstability:\n  enabled: true\n  windows: 0\n" + req, []string{"s.yaml:4: stability.windows: must be ≥ 2 (got 0); leave it out for the default"}},
		{"explicit zero window", "ramp: 1\nstability:\n  enabled: true\n  window: 0s\n" + req, []string{"s.yaml:4: stability.window: must be > 0"}},
		{"explicit zero tolerance", "ramp: 1\nstability:\n  enabled: true\n  tolerance: 0\n" + req, []string{"s.yaml:4: stability.tolerance: must be in (0, 1]"}},
		{"explicit zero max_hold", "ramp: 1\nstability:\n  enabled: true\n  max_hold: 0s\n" + req, []string{"s.yaml:4: stability.max_hold: must be > 0"}},
		{"explicit zero expect_status", "ramp: 1\nrequests:\n  - path: /p\n    body: {}\n    invalid: {fraction: 0.1, body: {}, expect_status: 0}\n", []string{"s.yaml:5: requests[0].invalid.expect_status: must be an HTTP status 100..599 (got 0); leave it out for the default"}},
		{"allow_large not a bool", "ramp: 1\nallow_large: lots\n" + req, []string{"s.yaml:2: allow_large:"}},
		{"missing fields use the mapping line", "model: rate\nramp:\n  from: 0.5\n  to: 0.5\nspawn_rate: -1\n" + req, []string{"s.yaml:5: spawn_rate: must be > 0 users/s (got -1)"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(filepath.Join(t.TempDir(), "s.yaml"), []byte(tc.yaml))
			if err == nil {
				t.Fatalf("Parse accepted:\n%s", tc.yaml)
			}
			msg := err.Error()
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error\n%s\nlacks %q", msg, w)
				}
			}
			for _, line := range strings.Split(msg, "\n") {
				if !strings.Contains(line, "s.yaml") {
					t.Errorf("error line %q does not name the file", line)
				}
			}
		})
	}
}

func TestParseReportsEveryProblemOnce(t *testing.T) {
	y := `ramp:
  from: abc
  to: 10
  hold: -1s
think: {min: 2s, max: 1s}
connections: sometimes
stop: {margin: -1, abort_error_rate: 2}
requests:
  - path: nope
    batch: 2000
`
	_, err := Parse("s.yaml", []byte(y))
	if err == nil {
		t.Fatal("Parse accepted a broken file")
	}
	lines := strings.Split(err.Error(), "\n")
	want := []string{"s.yaml:2: ramp.from", "s.yaml:4: ramp.hold", "s.yaml:5: think", "s.yaml:6: connections",
		"s.yaml:7: stop.margin", "s.yaml:7: stop.abort_error_rate", "s.yaml:9: requests[0].path", "s.yaml:10: requests[0].batch"}
	if len(lines) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%s", len(lines), len(want), err)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w+":") {
			t.Errorf("problem %d = %q, want prefix %q", i, lines[i], w)
		}
	}
}

func TestParseForms(t *testing.T) {
	y := `name: forms
ramp: "100:300:100"
think: 1s-2.5s
requests:
  - path: /predict
    headers: {X-B: "2", A-Header: one}
    body: {age: {$int: [18, 100]}, zip: "00123", when: 2024-01-02, ok: true, none: null, n: 1.5, html: "<a&b>"}
`
	dir := t.TempDir()
	s, err := Parse(filepath.Join(dir, "f.yaml"), []byte(y))
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, y)
	}
	if s.Ramp.From != 100 || s.Ramp.To != 300 || s.Ramp.By != 100 {
		t.Errorf("ramp = %+v, want 100:300:100", s.Ramp)
	}
	if s.Think != (Think{Min: time.Second, Max: 2500 * time.Millisecond}) {
		t.Errorf("think = %+v", s.Think)
	}
	if s.Dir != dir {
		t.Errorf("Dir = %q, want %q", s.Dir, dir)
	}
	q := s.Requests[0]
	if !reflect.DeepEqual([]Header(q.Headers), []Header{{"X-B", "2"}, {"A-Header", "one"}}) {
		t.Errorf("headers = %+v, want file order", q.Headers)
	}
	if got, want := string(q.Body), `{"age":{"$int":[18,100]},"zip":"00123","when":"2024-01-02","ok":true,"none":null,"n":1.5,"html":"<a&b>"}`; got != want {
		t.Errorf("body = %s\nwant   %s", got, want)
	}
}

func TestParseAliases(t *testing.T) {
	y := `ramp: {from: 1}
requests:
  - path: /a
    body: &lead {age: {$int: [18, 100]}}
  - path: /b
    body: *lead
`
	s, err := Parse("a.yaml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	if string(s.Requests[0].Body) != string(s.Requests[1].Body) {
		t.Errorf("alias body %s != %s", s.Requests[1].Body, s.Requests[0].Body)
	}
}

func TestParseThinkForms(t *testing.T) {
	tests := []struct {
		yaml string
		want Think
	}{
		{"think: 0", Think{None: true}},
		{"think: 0s", Think{None: true}},
		{"think: 2s", Think{Min: 2 * time.Second, Max: 2 * time.Second}},
		{"think: {min: 1s}", Think{Min: time.Second, Max: time.Second}},
		{"think: {max: 2s}", Think{Max: 2 * time.Second}},
		{"think: {min: 0s, max: 0s}", Think{None: true}},
		{"think: ~", Think{}},
	}
	for _, tc := range tests {
		s, err := Parse("t.yaml", []byte("ramp: 1\n"+tc.yaml+"\nrequests: [{path: /}]\n"))
		if err != nil {
			t.Errorf("%s: %v", tc.yaml, err)
			continue
		}
		if s.Think != tc.want {
			t.Errorf("%s: think = %+v, want %+v", tc.yaml, s.Think, tc.want)
		}
	}
}

func TestParseLeavesRampAndRequestsToValidate(t *testing.T) {
	s, err := Parse("p.yaml", []byte("name: partial\ntimeout: 5s\n"))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	err = s.Validate()
	if err == nil {
		t.Fatal("Validate accepted a scenario with no ramp and no requests")
	}
	for _, w := range []string{"ramp: no load", "requests: none"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("Validate error lacks %q:\n%v", w, err)
		}
	}
	// Flags then complete it.
	if err := s.SetRange("users", "1:3:1"); err != nil {
		t.Fatal(err)
	}
	s.Requests = Default().Requests
	if err := s.Validate(); err != nil {
		t.Errorf("completed scenario: %v", err)
	}
}

func TestParseEmpty(t *testing.T) {
	for _, in := range []string{"", "# nothing\n", "~\n"} {
		_, err := Parse("e.yaml", []byte(in))
		if err == nil || !strings.HasPrefix(err.Error(), "e.yaml:1: empty scenario") {
			t.Errorf("Parse(%q) = %v, want e.yaml:1: empty scenario", in, err)
		}
	}
}

func TestParseRejectsAliasBomb(t *testing.T) {
	// Nine levels of ten aliases each would expand to 10^9 values.
	var b strings.Builder
	b.WriteString("ramp: 1\nrequests:\n  - path: /\n    body:\n      - &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n")
	for i := 1; i <= 9; i++ {
		prev := fmt.Sprintf("*a%d", i-1)
		b.WriteString(fmt.Sprintf("      - &a%d [%s]\n", i, strings.TrimSuffix(strings.Repeat(prev+", ", 10), ", ")))
	}
	start := time.Now()
	_, err := Parse("bomb.yaml", []byte(b.String()))
	if err == nil || !strings.Contains(err.Error(), "bomb.yaml:") || !strings.Contains(err.Error(), "more than 100000 YAML nodes") {
		t.Fatalf("alias bomb: err = %.300v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("alias bomb took %s", d)
	}
}

func TestDecodeInlineScenario(t *testing.T) {
	exp := `name: workshop
configs: [cpu1]
scenario:
  ramp: {from: 100, to: 300, by: 100}
  requests:
    - path: /predict
      body: {age: {$int: [18, 100]}}
`
	var doc struct {
		Scenario yaml.Node `yaml:"scenario"`
	}
	if err := yaml.Unmarshal([]byte(exp), &doc); err != nil {
		t.Fatal(err)
	}
	s, err := Decode("exp/experiment.yaml", &doc.Scenario)
	if err != nil {
		t.Fatal(err)
	}
	if s.Dir != "exp" || len(s.Plan()) != 3 {
		t.Errorf("Dir %q, %d steps; want exp, 3", s.Dir, len(s.Plan()))
	}
	bad := strings.Replace(exp, "by: 100", "by: 500", 1)
	if err := yaml.Unmarshal([]byte(bad), &doc); err != nil {
		t.Fatal(err)
	}
	_, err = Decode("experiment.yaml", &doc.Scenario)
	if err == nil || !strings.HasPrefix(err.Error(), "experiment.yaml:4: ramp.by: step 500 is larger than the range 100→300") {
		t.Errorf("Decode error = %v, want experiment.yaml:4: ramp.by: ...", err)
	}
}

func TestLoadResolvesBodyFileAgainstTheScenarioDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "leads.jsonl"), []byte(`{"age": 30}`+"\n\n"+`{"age":40}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "s.yaml")
	if err := os.WriteFile(path, []byte("ramp: 1\nrequests:\n  - path: /predict\n    body_file: leads.jsonl\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	src, err := s.NewSource("", 1)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for i := 0; i < 200; i++ {
		seen[string(src.Next().Body)] = true
	}
	if !seen[`{"age":30}`] || !seen[`{"age":40}`] || len(seen) != 2 {
		t.Errorf("bodies drawn = %v, want both lines, compacted", seen)
	}
	if _, err := Load(filepath.Join(dir, "missing.yaml")); err == nil || !strings.Contains(err.Error(), "read scenario") {
		t.Errorf("Load(missing) = %v", err)
	}
}

// TestParseAllowLarge: allow_large: true lifts the sanity bounds, and a
// resolved scenario keeps it when written back.
func TestParseAllowLarge(t *testing.T) {
	s, err := Parse("s.yaml", []byte("allow_large: true\nramp: {steps: [200000], hold: 48h}\nrequests: [{path: /p}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !s.AllowLarge {
		t.Fatal("allow_large not decoded")
	}
	b, err := yaml.Marshal(s.WithDefaults())
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse("back.yaml", b)
	if err != nil || !back.AllowLarge {
		t.Errorf("written back as\n%s\nparsed: %+v, %v", b, back.AllowLarge, err)
	}
}

// TestParseReadsBodyFilesOnce: a body_file with a bad line is reported by
// Parse with the file and line of the bad body and the field that names
// it, together with every other problem; a good one is read once, at
// parse time, and its bodies are what NewSource sends, even when the file
// has gone since (issue 10, case 10).
func TestParseReadsBodyFilesOnce(t *testing.T) {
	dir := t.TempDir()
	writeIn(dir, "leads.jsonl", `{"age":30}`+"\n"+`{"age":40}`+"\n")
	writeIn(dir, "bad.jsonl", `{"age":30}`+"\n"+`{"age":40}`+"\n"+`{"age":}`+"\n")
	path := filepath.Join(dir, "s.yaml")
	_, err := Parse(path, []byte("ramp: 1\ntimeout: -1s\nrequests:\n  - path: /a\n    body_file: leads.jsonl\n  - path: /b\n    body_file: bad.jsonl\n"))
	want := path + ":7: requests[1].body_file: " + filepath.Join(dir, "bad.jsonl") + ":3: invalid JSON: "
	if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "timeout: must be > 0") {
		t.Errorf("Parse error:\n%v\nwant it to contain %q and the timeout problem", err, want)
	}
	s, err := Parse(path, []byte("ramp: 1\nrequests:\n  - path: /a\n    body_file: leads.jsonl\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "leads.jsonl")); err != nil {
		t.Fatal(err)
	}
	if err := s.WithDefaults().Validate(); err != nil {
		t.Errorf("Validate after the file is gone: %v", err)
	}
	src, err := s.NewSource("", 1)
	if err != nil {
		t.Fatalf("NewSource after the file is gone: %v", err)
	}
	if b := string(src.Next().Body); b != `{"age":30}` && b != `{"age":40}` {
		t.Errorf("body %s", b)
	}
}

// TestExplicitZeroSettleIsKept: settle: 0 under a preset whose settle is
// not 0 stays 0, also when the resolved scenario is written back (issue
// 10, case 9: an explicit value is never replaced by a default).
func TestExplicitZeroSettleIsKept(t *testing.T) {
	s, err := Parse("s.yaml", []byte("preset: load\nramp: {settle: 0s}\nrequests: [{path: /p}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := s.WithDefaults().Ramp.Settle; got != 0 {
		t.Errorf("settle = %s, want the explicit 0", got)
	}
	b, err := yaml.Marshal(s.WithDefaults())
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse("back.yaml", b)
	if err != nil || back.WithDefaults().Ramp.Settle != 0 {
		t.Errorf("written back as\n%s\nsettle %s, %v", b, back.WithDefaults().Ramp.Settle, err)
	}
	// Left out, the preset's settle applies.
	s, err = Parse("s.yaml", []byte("preset: load\nrequests: [{path: /p}]\n"))
	if err != nil || s.WithDefaults().Ramp.Settle != 10*time.Second {
		t.Errorf("preset settle: %v, %v", s.WithDefaults().Ramp.Settle, err)
	}
}

// TestParseArrival: arrival is a plain field (its struct tag and its
// validation are all it needed): poisson decodes, and the resolved
// scenario writes it back.
func TestParseArrival(t *testing.T) {
	s, err := Parse("s.yaml", []byte("model: rate\narrival: poisson\nramp: 10\nrequests:\n  - path: /p\n"))
	if err != nil {
		t.Fatal(err)
	}
	if s.Arrival != ArrivalPoisson {
		t.Fatalf("arrival %q, want poisson", s.Arrival)
	}
	out, err := yaml.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "arrival: poisson") {
		t.Errorf("resolved scenario lost the arrival:\n%s", out)
	}
}

// TestBodyRoundTrip: a body written back into the resolved scenario and
// parsed again is the same JSON, byte for byte: key order kept, numbers
// as written (a float64 would turn 9007199254740993 into …992), strings
// that look like numbers still strings.
func TestBodyRoundTrip(t *testing.T) {
	src := "ramp: 1\nrequests:\n  - path: /p\n    body: {zeta: 9007199254740993, alpha: [1.50, -2e3, \"7\", true, null, {}], mid: {b: 1, a: 2}}\n"
	s, err := Parse("s.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	out, err := yaml.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Parse("resolved.yaml", out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if got, want := string(again.Requests[0].Body), string(s.Requests[0].Body); got != want {
		t.Errorf("body after a round trip:\n got %s\nwant %s\n(yaml:\n%s)", got, want, out)
	}
	if want := `{"zeta":9007199254740993,`; !strings.HasPrefix(string(s.Requests[0].Body), want) {
		t.Errorf("body %s, want it to start %s", s.Requests[0].Body, want)
	}
}

package scenarios

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestMarshalYAMLRoundTrip(t *testing.T) {
	src := `name: rt
model: users
ramp: {from: 10, to: 50, by: 20, hold: 5s, settle: 1s}
think: {min: 100ms, max: 300ms}
spawn_rate: 50
timeout: 2s
stop: {slo: "p95<1s", margin: 0.2, abort_error_rate: 0.5}
requests:
  - name: predict
    method: POST
    path: /predict?segment=hot&api_key=s3cr3t
    headers: {Content-Type: application/json, Authorization: Bearer s3cr3t, X-Api-Key: k}
    weight: 3
    body: {age: {$int: [18, 100]}, last_action: {$choice: [page_view, demo_request]}}
    batch: 4
    invalid: {fraction: 0.1, body: {age: -1}, expect_status: 422}
    expect: [200]
  - path: /health
    method: GET
`
	s, err := Parse("rt.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	out, err := yaml.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	text := string(out)
	if strings.Contains(text, "s3cr3t") || !strings.Contains(text, "Authorization: \"<redacted>\"") || !strings.Contains(text, "X-Api-Key: \"<redacted>\"") ||
		!strings.Contains(text, "path: /predict?segment=hot&api_key=<redacted>") {
		t.Errorf("credentials not redacted:\n%s", text)
	}
	back, err := Parse("back.yaml", out)
	if err != nil {
		t.Fatalf("re-parse:\n%s\n%v", text, err)
	}
	if back.Describe() != s.Describe() || len(back.Plan()) != len(s.Plan()) {
		t.Errorf("round trip changed the scenario: %s vs %s", back.Describe(), s.Describe())
	}
	r0, b0 := s.Requests[0], back.Requests[0]
	if r0.Batch != b0.Batch || r0.Weight != b0.Weight || r0.Invalid.Fraction != b0.Invalid.Fraction || len(b0.Headers) != 3 {
		t.Errorf("request changed: %+v vs %+v", r0, b0)
	}
	if back.Stop != s.Stop || back.Think != s.Think || back.Timeout != s.Timeout {
		t.Errorf("fields changed: %+v vs %+v", back, s)
	}
}

// TestMarshalYAMLWritesInputFilesAbsolute: a resolved scenario is written
// into a results folder and run again from there, so the files it names
// (body_file, targets_file, tls.ca_file) are written as absolute paths;
// relative ones would resolve against the results folder and be refused.
func TestMarshalYAMLWritesInputFilesAbsolute(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "leads.jsonl"), []byte("{\"age\": 30}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	src := "ramp: 1\nrequests: [{path: /predict, body_file: leads.jsonl}]\n"
	s, err := Parse(filepath.Join(dir, "s.yaml"), []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	out, err := yaml.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	results := t.TempDir()
	back, err := Parse(filepath.Join(results, "experiment.yaml"), out)
	if err != nil {
		t.Fatalf("re-reading the resolved scenario from another folder: %v\n%s", err, out)
	}
	if got, want := back.Requests[0].BodyFile, filepath.Join(dir, "leads.jsonl"); got != want {
		t.Errorf("body_file = %q, want %q", got, want)
	}
}

package experiments

import (
	"strings"
	"testing"
)

const secretsYAML = `name: s
target:
  urls: [http://127.0.0.1:8000]
  env: {API_KEY: s3cr3t-env, DB_PASSWORD: s3cr3t-db, LOG_LEVEL: debug-visible}
  public_env: [LOG_LEVEL]
scenario:
  model: users
  ramp: {steps: [1], hold: 1s}
  requests:
    - {path: "/predict?api_key=s3cr3t-q", headers: {Authorization: Bearer s3cr3t-h}}
`

// TestResolvedRedactsSecrets: experiment.yaml shows no environment value
// (except public ones), no credential header and no secret query value;
// the run's redactor scrubs the same values from free text.
func TestResolvedRedactsSecrets(t *testing.T) {
	e, err := Parse("s.yaml", []byte(secretsYAML))
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.Resolved()
	if err != nil {
		t.Fatal(err)
	}
	y := string(b)
	if strings.Contains(y, "s3cr3t") {
		t.Errorf("experiment.yaml shows a secret:\n%s", y)
	}
	for _, want := range []string{"LOG_LEVEL: debug-visible", "API_KEY: <redacted>", "DB_PASSWORD: <redacted>",
		`Authorization: "<redacted>"`, "path: /predict?api_key=<redacted>"} {
		if !strings.Contains(y, want) {
			t.Errorf("experiment.yaml lacks %q:\n%s", want, y)
		}
	}
	if e.Target.Env["API_KEY"] != "s3cr3t-env" {
		t.Error("Resolved changed the experiment it renders")
	}
	line := e.Redactor().String("api log: API_KEY=s3cr3t-env DB_PASSWORD=s3cr3t-db token s3cr3t-h, level debug-visible")
	if strings.Contains(line, "s3cr3t") || !strings.Contains(line, "debug-visible") {
		t.Errorf("redactor left %q", line)
	}
}

// TestURLCredentialsRefused: target.urls with user:password is a
// validation error that names the field and the fix, without the password.
func TestURLCredentialsRefused(t *testing.T) {
	_, err := Parse("s.yaml", []byte(strings.Replace(secretsYAML, "http://127.0.0.1", "http://user:s3cr3t-pass@127.0.0.1", 1)))
	if err == nil || !strings.Contains(err.Error(), "s.yaml:3: target.urls[0]") || !strings.Contains(err.Error(), "Authorization: Basic") ||
		strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("err = %v", err)
	}
}

// TestResolvedRedactsSecretsEverywhere: a secret value the experiment
// knows (an env value, a credential header's value) is masked wherever
// else the resolved file repeats it: in a path segment, a header that is
// not a credential header, a body.
func TestResolvedRedactsSecretsEverywhere(t *testing.T) {
	y := strings.Replace(secretsYAML, `headers: {Authorization: Bearer s3cr3t-h}}`,
		`headers: {Authorization: Bearer s3cr3t-h, X-Custom: s3cr3t-env}, body: {key: s3cr3t-db}}
    - {path: "/v1/s3cr3t-h/predict"}`, 1)
	e, err := Parse("s.yaml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.Resolved()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "s3cr3t") {
		t.Errorf("experiment.yaml shows a secret:\n%s", b)
	}
	if _, err := Parse("resolved.yaml", b); err != nil {
		t.Errorf("the redacted experiment.yaml no longer parses: %v\n%s", err, b)
	}
}

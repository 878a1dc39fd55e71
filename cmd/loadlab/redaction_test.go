package main

// Secrets never reach a results folder or the console: environment values,
// URL credentials, secret query parameters and credential headers, through
// the real binary against a real loopback server that checks it received
// the credentials it was sent.

import (
	"bytes"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// secretServer answers 200 to everything and counts the requests to
// /predict and those of them that carried the scenario's credentials
// (Bearer header and api_key query).
type secretServer struct {
	*httptest.Server
	total, authed atomic.Int64
}

func newSecretServer(t *testing.T) *secretServer {
	s := &secretServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/predict" {
			w.Write([]byte(`{"status":"ok"}`))
			return
		}
		s.total.Add(1)
		if r.Header.Get("Authorization") == "Bearer s3cr3t-h" && r.URL.Query().Get("api_key") == "s3cr3t-q" {
			s.authed.Add(1)
		}
		w.Write([]byte(`{"ok":true}`))
	}))
	t.Cleanup(s.Close)
	return s
}

// secretRequests is a request mix carrying a secret query parameter and a
// bearer token.
const secretRequests = `  requests:
    - name: predict
      method: GET
      path: /predict?segment=hot&api_key=s3cr3t-q
      headers: {Authorization: Bearer s3cr3t-h}
`

// assertNoSecret fails when any file under dir, or any of outputs, holds
// "s3cr3t"; it returns how many files it checked.
func assertNoSecret(t *testing.T, dir string, outputs map[string]string) int {
	t.Helper()
	return assertNoWord(t, "s3cr3t", dir, outputs)
}

// assertNoWord fails when any file under dir (none when dir is ""), or any
// of outputs, holds word in any case; it returns how many files it checked.
func assertNoWord(t *testing.T, word, dir string, outputs map[string]string) int {
	t.Helper()
	word = strings.ToLower(word)
	files := 0
	if dir != "" {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			files++
			if i := bytes.Index(bytes.ToLower(b), []byte(word)); i >= 0 {
				t.Errorf("%s holds %q: ...%s...", path, word, b[max(0, i-60):min(len(b), i+40)])
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for name, out := range outputs {
		if i := strings.Index(strings.ToLower(out), word); i >= 0 {
			t.Errorf("%s shows %q: ...%s...", name, word, out[max(0, i-60):min(len(out), i+40)])
		}
	}
	return files
}

// TestRampRedactsSecrets: a ramp whose requests carry ?api_key= and an
// Authorization header sends both, and writes neither to any result file
// or to its output; a --url with user:password@ is refused before any
// load, without echoing the password.
func TestRampRedactsSecrets(t *testing.T) {
	srv := newSecretServer(t)
	dir := t.TempDir()
	sc := writeTestFile(t, dir, "sc.yaml", "model: users\nramp: {steps: [2], hold: 1s}\nthink: 10ms\n"+strings.ReplaceAll(secretRequests, "\n  ", "\n")[2:])

	withCreds := strings.Replace(srv.URL, "http://", "http://user:s3cr3t-pass@", 1)
	code, stdout, stderr := runCLI(t, nil, time.Minute, "ramp", "--url", withCreds, "--scenario", sc, "--out", filepath.Join(dir, "refused"))
	if code != 2 || !strings.Contains(stderr, "--url") || !strings.Contains(stderr, "user:password") {
		t.Errorf("--url with credentials: exit %d, want 2 with a message naming --url and the fix:\n%s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "refused")); err == nil || srv.total.Load() != 0 {
		t.Errorf("refused ramp created its folder or sent %d requests", srv.total.Load())
	}
	assertNoSecret(t, "", map[string]string{"refused stdout": stdout, "refused stderr": stderr})

	out := filepath.Join(dir, "out")
	code, stdout, stderr = runCLI(t, nil, time.Minute, "ramp", "--url", srv.URL, "--scenario", sc, "--out", out, "--save-results")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	if n := srv.authed.Load(); n == 0 || n != srv.total.Load() {
		t.Errorf("server saw %d requests, %d with the credentials: redaction must not change what is sent", srv.total.Load(), n)
	}
	n := assertNoSecret(t, out, map[string]string{"stdout": stdout, "stderr": stderr})
	t.Logf("%d files checked", n)
}

// TestRunRedactsSecrets: an experiment against target.urls with secret
// environment values, a secret query parameter and a bearer header writes
// none of them to its results folder (experiment.yaml, steps, summary,
// reports) or output; a public_env value stays visible; target.urls with
// user:password@ is refused at validation, exit 2, without the password.
func TestRunRedactsSecrets(t *testing.T) {
	srv := newSecretServer(t)
	dir := t.TempDir()
	exp := func(url string) string {
		return "name: secrets\ntarget:\n  urls: [" + url + "]\n" +
			"  env: {API_KEY: s3cr3t-env, DB_PASSWORD: s3cr3t-db, LOG_LEVEL: debug-visible}\n" +
			"  public_env: [LOG_LEVEL]\n" +
			"scenario:\n  model: users\n  ramp: {steps: [2], hold: 1s}\n  think: 10ms\n" +
			secretRequests + "slo: p95<1s\n"
	}
	withCreds := strings.Replace(srv.URL, "http://", "http://user:s3cr3t-pass@", 1)
	bad := writeTestFile(t, dir, "creds.yaml", exp(withCreds))
	code, stdout, stderr := runCLI(t, nil, time.Minute, "run", bad, "--out", filepath.Join(dir, "refused"))
	if code != 2 || !strings.Contains(stderr, "target.urls[0]") || !strings.Contains(stderr, "user:password") {
		t.Errorf("target.urls with credentials: exit %d, want 2 naming target.urls[0] and the fix:\n%s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "refused")); err == nil || srv.total.Load() != 0 {
		t.Errorf("refused run created its folder or sent %d requests", srv.total.Load())
	}
	assertNoSecret(t, "", map[string]string{"refused stdout": stdout, "refused stderr": stderr})

	good := writeTestFile(t, dir, "good.yaml", exp(srv.URL))
	p := startCLI(t, nil, "run", good, "--out", filepath.Join(dir, "results"))
	results := p.waitLine(resultsLine, time.Minute)[1]
	code, _ = p.wait(2 * time.Minute)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, p.stderr())
	}
	if n := srv.authed.Load(); n == 0 || n != srv.total.Load() {
		t.Errorf("server saw %d requests, %d with the credentials", srv.total.Load(), n)
	}
	n := assertNoSecret(t, results, map[string]string{"stdout": p.stdoutText(), "stderr": p.stderr()})
	y, _ := os.ReadFile(filepath.Join(results, "experiment.yaml"))
	for _, want := range []string{"debug-visible", "API_KEY: <redacted>", "api_key=<redacted>", "public_env:"} {
		if !strings.Contains(string(y), want) {
			t.Errorf("experiment.yaml lacks %q:\n%s", want, y)
		}
	}
	for _, f := range []string{"report.md", "report.html", "summary.json", "steps.csv", "steps.jsonl"} {
		if _, err := os.Stat(filepath.Join(results, f)); err != nil {
			t.Errorf("results lack %s", f)
		}
	}
	t.Logf("%d files checked", n)
}

package main

// Input files a scenario reads (body_file, targets_file) are read and
// checked whole before anything is deployed or sent (issue 10, case 10).

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// countingServer counts the requests it answers and keeps the bodies of
// those to /predict.
type countingServer struct {
	*httptest.Server
	mu     sync.Mutex
	hits   int
	bodies []string
}

func newCountingServer(t *testing.T) *countingServer {
	s := &countingServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.hits++
		if r.URL.Path == "/predict" {
			s.bodies = append(s.bodies, string(b))
		}
		s.mu.Unlock()
		w.Write([]byte(`{}`))
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *countingServer) received() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.bodies...)
}

func TestBadInputFileRefusedBeforeDeploying(t *testing.T) {
	srv := newCountingServer(t)
	dir := t.TempDir()
	leads := writeTestFile(t, dir, "leads.jsonl", `{"age":30}`+"\n"+`{"age":40}`+"\n"+`{"age":}`+"\n")
	scenario := writeTestFile(t, dir, "s.yaml", "ramp: {steps: [2], hold: 1s}\nthink: 100ms\nrequests:\n  - {path: /predict, body_file: leads.jsonl}\n")
	exp := writeTestFile(t, dir, "exp.yaml", "name: bodies\ntarget: {urls: [\""+srv.URL+"\"]}\nscenario:\n  ramp: {steps: [2], hold: 1s}\n  think: 100ms\n  requests:\n    - path: /predict\n      body_file: leads.jsonl\n")
	targets := writeTestFile(t, dir, "targets.txt", "POST "+srv.URL+"/predict\nContent-Type: application/json\n\nGET "+srv.URL+"/health\nnot a header\n")
	tscenario := writeTestFile(t, dir, "t.yaml", "ramp: {steps: [2], hold: 1s}\nthink: 100ms\ntargets_file: targets.txt\n")
	bad := leads + ":3: invalid JSON: "
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"run", exp, "--runtime", "local", "--out", filepath.Join(dir, "results")}, exp + ":8: scenario.requests[0].body_file: " + bad},
		{[]string{"ramp", "--url", srv.URL, "--scenario", scenario, "--out", filepath.Join(dir, "ramp")}, scenario + ":4: requests[0].body_file: " + bad},
		{[]string{"ramp", "--url", srv.URL, "--scenario", tscenario, "--out", filepath.Join(dir, "ramp")}, tscenario + ":3: targets_file: " + targets + ":5: bad header: not a header"},
	} {
		name := c.args[0]
		code, stdout, stderr := runCLI(t, nil, 60*time.Second, c.args...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%s: exit %d, want 2 with %q; stderr:\n%s", name, code, c.want, stderr)
		}
		if stackTrace.MatchString(stderr + stdout) {
			t.Errorf("%s: Go stack trace:\n%s%s", name, stdout, stderr)
		}
		if strings.Contains(stderr, "deploying") || strings.Contains(stderr, "load goes to") {
			t.Errorf("%s: got as far as deploying or sending load:\n%s", name, stderr)
		}
	}
	srv.mu.Lock()
	if srv.hits != 0 {
		t.Errorf("the API received %d requests", srv.hits)
	}
	srv.mu.Unlock()
	for _, d := range []string{"results", "ramp"} {
		if _, err := os.Stat(filepath.Join(dir, d)); err == nil {
			t.Errorf("a results folder %s was created", d)
		}
	}
}

// TestRunReadsBodyFileNextToItsScenario: a scenario file in another
// folder reads its body_file next to itself, as validation does, not next
// to the experiment file.
func TestRunReadsBodyFileNextToItsScenario(t *testing.T) {
	srv := newCountingServer(t)
	dir := t.TempDir()
	sub := filepath.Join(dir, "scenarios")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	writeTestFile(t, sub, "leads.jsonl", `{"age": 30}`+"\n")
	writeTestFile(t, sub, "s.yaml", "ramp: {steps: [1], hold: 1s}\nthink: 100ms\nrequests:\n  - {path: /predict, body_file: leads.jsonl}\n")
	exp := writeTestFile(t, dir, "exp.yaml", "name: nextdoor\ntarget: {urls: [\""+srv.URL+"\"]}\nscenario: scenarios/s.yaml\n")
	code, _, stderr := runCLI(t, nil, 60*time.Second, "run", exp, "--out", filepath.Join(dir, "results"))
	got := srv.received()
	if code != 0 || len(got) == 0 || got[0] != `{"age":30}` {
		t.Errorf("exit %d, %d requests (first %q); stderr:\n%s", code, len(got), strings.Join(got[:min(1, len(got))], ""), stderr)
	}
}

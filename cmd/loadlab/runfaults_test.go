package main

// `loadlab run` against a broken environment, through the real binary:
// a results folder that cannot be written (fails before any load, naming
// the path), no Docker daemon (auto falls back to local and says so;
// --runtime docker fails clearly), leftovers of an earlier run (a warning
// naming them), and secrets in request headers (never written to results).

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/loadlab/loadlab/record"
)

// tinyExperiment is one configuration, one 2 s step.
const tinyExperiment = `name: tiny
configs:
  - {name: one, cpus: 0.5, memory: 64m}
scenario:
  model: users
  ramp: {steps: [5], hold: 2s}
  think: {min: 20ms, max: 50ms}
slo: p95<1s
`

// noLoadStarted fails when stderr shows that a deployment or load began.
func noLoadStarted(t *testing.T, stderr string) {
	t.Helper()
	if strings.Contains(stderr, "deploying") || strings.Contains(stderr, "healthy in") {
		t.Errorf("a configuration was deployed before the failure:\n%s", stderr)
	}
}

// mountTmpfs mounts a tmpfs with the given options at dir, or skips the
// test when this process may not mount (not root, no CAP_SYS_ADMIN).
func mountTmpfs(t *testing.T, dir, opts string) {
	t.Helper()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", opts, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here (needs root): %v %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", dir, err, out)
		}
	})
}

// TestRunUnwritableResultsFolder: results that cannot be written fail the
// run before anything is deployed, with exit 1 and the path in the
// message. Root ignores permission bits, so the folders are made
// unwritable in ways that hold for root too.
func TestRunUnwritableResultsFolder(t *testing.T) {
	for _, c := range []struct {
		name string
		// setup returns the --out folder and the path the message must name.
		setup func(t *testing.T, dir string) (out, want string)
		// why is the cause the message must carry.
		why string
	}{
		{"under a regular file", func(t *testing.T, dir string) (string, string) {
			file := writeTestFile(t, dir, "file.txt", "not a folder\n")
			return filepath.Join(file, "sub"), file
		}, "not a directory"},
		{"read-only filesystem", func(t *testing.T, dir string) (string, string) {
			ro := filepath.Join(dir, "ro")
			if err := os.Mkdir(ro, 0o755); err != nil {
				t.Fatal(err)
			}
			mountTmpfs(t, ro, "ro,size=64k")
			return filepath.Join(ro, "results"), filepath.Join(ro, "results")
		}, "read-only file system"},
		{"disk full", func(t *testing.T, dir string) (string, string) {
			full := filepath.Join(dir, "full")
			if err := os.Mkdir(full, 0o755); err != nil {
				t.Fatal(err)
			}
			mountTmpfs(t, full, "size=64k")
			// Fill it: the folder can still be created, no file written.
			f, err := os.Create(filepath.Join(full, "filler"))
			if err != nil {
				t.Fatal(err)
			}
			for {
				if _, err := f.Write(make([]byte, 4096)); err != nil {
					break
				}
			}
			f.Close()
			return filepath.Join(full, "results"), filepath.Join(full, "results")
		}, "no space left on device"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			exp := writeTestFile(t, dir, "tiny.yaml", tinyExperiment)
			out, want := c.setup(t, dir)
			code, _, stderr := runCLI(t, nil, time.Minute, "run", exp, "--runtime", "local", "--out", out)
			t.Logf("stderr:\n%s", stderr)
			if code != 1 {
				t.Errorf("exit code %d, want 1", code)
			}
			if !strings.Contains(stderr, want) || !strings.Contains(stderr, c.why) {
				t.Errorf("message does not name %s and the cause %q:\n%s", want, c.why, stderr)
			}
			noLoadStarted(t, stderr)
			if stackTrace.MatchString(stderr) {
				t.Errorf("stack trace on stderr:\n%s", stderr)
			}
		})
	}
}

// TestRunDiskFillsMidRun: when the disk fills during the ramp, the run
// stops at the step it cannot append, names steps.jsonl and the cause,
// tears the deployment down and exits 1; every step written before stays
// readable (a torn last line is skipped by the reader).
func TestRunDiskFillsMidRun(t *testing.T) {
	dir := t.TempDir()
	exp := writeTestFile(t, dir, "ten.yaml", `name: ten
configs:
  - {name: one, cpus: 0.5, memory: 64m}
scenario:
  model: users
  ramp: {steps: [2, 3, 4, 5, 6, 7, 8, 9, 10, 11], hold: 600ms}
  think: {min: 20ms, max: 50ms}
slo: p95<1s
`)
	small := filepath.Join(dir, "small")
	if err := os.Mkdir(small, 0o755); err != nil {
		t.Fatal(err)
	}
	// Four pages: experiment.yaml, environment.json and two for steps.jsonl
	// (ten steps need more).
	mountTmpfs(t, small, "size=16k")
	p := startCLI(t, nil, "run", exp, "--runtime", "local", "--out", small)
	results := p.waitLine(resultsLine, time.Minute)[1]
	url := p.waitLine(regexp.MustCompile(`healthy in \S+ at \[(http://127\.0\.0\.1:\d+)[\] ]`), time.Minute)[1]
	code, _ := p.wait(2 * time.Minute)
	stderr := p.stderr()
	t.Logf("stderr:\n%s", stderr)
	steps := filepath.Join(results, record.FileName)
	if code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	if !strings.Contains(stderr, steps) || !strings.Contains(stderr, "no space left on device") {
		t.Errorf("the message does not name %s and the full disk", steps)
	}
	recs, err := record.ReadFile(steps)
	if err != nil || len(recs) == 0 || len(recs) >= 10 {
		t.Errorf("steps kept: %d (%v); want the steps written before the disk filled", len(recs), err)
	}
	for _, r := range recs {
		if r.Partial || r.Requests == 0 {
			t.Errorf("kept step %d is not a complete measurement: %+v", r.Step, r)
		}
	}
	if conn, err := net.DialTimeout("tcp", strings.TrimPrefix(url, "http://"), time.Second); err == nil {
		conn.Close()
		t.Errorf("the replica at %s was not stopped", url)
	}
	if stackTrace.MatchString(stderr) {
		t.Error("stack trace on stderr")
	}
}

// TestRunWithoutDocker: with DOCKER_HOST pointing at nothing, --runtime
// auto uses the local runtime, says so, and records it in
// environment.json; --runtime docker fails at once with exit 1 and a
// message that says what to do.
func TestRunWithoutDocker(t *testing.T) {
	noDocker := []string{"DOCKER_HOST=unix:///nonexistent.sock"}
	t.Run("auto falls back to local", func(t *testing.T) {
		dir := t.TempDir()
		p := startCLI(t, noDocker, "run", "quick", "--runtime", "auto", "--out", dir)
		note := p.waitLine(regexp.MustCompile(`^loadlab: Docker does not answer .*using the local runtime`), time.Minute)[0]
		results := p.waitLine(resultsLine, 10*time.Second)[1]
		p.waitLine(regexp.MustCompile(`deploying with local runtime`), 10*time.Second)
		p.signal(syscall.SIGINT) // the point is made; no need to run quick in full
		code, _ := p.wait(time.Minute)
		if code != 130 {
			t.Errorf("exit code %d after SIGINT, want 130; stderr:\n%s", code, p.stderr())
		}
		if !strings.Contains(note, "nonexistent.sock") {
			t.Errorf("the note does not say which daemon did not answer: %s", note)
		}
		b, err := os.ReadFile(filepath.Join(results, "environment.json"))
		if err != nil {
			t.Fatal(err)
		}
		var env struct {
			Runtime string `json:"runtime"`
			Note    string `json:"runtime_note"`
		}
		if err := json.Unmarshal(b, &env); err != nil {
			t.Fatal(err)
		}
		if env.Runtime != "local" || !strings.Contains(env.Note, "local runtime") {
			t.Errorf("environment.json runtime %q note %q; want local with the reason", env.Runtime, env.Note)
		}
	})
	t.Run("docker required", func(t *testing.T) {
		start := time.Now()
		code, _, stderr := runCLI(t, noDocker, time.Minute, "run", "quick", "--runtime", "docker", "--out", t.TempDir())
		t.Logf("after %s: %s", time.Since(start).Round(time.Millisecond), stderr)
		if code != 1 {
			t.Errorf("exit code %d, want 1", code)
		}
		for _, want := range []string{"docker runtime", "no Docker daemon answers at unix:///nonexistent.sock", "--runtime local"} {
			if !strings.Contains(stderr, want) {
				t.Errorf("message lacks %q:\n%s", want, stderr)
			}
		}
		noLoadStarted(t, stderr)
		if stackTrace.MatchString(stderr) {
			t.Errorf("stack trace on stderr:\n%s", stderr)
		}
	})
}

// TestRunWarnsAboutLeftovers: a network labelled by an earlier run (as a
// killed run leaves it) is named in a warning at start that points to
// `loadlab clean`, and the run still goes ahead and cleans up after itself.
func TestRunWarnsAboutLeftovers(t *testing.T) {
	requireDocker(t)
	old := fmt.Sprintf("leftover-test-%d", os.Getpid())
	name := "loadlab-" + old
	if out, err := exec.Command("docker", "network", "create", "--label", "loadlab.run="+old, name).CombinedOutput(); err != nil {
		t.Fatalf("docker network create: %v\n%s", err, out)
	}
	t.Cleanup(func() { cleanDockerRun(old) })

	dir := t.TempDir()
	exp := writeTestFile(t, dir, "tiny.yaml", tinyExperiment)
	p := startCLI(t, nil, "run", exp, "--runtime", "docker", "--out", filepath.Join(dir, "results"))
	warn := p.waitLine(regexp.MustCompile(`^loadlab: warning: .*from earlier runs.*$`), time.Minute)[0]
	run := p.waitLine(runIDLine, 10*time.Second)[1]
	t.Cleanup(func() { cleanDockerRun(run) })
	code, _ := p.wait(3 * time.Minute)
	if !strings.Contains(warn, "network "+name) || !strings.Contains(warn, "loadlab clean") {
		t.Errorf("warning does not name %s or point to loadlab clean: %s", name, warn)
	}
	if code != 0 {
		t.Errorf("exit code %d, want 0 (leftovers only warn); stderr:\n%s", code, p.stderr())
	}
	assertNoDockerLeftovers(t, run)
	if left := dockerLeftovers(t, old); len(left) != 1 {
		t.Errorf("the earlier run's network must be left alone (only `loadlab clean` removes it): %v", left)
	}
}

// secretExperiment sends credentials in two headers to the reference API.
const secretExperiment = `name: redaction
configs:
  - {name: one, cpus: 1, memory: 128m}
scenario:
  model: users
  ramp: {steps: [5], hold: 2s}
  think: {min: 20ms, max: 50ms}
  requests:
    - name: predict
      method: POST
      path: /predict
      headers:
        Authorization: Bearer secret-bearer-7f3a
        X-Api-Key: secret-apikey-91b2
        Content-Type: application/json
      body: {age: 30, salary: 5000, web_visits: 3, last_action: page_view}
      expect: [200]
slo: p95<1s
`

// TestRunRedactsCredentialHeaders: a run whose requests carry an
// Authorization and an X-Api-Key header writes neither value to any file
// of its results folder (steps, summary, report, plots, experiment copy)
// nor to its output; the experiment copy shows them as <redacted>.
func TestRunRedactsCredentialHeaders(t *testing.T) {
	dir := t.TempDir()
	exp := writeTestFile(t, dir, "creds.yaml", secretExperiment)
	p := startCLI(t, nil, "run", exp, "--runtime", "local", "--out", filepath.Join(dir, "results"))
	results := p.waitLine(resultsLine, time.Minute)[1]
	code, _ := p.wait(2 * time.Minute)
	if code != 0 {
		t.Fatalf("exit code %d; stderr:\n%s", code, p.stderr())
	}
	recs, err := record.ReadFile(filepath.Join(results, record.FileName))
	if err != nil || len(recs) != 1 || recs[0].Successes == 0 {
		t.Fatalf("want one measured step with successful requests: %v %+v", err, recs)
	}
	files := assertNoWord(t, "secret", results, map[string]string{"stdout": p.stdoutText(), "stderr": p.stderr()})
	for _, want := range []string{"steps.jsonl", "summary.json", "report.html", "experiment.yaml"} {
		if _, err := os.Stat(filepath.Join(results, want)); err != nil {
			t.Errorf("results lack %s: %v", want, err)
		}
	}
	y, _ := os.ReadFile(filepath.Join(results, "experiment.yaml"))
	if n := strings.Count(string(y), "<redacted>"); n != 2 {
		t.Errorf("experiment.yaml shows %d redacted headers, want 2:\n%s", n, y)
	}
	t.Logf("%d files checked in %s", files, results)
}

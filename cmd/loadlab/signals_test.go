package main

// SIGINT and SIGTERM sent to a real `loadlab run` (the built binary, as a
// subprocess) while it deploys, while it ramps and after its last step
// (teardown and report), on the docker and the
// local runtime: the exit code is 130/143, the load stops within 2 s (the
// replica's own request counter stops growing), the process exits within
// seconds, nothing of the run is left in Docker, every measured step is in
// steps.jsonl (the interrupted one marked partial) and the partial report
// is written. A second SIGINT forces the exit and still removes the run's
// containers.

import (
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/loadlab/loadlab/record"
)

// signalExperiment: two configurations, two 4 s steps each.
const signalExperiment = `name: sig
configs:
  - {name: one, cpus: 0.5, memory: 64m}
  - {name: two, cpus: 0.5, memory: 64m}
scenario:
  model: users
  ramp: {steps: [10, 20], hold: 4s}
  think: {min: 20ms, max: 50ms}
slo: p95<1s
`

const signalHold = 4 * time.Second

var healthyOne = regexp.MustCompile(`^loadlab: config one: healthy in \S+ at \[(http://127\.0\.0\.1:\d+)[\] ]`)

// startSignalRun starts `loadlab run` of signalExperiment on runtime and
// returns the process, its run ID and results folder. Docker leftovers of
// the run are removed at the end of the test whatever happens.
func startSignalRun(t *testing.T, runtime string) (*cliProc, string, string) {
	t.Helper()
	if runtime == "docker" {
		requireDocker(t)
	}
	dir := t.TempDir()
	exp := writeTestFile(t, dir, "sig.yaml", signalExperiment)
	p := startCLI(t, nil, "run", exp, "--runtime", runtime, "--out", filepath.Join(dir, "results"))
	run := p.waitLine(runIDLine, 60*time.Second)[1]
	if runtime == "docker" {
		t.Cleanup(func() { cleanDockerRun(run) })
	}
	results := p.waitLine(resultsLine, 5*time.Second)[1]
	return p, run, results
}

// readSteps reads the run's steps.jsonl.
func readSteps(t *testing.T, results string) []record.Record {
	t.Helper()
	recs, err := record.ReadFile(filepath.Join(results, record.FileName))
	if err != nil {
		t.Fatalf("steps.jsonl: %v", err)
	}
	return recs
}

// assertReport checks that the (partial) report was written.
func assertReport(t *testing.T, results string) {
	t.Helper()
	st, err := os.Stat(filepath.Join(results, "report.html"))
	if err != nil || st.Size() == 0 {
		t.Errorf("partial report not written: %v", err)
	}
}

func TestSignalDuringRamp(t *testing.T) {
	for _, c := range []struct {
		runtime string
		sig     syscall.Signal
		code    int
	}{
		{"docker", syscall.SIGINT, 130},
		{"docker", syscall.SIGTERM, 143},
		{"local", syscall.SIGINT, 130},
	} {
		t.Run(c.runtime+"-"+c.sig.String(), func(t *testing.T) {
			p, run, results := startSignalRun(t, c.runtime)
			url := p.waitLine(healthyOne, 3*time.Minute)[1]
			w := watchPredict(url)
			time.Sleep(signalHold + 1500*time.Millisecond) // inside step 2 of configuration one
			sent := p.signal(c.sig)
			code, exited := p.wait(60 * time.Second)
			last, samples := w.lastIncrease()
			t.Logf("%s: exit %d after %s; the API last served a request %s after the signal (%d samples)",
				c.sig, code, exited.Sub(sent).Round(time.Millisecond), last.Sub(sent).Round(time.Millisecond), samples)

			if code != c.code {
				t.Errorf("exit code %d, want %d; stderr:\n%s", code, c.code, p.stderr())
			}
			if d := exited.Sub(sent); d > 15*time.Second {
				t.Errorf("exited %s after the signal; want within seconds", d)
			}
			if samples < 10 || last.IsZero() {
				t.Errorf("the replica's request counter was sampled %d times and never grew", samples)
			} else if d := last.Sub(sent); d > 2200*time.Millisecond {
				t.Errorf("the API still served requests %s after the signal; want load stopped within 2 s", d)
			}
			if c.runtime == "docker" {
				assertNoDockerLeftovers(t, run)
			} else if conn, err := net.DialTimeout("tcp", strings.TrimPrefix(url, "http://"), time.Second); err == nil {
				conn.Close()
				t.Errorf("the local replica at %s still accepts connections after loadlab exited", url)
			}

			recs := readSteps(t, results)
			if len(recs) != 2 || recs[0].Config.Name != "one" || recs[0].Partial || recs[0].Requests == 0 ||
				!recs[1].Partial || recs[1].StopReason != "interrupted" {
				t.Errorf("steps: want step 0 complete and step 1 partial (interrupted) of configuration one, got %d records: %+v", len(recs), recs)
			}
			assertReport(t, results)
			if !strings.Contains(p.stderr(), "interrupted") {
				t.Errorf("stderr does not say the run was interrupted:\n%s", p.stderr())
			}
			if stackTrace.MatchString(p.stderr()) {
				t.Errorf("stack trace on stderr:\n%s", p.stderr())
			}
		})
	}
}

func TestSignalDuringDeploy(t *testing.T) {
	t.Run("second configuration", func(t *testing.T) {
		p, run, results := startSignalRun(t, "docker")
		p.waitLine(regexp.MustCompile(`^loadlab: config 2/2 two .*deploying`), 3*time.Minute)
		sent := p.signal(syscall.SIGINT)
		code, exited := p.wait(60 * time.Second)
		t.Logf("exit %d %s after SIGINT during the deploy of configuration two", code, exited.Sub(sent).Round(time.Millisecond))
		if code != 130 {
			t.Errorf("exit code %d, want 130; stderr:\n%s", code, p.stderr())
		}
		if exited.Sub(sent) > 15*time.Second {
			t.Errorf("exited %s after the signal", exited.Sub(sent))
		}
		if strings.Contains(p.stderr(), "config two: healthy") {
			t.Errorf("configuration two finished deploying: the signal did not interrupt the deploy\n%s", p.stderr())
		}
		assertNoDockerLeftovers(t, run)
		recs := readSteps(t, results)
		if len(recs) != 2 || recs[0].Partial || recs[1].Partial || recs[1].Config.Name != "one" {
			t.Errorf("steps: want configuration one's two complete steps only, got %+v", recs)
		}
		assertReport(t, results)
	})
	t.Run("first configuration", func(t *testing.T) {
		p, run, results := startSignalRun(t, "docker")
		p.waitLine(regexp.MustCompile(`^loadlab: config 1/2 one .*deploying`), time.Minute)
		p.signal(syscall.SIGINT)
		code, _ := p.wait(60 * time.Second)
		if code != 130 {
			t.Errorf("exit code %d, want 130; stderr:\n%s", code, p.stderr())
		}
		assertNoDockerLeftovers(t, run)
		if recs := readSteps(t, results); len(recs) != 0 {
			t.Errorf("steps recorded although nothing was measured: %+v", recs)
		}
		if !strings.Contains(p.stderr(), "no step was measured: no report written") {
			t.Errorf("stderr does not say why there is no report:\n%s", p.stderr())
		}
		if stackTrace.MatchString(p.stderr()) {
			t.Errorf("stack trace on stderr:\n%s", p.stderr())
		}
	})
}

// TestSecondSignalForcesExitAndCleans: Ctrl-C twice ends loadlab at once
// (no waiting for the load to drain, the last step's telemetry or the
// report), and the forced-exit hook still removes the run's containers and
// network before the process ends: whether the second signal comes before
// the runner's own teardown began (50 ms) or while it may be under way (150 ms,
// when the hook meets a removal already in progress).
func TestSecondSignalForcesExitAndCleans(t *testing.T) {
	for _, gap := range []time.Duration{50 * time.Millisecond, 150 * time.Millisecond} {
		t.Run(gap.String(), func(t *testing.T) {
			p, run, _ := startSignalRun(t, "docker")
			p.waitLine(healthyOne, 3*time.Minute)
			time.Sleep(1500 * time.Millisecond)
			sent := p.signal(syscall.SIGINT)
			time.Sleep(gap)
			p.signal(syscall.SIGINT)
			code, exited := p.wait(30 * time.Second)
			// Checked before anything else can remove them: what is left
			// now is what the forced exit left.
			left := dockerLeftovers(t, run)
			t.Logf("forced exit %d after %s; stderr tail:\n%s", code, exited.Sub(sent).Round(time.Millisecond), tail(p.stderr(), 4))
			if code != 130 {
				t.Errorf("exit code %d, want 130", code)
			}
			if !strings.Contains(p.stderr(), "forced exit") {
				t.Errorf("stderr does not mention the forced exit:\n%s", p.stderr())
			}
			if d := exited.Sub(sent); d > forcedExitTimeout+5*time.Second {
				t.Errorf("forced exit took %s", d)
			}
			if len(left) > 0 {
				t.Errorf("the forced exit left %v; stderr:\n%s", left, p.stderr())
			}
		})
	}
}

func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// lastStepDone is the progress line of the last step of the last
// configuration of reportSignalExperiment.
var (
	lastStepDone = regexp.MustCompile(`^loadlab: config 2/2 two · step 2/2 done`)
	healthyTwo   = regexp.MustCompile(`^loadlab: config two: healthy in \S+ at \[(http://127\.0\.0\.1:\d+)[\] ]`)
)

// reportSignalExperiment is short: what matters is what comes after it.
const reportSignalExperiment = `name: sigreport
configs:
  - {name: one, cpus: 0.5, memory: 64m}
  - {name: two, cpus: 0.5, memory: 64m}
scenario:
  model: users
  ramp: {steps: [5, 10], hold: 1s}
  think: {min: 20ms, max: 50ms}
slo: p95<1s
`

// TestSignalAfterTheLastStep: SIGTERM once the last step is measured, while
// the last replica is torn down and the report written. Every step is
// complete, the report is written whole, the replica is gone, and the run
// still ends as interrupted (143), saying the report is complete.
func TestSignalAfterTheLastStep(t *testing.T) {
	dir := t.TempDir()
	exp := writeTestFile(t, dir, "sigreport.yaml", reportSignalExperiment)
	p := startCLI(t, nil, "run", exp, "--runtime", "local", "--out", filepath.Join(dir, "results"))
	results := p.waitLine(resultsLine, 60*time.Second)[1]
	url := p.waitLine(healthyTwo, 2*time.Minute)[1]
	p.waitLine(lastStepDone, 2*time.Minute)
	p.signal(syscall.SIGTERM)
	code, _ := p.wait(60 * time.Second)
	if code != 143 {
		t.Fatalf("exit code %d, want 143; stderr:\n%s", code, p.stderr())
	}
	if conn, err := net.DialTimeout("tcp", strings.TrimPrefix(url, "http://"), time.Second); err == nil {
		conn.Close()
		t.Errorf("the last replica at %s still accepts connections after loadlab exited", url)
	}
	if !strings.Contains(p.stderr(), "report complete") {
		t.Errorf("stderr does not say the report is complete:\n%s", p.stderr())
	}
	recs := readSteps(t, results)
	if len(recs) != 4 {
		t.Errorf("%d step records, want 4", len(recs))
	}
	for _, r := range recs {
		if r.Partial || r.Requests == 0 {
			t.Errorf("step %s/%d: partial %v, %d requests; want every step complete", r.Config.Name, r.Step, r.Partial, r.Requests)
		}
	}
	html, err := os.ReadFile(filepath.Join(results, "report.html"))
	if err != nil || !strings.HasSuffix(strings.TrimSpace(string(html)), "</html>") {
		t.Errorf("report.html not written whole (%d bytes, %v)", len(html), err)
	}
	if stackTrace.MatchString(p.stderr()) {
		t.Errorf("stack trace on stderr:\n%s", p.stderr())
	}
}

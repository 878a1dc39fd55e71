package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"
	"time"

	"github.com/loadlab/loadlab/report/rollout"
	"github.com/loadlab/loadlab/rundir"
)

// TestSignalDuringRollout sends SIGINT to `loadlab run` of a rollout
// experiment while Swarm is rolling the service: the run exits 130,
// leaves no service or container, and keeps what it measured: the
// seconds so far in timeline.jsonl and the rollout, not ended, in
// rollouts.json.
func TestSignalDuringRollout(t *testing.T) {
	sw := useSwarm(t)
	dir := t.TempDir()
	exp := writeTestFile(t, dir, "ro.yaml", fmt.Sprintf(`name: rollout-signal
runtime: swarm
swarm: {constraints: ["node.id==%s"]}
configs: [{name: x1, cpus: 0.5, memory: 64m, replicas: 1}]
scenario: {model: users, think: {min: 20ms, max: 40ms}, requests: [{method: GET, path: /health}]}
rollout: {to: {env: {V: "2"}}, hold_users: 3, orders: [stop-first], lead: 2s, tail: 2s}
`, sw.NodeID))
	out := filepath.Join(dir, "results")
	p := startCLI(t, nil, "run", exp, "--out", out)
	run := p.waitLine(runIDLine, 60*time.Second)[1]
	p.waitLine(regexp.MustCompile(`rollout stop-first: deploying`), 2*time.Minute)
	// The lead is 2 s: 4 seconds in the timeline means the update runs
	// (Swarm takes ~7 s to call a one-task update over).
	timeline := filepath.Join(out, run, rundir.TimelineFile)
	deadline := time.Now().Add(90 * time.Second)
	for lines(t, timeline) < 4 {
		if time.Now().After(deadline) {
			t.Fatalf("timeline never reached 4 seconds; stderr:\n%s", p.stderr())
		}
		time.Sleep(100 * time.Millisecond)
	}
	sent := p.signal(syscall.SIGINT)
	code, exited := p.wait(90 * time.Second)
	t.Logf("exit %d %s after SIGINT during the rollout", code, exited.Sub(sent).Round(time.Millisecond))
	if code != 130 {
		t.Errorf("exit code %d, want 130; stderr:\n%s", code, p.stderr())
	}
	if left := swarmLeftovers(t, run); len(left) > 0 {
		t.Errorf("run %s left behind: %v\nstderr:\n%s", run, left, p.stderr())
	}
	if n := lines(t, timeline); n < 4 {
		t.Errorf("timeline.jsonl has %d seconds after the interrupt", n)
	}
	b, err := os.ReadFile(filepath.Join(out, run, rundir.RolloutsFile))
	if err != nil {
		t.Fatalf("rollouts.json of the interrupted rollout: %v", err)
	}
	ws, err := rollout.ReadWindows(bytes.NewReader(b))
	if err != nil || len(ws) != 1 || ws[0].Name != "stop-first" || ws[0].Start.IsZero() || !ws[0].End.IsZero() {
		t.Errorf("rollouts.json %s (%v): want stop-first, started, not ended", b, err)
	}
}

// lines counts the lines of path (0 when it does not exist yet).
func lines(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		n++
	}
	return n
}

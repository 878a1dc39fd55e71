package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/loadlab/loadlab/scenarios/agent"
)

// TestAgentCommand: `loadlab agent` takes its token from a file or an
// environment variable (exactly one, else exit 2), registers with a real
// controller, exits 0 when the controller ends the run, and exits 1 with a
// clear error, never showing the token, when the token is wrong.
func TestAgentCommand(t *testing.T) {
	token, err := agent.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	c, err := agent.Listen("127.0.0.1:0", 1, token)
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	defer func() {
		if !closed {
			_ = c.Close(0)
		}
	}()

	for _, args := range [][]string{
		{"agent", "--controller", c.URL()},
		{"agent", "--controller", c.URL(), "--token-env", "X", "--token-file", "f"},
		{"agent", "--controller", c.URL(), "--token-env", "LOADLAB_TEST_UNSET_TOKEN"},
		{"agent", "--token-env", agent.TokenEnv},
	} {
		code, _, stderr := runCLI(t, nil, 30*time.Second, args...)
		if code != 2 {
			t.Errorf("%v: exit %d, want 2; stderr:\n%s", args, code, stderr)
		}
	}

	wrong := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(wrong, []byte("0123456789abcdef-not-the-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI(t, nil, 30*time.Second, "agent", "--controller", c.URL(), "--token-file", wrong, "--id", "bad")
	if code != 1 || !strings.Contains(stderr, "401") || !strings.Contains(stderr, "token") || strings.Contains(stderr, "not-the-token") {
		t.Errorf("wrong token: exit %d, stderr:\n%s\nwant exit 1 naming 401 and the token, without showing it", code, stderr)
	}

	p := startCLI(t, []string{agent.TokenEnv + "=" + token}, "agent", "--controller", c.URL(), "--token-env", agent.TokenEnv, "--id", "cli-1", "--node", "n1")
	if err := c.WaitJoined(t.Context(), 20*time.Second); err != nil {
		t.Fatalf("%v; stderr:\n%s", err, p.stderr())
	}
	if got := c.Agents(); len(got) != 1 || got[0].Agent != "cli-1" || got[0].Node != "n1" || got[0].PID != p.cmd.Process.Pid {
		t.Fatalf("registered: %+v", got)
	}
	if err := c.Close(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	closed = true
	if code, _ := p.wait(10 * time.Second); code != 0 {
		t.Fatalf("agent exit %d after the controller ended the run; stderr:\n%s", code, p.stderr())
	}
	if strings.Contains(p.stderr(), token) {
		t.Fatal("the agent printed the run's token")
	}
}

const generatorsExperiment = `name: gens
generators: 2
configs:
  - {name: api, cpus: 1, memory: 256m}
scenario:
  ramp: {steps: [4, 4, 4], hold: 3s, settle: 500ms}
  think: {min: 20ms, max: 50ms}
slo: p95<1s,error_rate<1%
`

// TestRunGeneratorsInterrupted: `loadlab run` of an experiment with
// generators: 2 under the local runtime, SIGINT (to loadlab alone) during
// its second step: it exits 130 within seconds, steps.jsonl holds the
// first step merged from both agents and the second partial
// (interrupted), and no agent process is left.
func TestRunGeneratorsInterrupted(t *testing.T) {
	dir := t.TempDir()
	exp := writeTestFile(t, dir, "gens.yaml", generatorsExperiment)
	p := startCLI(t, nil, "run", exp, "--runtime", "local", "--out", filepath.Join(dir, "results"))
	p.waitLine(runIDLine, 60*time.Second)
	results := p.waitLine(resultsLine, 5*time.Second)[1]
	p.waitLine(regexp.MustCompile(`2 load generation agents registered`), 60*time.Second)
	if n := len(agentProcs(t)); n != 2 {
		t.Fatalf("%d agent processes running, want 2; stderr:\n%s", n, p.stderr())
	}
	time.Sleep(5 * time.Second) // into the second step
	sent := p.signal(syscall.SIGINT)
	code, exited := p.wait(60 * time.Second)
	if code != 130 || exited.Sub(sent) > 15*time.Second {
		t.Errorf("exit %d %s after SIGINT, want 130 within 15 s; stderr:\n%s", code, exited.Sub(sent), p.stderr())
	}
	if left := agentProcs(t); len(left) > 0 {
		t.Errorf("agent processes left after loadlab exited: %v", left)
	}
	recs := readSteps(t, results)
	if len(recs) != 2 || recs[0].Partial || len(recs[0].Generators) != 2 || recs[0].Requests == 0 ||
		!recs[1].Partial || recs[1].StopReason != "interrupted" {
		t.Fatalf("steps: want step 0 merged from 2 agents and step 1 interrupted, got %d: %+v\nstderr:\n%s", len(recs), recs, p.stderr())
	}
}

// agentProcs lists the running `loadlab agent` processes of the test's
// binary (by pid).
func agentProcs(t *testing.T) []string {
	t.Helper()
	bin := loadlabBinary(t)
	cmdlines, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	var out []string
	for _, p := range cmdlines {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		if strings.HasPrefix(string(b), bin+"\x00agent\x00") {
			out = append(out, filepath.Base(filepath.Dir(p)))
		}
	}
	return out
}

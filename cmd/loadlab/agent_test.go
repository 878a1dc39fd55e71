package main

import (
	"os"
	"path/filepath"
	"strings"
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

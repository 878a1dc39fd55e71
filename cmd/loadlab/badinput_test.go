package main

// Bad command lines for run, ramp, gate and report, through the real
// binary: each exits 2 with one clear message that names the flag or file
// and what is allowed, before anything is deployed or any load is sent,
// and never with a Go stack trace.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

func TestBadInputExitsTwoWithClearMessage(t *testing.T) {
	dir := t.TempDir()
	bad := writeTestFile(t, dir, "bad.yaml", "name: bad\nconfigs:\n  - {name: a, cpus: -1}\nbogus: 1\n")
	empty := writeTestFile(t, dir, "empty.yaml", "")
	typed := writeTestFile(t, dir, "typed.yaml", "name: typed\nconfigs:\n  - {name: a, cpus: lots}\n")
	huge := writeTestFile(t, dir, "huge.yaml", "name: huge\ntarget: {urls: [\"http://127.0.0.1:1\"]}\nscenario:\n  ramp: {from: 1e12, hold: 1000000h}\n")
	zeroRepeat := writeTestFile(t, dir, "zero.yaml", "name: zero\nrepeat: 0\n")
	// A copy of a recorded run for gate and report to read.
	res := filepath.Join(dir, "run")
	if err := os.Mkdir(res, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"steps.jsonl", "experiment.yaml", "environment.json"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "report", "testdata", "workshop", f))
		if err != nil {
			t.Fatal(err)
		}
		writeTestFile(t, res, f, string(b))
	}
	url := "http://127.0.0.1:1" // nothing listens: no case may get as far as sending
	for _, c := range []struct {
		args []string
		want []string // substrings of the message
	}{
		// run
		{[]string{"run", "--runtime", "kubernetes"}, []string{"--runtime", "auto, docker, local, swarm"}},
		{[]string{"run", "a.yaml", "b.yaml"}, []string{"at most 1 arg", "loadlab run --help"}},
		{[]string{"run", "/nonexistent.yaml"}, []string{"/nonexistent.yaml does not exist", "quick, workshop"}},
		{[]string{"run", bad}, []string{bad + ":4: bogus: unknown field", "configs[0].cpus"}},
		{[]string{"run", empty}, []string{empty + ":1:", "YAML mapping"}},
		{[]string{"run", typed}, []string{typed + ":3:", "lots"}},
		{[]string{"run", "--seed", "abc"}, []string{`invalid argument "abc" for "--seed"`}},
		{[]string{"run", "--target-users", "-5", "quick"}, []string{"target_users", "≥ 0"}},
		{[]string{"run", "--slo", "p95<<1s", "quick"}, []string{"slo", "not a duration"}},
		{[]string{"run", "--nosuchflag"}, []string{"unknown flag: --nosuchflag"}},
		{[]string{"run", "--tolerance", "p95=10%", "quick"}, []string{"--gate"}},
		{[]string{"run", "--gate", "--tolerance", "p95=10%", "quick"}, []string{"--tolerance needs --baseline"}},
		{[]string{"run", "--alpha", "0.01", "quick"}, []string{"--alpha applies to the gate", "add --gate"}},
		{[]string{"run", "--allow-missing", "quick"}, []string{"--allow-missing applies to the gate", "add --gate"}},
		{[]string{"run", "--gate", "--alpha", "1.5", "quick"}, []string{"--alpha 1.5", "between 0 and 1"}},
		{[]string{"run", "--gate", "--baseline", res, "--tolerance", "bogus", "quick"}, []string{"--tolerance", "metric=value"}},
		{[]string{"run", "--gate", "--baseline", "/nonexistent.json", "quick"}, []string{"--baseline /nonexistent.json", "no such file"}},
		{[]string{"run", "--against", "champion", "gate-ab"}, []string{"--against applies to the gate", "add --gate"}},
		{[]string{"run", "--gate", "--against", "main", "gate-ab"}, []string{`--against "main"`, `"champion"`}},
		{[]string{"run", "--gate", "--against", "champion", "quick"}, []string{"--against champion", "no challenger: block", "--baseline"}},
		{[]string{"run", "--gate", "--against", "champion", "challenger"}, []string{"--against champion", "challenger weight is 20%", "weight: 50%"}},
		{[]string{"run", "--gate", "--against", "champion", "--baseline", res, "gate-ab"}, []string{"--baseline or --against, not both"}},
		// ramp (flags defined in ramp.go)
		{[]string{"ramp"}, []string{"--url"}},
		{[]string{"ramp", "stray", "--url", url}, []string{`"stray"`, "loadlab ramp --help"}},
		{[]string{"ramp", "--url", "ftp://127.0.0.1:1"}, []string{"--url", "http"}},
		{[]string{"ramp", "--url", "http://[::1"}, []string{"--url"}},
		{[]string{"ramp", "--url", url, "--users", "10", "--rate", "5"}, []string{"exclude each other"}},
		{[]string{"ramp", "--url", url, "--users", "abc"}, []string{"--users", "not a number"}},
		{[]string{"ramp", "--url", url, "--users", "0"}, []string{"--users", "> 0"}},
		{[]string{"ramp", "--url", url, "--users", "10:5:1"}, []string{"--users", "less than from"}},
		{[]string{"ramp", "--url", url, "--users", "5:10:0"}, []string{"--users", "by must be > 0"}},
		{[]string{"ramp", "--url", url, "--rate", "0"}, []string{"--rate", "> 0"}},
		{[]string{"ramp", "--url", url, "--hold", "-1s"}, []string{"ramp.hold", "> 0"}},
		{[]string{"ramp", "--url", url, "--hold", "abc"}, []string{`"--hold"`, "invalid duration"}},
		{[]string{"ramp", "--url", url, "--settle", "5s", "--hold", "2s"}, []string{"ramp.settle", "shorter than ramp.hold"}},
		{[]string{"ramp", "--url", url, "--timeout", "-1s"}, []string{"timeout", "> 0"}},
		{[]string{"ramp", "--url", url, "--think", "fast"}, []string{"--think"}},
		{[]string{"ramp", "--url", url, "--slo", "p95<<1s"}, []string{"--slo"}},
		{[]string{"ramp", "--url", url, "--preset", "nope"}, []string{"preset", "smoke, load, stress, spike, soak"}},
		{[]string{"ramp", "--url", url, "--connections", "weird"}, []string{"connections", "per_user", "shared"}},
		{[]string{"ramp", "--url", url, "--connections", "shared", "--pool", "-3"}, []string{"pool", "≥ 1"}},
		{[]string{"ramp", "--url", url, "--spawn-rate", "-1"}, []string{"spawn_rate", "> 0"}},
		{[]string{"ramp", "--url", url, "--margin", "-1"}, []string{"stop.margin", "≥ 0"}},
		{[]string{"ramp", "--url", url, "--abort-error-rate", "2"}, []string{"abort_error_rate", "(0, 1]"}},
		{[]string{"ramp", "--url", url, "--scenario", "/nonexistent.yaml"}, []string{"--scenario", "/nonexistent.yaml"}},
		// explicit zeros are refused, never replaced by a default; absurd values name their bound (issue 10, case 9)
		{[]string{"ramp", "--url", url, "--hold", "0s"}, []string{"--hold 0s", "must be > 0", "leave --hold out", "default 30s"}},
		{[]string{"ramp", "--url", url, "--timeout", "0"}, []string{"--timeout 0s", "must be > 0", "default 30s"}},
		{[]string{"ramp", "--url", url, "--spawn-rate", "0"}, []string{"--spawn-rate 0", "must be > 0 users/s", "default 500"}},
		{[]string{"ramp", "--url", url, "--max-workers", "0"}, []string{"--max-workers 0", "must be > 0"}},
		{[]string{"ramp", "--url", url, "--connections", "shared", "--pool", "0"}, []string{"--pool 0", "must be ≥ 1"}},
		{[]string{"ramp", "--url", url, "--users", "1e12"}, []string{"ramp.from", "above 100,000 users per step", "--allow-large"}},
		{[]string{"ramp", "--url", url, "--rate", "5e6"}, []string{"ramp.from", "above 1,000,000 requests/s", "--allow-large"}},
		{[]string{"ramp", "--url", url, "--hold", "1000000h"}, []string{"ramp.hold", "1000000h is above 24h", "--allow-large"}},
		{[]string{"ramp", "--url", url, "--timeout", "2h"}, []string{"timeout", "above 1h"}},
		{[]string{"ramp", "--url", url, "--users", "1e12", "--allow-large"}, []string{"ramp.from", "the most loadlab allows"}},
		{[]string{"run", huge}, []string{huge + ":4: scenario.ramp.from: 1000000000000 users is above 100,000 users per step", "allow_large: true", huge + ":4: scenario.ramp.hold: 1000000h is above 24h"}},
		{[]string{"run", zeroRepeat}, []string{zeroRepeat + ":2: repeat: must be from 1 to 100 (got 0); leave it out for the default 1"}},
		{[]string{"run", "--target-users", "0", "quick"}, []string{"--target-users 0", "≥ 1"}},
		{[]string{"run", "--target-users", "1000000", "quick"}, []string{"target_users", "above 100,000"}},
		// gate
		{[]string{"gate"}, []string{"one results folder"}},
		{[]string{"gate", "a", "b"}, []string{"one results folder", "2 arguments"}},
		{[]string{"gate", "/nonexistent"}, []string{"/nonexistent/steps.jsonl does not exist"}},
		{[]string{"gate", res, "--at", "bogus"}, []string{`--at "bogus"`, "target or capacity"}},
		{[]string{"gate", res, "--at-users", "100", "--at", "capacity"}, []string{"--at-users or --at, not both"}},
		{[]string{"gate", res, "--slo", "p95<"}, []string{"--slo", "missing value"}},
		{[]string{"gate", res, "--tolerance", "p95=10%"}, []string{"--tolerance needs --baseline"}},
		{[]string{"gate", res, "--baseline", "/nonexistent.json"}, []string{"/nonexistent.json", "no such file"}},
		{[]string{"gate", res, "--baseline", res, "--tolerance", "bogus"}, []string{"--tolerance", "metric=value"}},
		{[]string{"gate", res, "--against", "champion"}, []string{"--against champion", "no champion and challenger", "challenger:"}},
		{[]string{"gate", res, "--against", "main"}, []string{`--against "main"`, `"champion"`}},
		{[]string{"gate", res, "--against", "champion", "--baseline", res}, []string{"--baseline or --against, not both"}},
		// report
		{[]string{"report"}, []string{"one results folder"}},
		{[]string{"report", "a", "b"}, []string{"one results folder", "2 arguments"}},
		{[]string{"report", "/nonexistent"}, []string{"/nonexistent is not a results folder"}},
		{[]string{"report", res, "--slo", "p95<"}, []string{"--slo", "missing value"}},
		{[]string{"report", res, "--target-users", "-1"}, []string{"--target-users -1", "positive"}},
		// the command itself
		{[]string{"nosuchcommand"}, []string{`unknown command "nosuchcommand"`, "--help"}},
		{[]string{"--nosuchflag"}, []string{"unknown flag: --nosuchflag"}},
	} {
		name := strings.Join(c.args, " ")
		code, stdout, stderr := runCLI(t, []string{"DOCKER_HOST=unix:///nonexistent.sock"}, 30*time.Second, c.args...)
		if code != 2 {
			t.Errorf("%s: exit code %d, want 2; stderr:\n%s", name, code, stderr)
		}
		if !strings.HasPrefix(stderr, "loadlab: ") {
			t.Errorf("%s: message does not start with \"loadlab: \":\n%s", name, stderr)
		}
		for _, w := range c.want {
			if !strings.Contains(stderr, w) {
				t.Errorf("%s: message lacks %q:\n%s", name, w, stderr)
			}
		}
		if stackTrace.MatchString(stderr) || stackTrace.MatchString(stdout) {
			t.Errorf("%s: Go stack trace:\n%s%s", name, stdout, stderr)
		}
		if strings.Contains(stderr, "deploying") || strings.Contains(stderr, "load goes to") {
			t.Errorf("%s: got as far as deploying or sending load:\n%s", name, stderr)
		}
	}
	// No results folder may have been created in the working directory.
	if _, err := os.Stat("results"); err == nil {
		t.Errorf("a results folder was created in %s by a bad command line", mustGetwd(t))
	}
}

// TestPanicIsNotAStackTrace: a panic in a command reaches the user as one
// line and exit 70, with the stack only on request, and redacted like
// every other console line.
func TestPanicIsNotAStackTrace(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stderr
	os.Stderr = w
	root := newRootCmd("test")
	root.AddCommand(&cobra.Command{Use: "boom", RunE: func(*cobra.Command, []string) error {
		panic(`boom: Get "http://u:s3cr3t-pass@127.0.0.1:1/p?api_key=s3cr3t-q"`)
	}})
	code := func() int {
		defer func() { os.Stderr = old }()
		return execute(root, []string{"boom"})
	}()
	w.Close()
	b := make([]byte, 64<<10)
	n, _ := r.Read(b)
	out := string(b[:n])
	if code != 70 || !strings.Contains(out, "internal error: boom") || stackTrace.MatchString(out) || strings.Contains(out, "s3cr3t") {
		t.Errorf("exit %d, stderr:\n%s", code, out)
	}
}

func mustGetwd(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return wd
}

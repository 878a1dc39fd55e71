package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/scenarios"
	"github.com/loadlab/loadlab/search"
)

// bindRamp parses args as loadlab ramp's flags and binds them.
func bindRamp(t *testing.T, args ...string) (*rampCmd, error) {
	t.Helper()
	c := &rampCmd{}
	fs := pflag.NewFlagSet("ramp", pflag.ContinueOnError)
	c.flags(fs)
	if err := fs.Parse(append([]string{"--url", "http://127.0.0.1:1"}, args...)); err != nil {
		t.Fatal(err)
	}
	_, err := c.bind(fs)
	return c, err
}

func TestRampSearchFlag(t *testing.T) {
	c := &rampCmd{}
	fs := pflag.NewFlagSet("ramp", pflag.ContinueOnError)
	c.flags(fs)
	if err := fs.Parse([]string{"--url", "http://127.0.0.1:1", "--search", "100:20000:5%", "--slo", "p95<1s", "--hold", "20s"}); err != nil {
		t.Fatal(err)
	}
	sc, err := c.bind(fs)
	if err != nil {
		t.Fatal(err)
	}
	s := sc.Ramp.Search
	if s == nil || s.From != 100 || s.Max != 20000 || s.Resolution != (search.Resolution{Value: 5, Percent: true}) || s.Hold != 20*time.Second ||
		sc.Ramp.From != 0 || sc.Ramp.To != 0 || sc.Ramp.By != 0 || sc.Model != record.ModelUsers {
		t.Errorf("ramp %+v search %+v", sc.Ramp, s)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--search", "1:10", "--users", "1:10:1", "--slo", "p95<1s"}, "--search excludes --users and --rate"},
		{[]string{"--search", "1:10", "--rate", "5", "--slo", "p95<1s"}, "--search excludes --users and --rate"},
		{[]string{"--search", "1:10"}, "needs an SLO to judge its probes: add --slo"},
		{[]string{"--search", "10:1", "--slo", "p95<1s"}, "--search: search \"10:1\": max 1 is less than from 10"},
		{[]string{"--search", "1:10:0%", "--slo", "p95<1s"}, "--search: search \"1:10:0%\": resolution:"},
		{[]string{"--search", "1:200000", "--slo", "p95<1s"}, "ramp.search.max: 200000 users is above 100,000"},
	} {
		_, err := bindRamp(t, tc.args...)
		if err == nil || !isUsage(err) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want a usage error with %q", tc.args, err, tc.want)
		}
	}
}

// TestRampSearchPresetSLO: --preset stress supplies the SLO a search is
// judged by (stop.slo defaults to p95<1s,error_rate<1%), from the flag or
// from a --scenario file, so no --slo is needed.
func TestRampSearchPresetSLO(t *testing.T) {
	file := filepath.Join(t.TempDir(), "stress.yaml")
	if err := os.WriteFile(file, []byte("preset: stress\nramp:\n  search: {from: 100, max: 1000}\nrequests:\n  - path: /\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"--preset", "stress", "--search", "100:1000"},
		{"--scenario", file},
	} {
		c := &rampCmd{}
		fs := pflag.NewFlagSet("ramp", pflag.ContinueOnError)
		c.flags(fs)
		if err := fs.Parse(append([]string{"--url", "http://127.0.0.1:1"}, args...)); err != nil {
			t.Fatal(err)
		}
		sc, err := c.bind(fs)
		if err != nil {
			t.Errorf("%v: %v, want the preset's SLO to judge the search", args, err)
			continue
		}
		if sc.Ramp.Search == nil || sc.Stop.SLO != scenarios.DefaultStressSLO {
			t.Errorf("%v: search %+v, stop.slo %q; want a search judged by %q", args, sc.Ramp.Search, sc.Stop.SLO, scenarios.DefaultStressSLO)
		}
	}
}

// TestRampSearchRefusesStopFlags: --margin and --abort-error-rate, which a
// search would ignore, are refused with it (from --search or from a
// --scenario file's ramp.search), naming what to use instead.
func TestRampSearchRefusesStopFlags(t *testing.T) {
	file := filepath.Join(t.TempDir(), "search.yaml")
	if err := os.WriteFile(file, []byte("ramp:\n  search: {from: 1, max: 10}\nstop: {slo: 'p95<1s'}\nrequests:\n  - path: /\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--search", "1:10", "--slo", "p95<1s", "--margin", "0.1"}, "--margin: not used by a capacity search"},
		{[]string{"--search", "1:10", "--slo", "p95<1s", "--margin", "0.1"}, "ramp.search.margin"},
		{[]string{"--scenario", file, "--margin", "0.2"}, "--margin: not used by a capacity search"},
		{[]string{"--search", "1:10", "--slo", "p95<1s", "--abort-error-rate", "0.5"}, "--abort-error-rate: not used by a capacity search"},
		{[]string{"--scenario", file, "--abort-error-rate", "0.5"}, "error_rate condition in --slo"},
	} {
		_, err := bindRamp(t, tc.args...)
		if err == nil || !isUsage(err) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want a usage error with %q", tc.args, err, tc.want)
		}
	}
	// A ladder keeps them.
	if _, err := bindRamp(t, "--users", "1:10:1", "--slo", "p95<1s", "--margin", "0.1", "--abort-error-rate", "0.5"); err != nil {
		t.Errorf("a ladder with --margin and --abort-error-rate: %v", err)
	}
}

// TestRampSearchCLI runs `loadlab ramp --search` against a loopback server
// whose capacity is 4 users (answers in 10 ms while at most 4 requests are
// in flight, 200 ms beyond): the search's probes land in steps.jsonl and
// the result is printed.
func TestRampSearchCLI(t *testing.T) {
	srv := capacityServer(4)
	defer srv.Close()
	out := filepath.Join(t.TempDir(), "out")
	code, _, stderr := runCLI(t, []string{"CI=true"}, 60*time.Second, "ramp", "--url", srv.URL, "--search", "1:16:1",
		"--hold", "600ms", "--settle", "250ms", "--think", "0", "--slo", "p95<50ms", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	recs, err := record.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	last := recs[len(recs)-1]
	if len(recs) < 4 || last.Search == nil || last.Search.Result == nil {
		t.Fatalf("%d records, last search %+v", len(recs), last.Search)
	}
	if res := last.Search.Result; res.Capacity < 3 || res.Capacity > 4 {
		t.Errorf("capacity %v, want within 1 user of 4 (%+v)", res.Capacity, res)
	}
	if !strings.Contains(stderr, "loadlab: search done: capacity ") || !strings.Contains(stderr, "probe 1 done") ||
		!strings.Contains(stderr, "capacity search of users from 1 to at most 16, resolution 1 user") {
		t.Errorf("stderr:\n%s", stderr)
	}
}

// capacityServer answers in 10 ms while at most k requests are in flight,
// and in 200 ms beyond: its capacity under p95<50ms is k closed-loop users
// without think time.
func capacityServer(k int64) *httptest.Server {
	var inFlight atomic.Int64
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d := 10 * time.Millisecond
		if inFlight.Add(1) > k {
			d = 200 * time.Millisecond
		}
		defer inFlight.Add(-1)
		select {
		case <-time.After(d):
		case <-r.Context().Done():
		}
		w.Write([]byte(`{}`))
	}))
}

// TestRampSearchInterrupt: Ctrl-C during `loadlab ramp --search` keeps
// every probe measured so far in steps.jsonl, the last one partial, and
// exits 130.
func TestRampSearchInterrupt(t *testing.T) {
	srv := capacityServer(12)
	defer srv.Close()
	out := filepath.Join(t.TempDir(), "out")
	p := startCLI(t, []string{"CI=true"}, "ramp", "--url", srv.URL, "--search", "1:64:1",
		"--hold", "600ms", "--settle", "250ms", "--think", "0", "--slo", "p95<50ms", "--out", out)
	p.waitLine(regexp.MustCompile(`^loadlab: probe 2 done`), 30*time.Second)
	if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if code, _ := p.wait(15 * time.Second); code != 130 {
		t.Fatalf("exit %d, want 130\n%s", code, p.stderr())
	}
	recs, err := record.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) < 3 {
		t.Fatalf("%d probes in steps.jsonl, want the 2 done and the interrupted one", len(recs))
	}
	for i, r := range recs {
		last := i == len(recs)-1
		if r.Search == nil || r.Search.Probe != i+1 || r.Partial != last || (!last && r.Search.Verdict == "") {
			t.Errorf("probe %d: search %+v partial %v", i+1, r.Search, r.Partial)
		}
	}
	if !strings.Contains(p.stderr(), "interrupted: ") {
		t.Errorf("stderr:\n%s", p.stderr())
	}
}

package main

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/loadlab/loadlab/record"
)

// TestRampOneStepRange: --users 20:20:20 and --rate 5:5:5 (from = to) are
// one step whatever by is, through the real binary (issue 10, case 12).
func TestRampOneStepRange(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{}`)) }))
	defer srv.Close()
	for _, c := range []struct {
		flag, spec string
		users      int
		rate       float64
	}{{"--users", "20:20:20", 20, 0}, {"--rate", "5:5:5", 0, 5}} {
		out := filepath.Join(t.TempDir(), "out")
		code, _, stderr := runCLI(t, nil, 30*time.Second, "ramp", "--url", srv.URL, c.flag, c.spec,
			"--hold", "1s", "--think", "100ms", "--out", out)
		if code != 0 {
			t.Fatalf("%s %s: exit %d\n%s", c.flag, c.spec, code, stderr)
		}
		recs, err := record.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 1 || recs[0].Load.Users != c.users || recs[0].Load.Rate != c.rate {
			t.Errorf("%s %s: steps %+v, want one step at %d users / %v req/s", c.flag, c.spec, recs, c.users, c.rate)
		}
	}
}

// TestRampAllowLarge: --allow-large lifts the sanity bounds for values
// given as flags (issue 10, case 9).
func TestRampAllowLarge(t *testing.T) {
	args := []string{"--url", "http://127.0.0.1:1", "--users", "200000", "--hold", "48h", "--timeout", "2h"}
	for _, allow := range []bool{false, true} {
		c := &rampCmd{}
		fs := pflag.NewFlagSet("ramp", pflag.ContinueOnError)
		c.flags(fs)
		a := args
		if allow {
			a = append(a, "--allow-large")
		}
		if err := fs.Parse(a); err != nil {
			t.Fatal(err)
		}
		sc, err := c.bind(fs)
		switch {
		case allow && (err != nil || !sc.AllowLarge):
			t.Errorf("--allow-large: %v (allow_large %v)", err, sc.AllowLarge)
		case !allow && (err == nil || !isUsage(err) || !strings.Contains(err.Error(), "above 100,000 users per step")):
			t.Errorf("without --allow-large: %v", err)
		}
	}
}

// TestRampExplicitZeroSettleIsKept: --settle 0 under --preset load keeps
// 0 rather than the preset's 10s (issue 10, case 9).
func TestRampExplicitZeroSettleIsKept(t *testing.T) {
	c := &rampCmd{}
	fs := pflag.NewFlagSet("ramp", pflag.ContinueOnError)
	c.flags(fs)
	if err := fs.Parse([]string{"--url", "http://127.0.0.1:1", "--preset", "load", "--settle", "0s"}); err != nil {
		t.Fatal(err)
	}
	sc, err := c.bind(fs)
	if err != nil || sc.Ramp.Settle != 0 {
		t.Errorf("settle %s, %v; want the explicit 0", sc.Ramp.Settle, err)
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/rundir"
	"github.com/loadlab/loadlab/scenarios"
)

func TestRampBindsFlagsOntoScenario(t *testing.T) {
	c := &rampCmd{}
	fs := pflag.NewFlagSet("ramp", pflag.ContinueOnError)
	c.flags(fs)
	err := fs.Parse([]string{
		"--url", "http://127.0.0.1:1", "--users", "5:10:5", "--hold", "2s", "--settle", "500ms",
		"--think", "0", "--slo", "p95<1s", "--connections", "shared", "--pool", "7", "--timeout", "3s",
		"--margin", "0.2", "--abort-error-rate", "0.5", "--spawn-rate", "50",
	})
	if err != nil {
		t.Fatal(err)
	}
	sc, err := c.bind(fs)
	if err != nil {
		t.Fatal(err)
	}
	want := scenarios.Ramp{From: 5, To: 10, By: 5, Hold: 2 * time.Second, Settle: 500 * time.Millisecond}
	if sc.Model != record.ModelUsers || sc.Ramp.From != want.From || sc.Ramp.To != want.To || sc.Ramp.By != want.By ||
		sc.Ramp.Hold != want.Hold || sc.Ramp.Settle != want.Settle {
		t.Errorf("ramp %+v (model %s)", sc.Ramp, sc.Model)
	}
	if !sc.Think.None || sc.Stop.SLO != "p95<1s" || sc.Connections != scenarios.ConnShared || sc.Pool != 7 ||
		sc.Timeout != 3*time.Second || sc.Stop.Margin != 0.2 || sc.Stop.AbortErrorRate != 0.5 || sc.SpawnRate != 50 {
		t.Errorf("scenario %+v", sc)
	}
	// The default request mix is the reference API's.
	if len(sc.Requests) != 1 || sc.Requests[0].Path != "/predict" {
		t.Errorf("requests %+v", sc.Requests)
	}
}

func TestRampRejectsBadFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"ramp", "--users", "10"}, "--url"},
		{[]string{"ramp", "--url", "http://127.0.0.1:1", "--users", "10", "--rate", "5"}, "exclude each other"},
		{[]string{"ramp", "--url", "http://127.0.0.1:1", "--think", "fast"}, "--think"},
		{[]string{"ramp", "--url", "http://127.0.0.1:1", "--slo", "p95<<1s"}, "--slo"},
		{[]string{"ramp", "--url", "ftp://127.0.0.1:1"}, "--url"},
		{[]string{"ramp", "--url", "http://127.0.0.1:1", "--scenario", "/nonexistent.yaml"}, "--scenario"},
	} {
		root := newRootCmd("test")
		root.SetArgs(c.args)
		root.SetOut(&bytes.Buffer{})
		root.SetErr(&bytes.Buffer{})
		err := root.ExecuteContext(context.Background())
		if err == nil || !isUsage(err) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: err %v, want a usage error about %s", c.args, err, c.want)
		}
	}
}

func TestRampWritesStepsSummaryAndTable(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"p":0.5}`)) }))
	defer srv.Close()
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	var stdout, stderr bytes.Buffer
	root := newRootCmd("test")
	root.SetArgs([]string{"ramp", "--url", srv.URL, "--users", "2:4:2", "--hold", "600ms", "--settle", "100ms",
		"--think", "10ms-20ms", "--slo", "p95<1s,error_rate<1%", "--out", out, "--save-results"})
	root.SetOut(&stdout)
	root.SetErr(&stderr)
	if err := root.ExecuteContext(context.Background()); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	recs, err := record.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[0].Load.Users != 2 || recs[1].Load.Users != 4 || !recs[1].SLO.Pass || recs[0].Requests == 0 {
		t.Errorf("steps %+v", recs)
	}
	// plan.json says what the ramp set out to measure, so that a ramp
	// killed between steps is told from a finished one.
	if p, err := record.ReadPlan(out); err != nil || p == nil || p.Repeat != 1 || len(p.Configs) != 1 || p.Configs[0].Name != "url" ||
		p.Model != record.ModelUsers || len(p.Steps) != 2 || p.Steps[0] != 2 || p.Steps[1] != 4 {
		t.Errorf("plan.json: %+v, %v; want one configuration \"url\", steps [2 4] users", p, err)
	}
	var summary map[string]any
	b, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil || json.Unmarshal(b, &summary) != nil {
		t.Errorf("summary.json: %v", err)
	}
	if fi, err := os.Stat(filepath.Join(out, rundir.ResultsFile)); err != nil || fi.Size() == 0 {
		t.Errorf("saved results: %v", err)
	}
	if !strings.Contains(stdout.String(), "4 users") || !strings.Contains(stderr.String(), "load goes to "+srv.URL+" (127.0.0.1:") {
		t.Errorf("stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	}
	// A second run into the same folder is refused rather than mixed in.
	root = newRootCmd("test")
	root.SetArgs([]string{"ramp", "--url", srv.URL, "--users", "1", "--hold", "100ms", "--out", out})
	root.SetOut(&stdout)
	root.SetErr(&stderr)
	if err := root.ExecuteContext(context.Background()); err == nil || !isUsage(err) {
		t.Errorf("reusing --out: %v", err)
	}
}

func TestRampInterruptRecordsPartialStep(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{}`)) }))
	defer srv.Close()
	out := filepath.Join(t.TempDir(), "out")
	var stdout, stderr bytes.Buffer
	root := newRootCmd("test")
	root.SetArgs([]string{"ramp", "--url", srv.URL, "--users", "2:6:2", "--hold", "1s", "--think", "10ms", "--out", out})
	root.SetOut(&stdout)
	root.SetErr(&stderr)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(1500*time.Millisecond, cancel)
	err := root.ExecuteContext(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled (exit 130 in main)", err)
	}
	recs, rerr := record.ReadFile(out)
	if rerr != nil || len(recs) != 2 || !recs[1].Partial {
		t.Fatalf("steps %+v (%v): want 2 with the last partial", recs, rerr)
	}
	if !strings.Contains(stdout.String(), "partial") {
		t.Errorf("table missing after Ctrl-C:\n%s", stdout.String())
	}
}

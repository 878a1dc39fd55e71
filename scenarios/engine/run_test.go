package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/loadlab/loadlab/internal/apitest"
	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/scenarios"
)

// TestRunScenarioFile runs a parsed scenario file end to end: its plan,
// its request mix with a generated body, its stop SLO as the verdict, and
// results saved in vegeta's format that vegeta's own metrics read.
func TestRunScenarioFile(t *testing.T) {
	var mu sync.Mutex
	var bodies []map[string]any
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		var v map[string]any
		if err := json.NewDecoder(r.Body).Decode(&v); err == nil {
			mu.Lock()
			bodies = append(bodies, v)
			mu.Unlock()
		}
		w.Write([]byte(`{"score":0.5}`))
	})
	yaml := `
name: it
model: users
ramp: {from: 2, to: 4, by: 2, hold: 600ms, settle: 100ms}
think: {min: 10ms, max: 20ms}
stop: {slo: "p95<2s,error_rate<1%"}
requests:
  - path: /predict
    body: {age: {$int: [18, 100]}}
`
	sc, err := scenarios.Parse("it.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	var saved apitest.SyncBuffer
	var recs []record.Record
	opt := Options{Results: &saved, Seed: 1, Template: record.Record{Run: "run-1"}}
	opt.Hooks.Emit = func(r record.Record) error { recs = append(recs, r); return nil }
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := Run(ctx, sc, []string{srv.URL}, opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Steps) != 2 || len(recs) != 2 || recs[0].Load.Users != 2 || recs[1].Load.Users != 4 {
		t.Fatalf("steps %+v", recs)
	}
	for _, r := range recs {
		if !r.SLO.Pass || r.Errors != 0 || r.Run != "run-1" || r.StatusCodes["200"] == 0 {
			t.Errorf("step %d: %+v", r.Step, r)
		}
		h, err := hdrhistogram.Decode([]byte(r.Histogram))
		if err != nil || h.TotalCount() != r.Requests {
			t.Errorf("step %d: histogram of %d values (err %v), want %d", r.Step, h.TotalCount(), err, r.Requests)
		}
	}
	mu.Lock()
	for _, b := range bodies {
		age, ok := b["age"].(float64)
		if !ok || age < 18 || age > 100 {
			t.Errorf("body %v: want a generated age in [18, 100]", b)
		}
	}
	mu.Unlock()
	// vegeta's own metrics read the saved results.
	var m vegeta.Metrics
	attacks := map[string]bool{}
	for _, r := range savedResults(t, &saved) {
		attacks[r.Attack] = true
		m.Add(&r)
	}
	m.Close()
	if m.Requests < uint64(recs[0].Requests+recs[1].Requests) || m.Success != 1 || !attacks["step 0"] || !attacks["step 1"] {
		t.Errorf("vegeta metrics: %d requests, success %.2f, attacks %v", m.Requests, m.Success, attacks)
	}
}

func TestRunRejectsBadInput(t *testing.T) {
	sc := testScenario(record.ModelUsers)
	sc.Ramp = scenarios.Ramp{From: 1, Hold: time.Second}
	sc.Requests = []scenarios.RequestSpec{{Path: "/"}}
	for _, urls := range [][]string{nil, {"ftp://127.0.0.1/"}, {"127.0.0.1:8000"}, {"http://127.0.0.1:1/?q=1"}} {
		if _, err := Run(context.Background(), sc, urls, Options{}); err == nil {
			t.Errorf("urls %q accepted", urls)
		}
	}
	sc.Stop.SLO = "p95<<1s"
	if _, err := Run(context.Background(), sc, []string{"http://127.0.0.1:1"}, Options{}); err == nil || !strings.Contains(err.Error(), "stop.slo") {
		t.Errorf("bad stop slo: %v", err)
	}
}

func TestTargetsFileSource(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "body.json"), []byte(`{"x":1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	httpTargets := "GET http://api.example/health?full=1\nX-Trace: abc\n\nPOST http://api.example/predict\nContent-Type: application/json\n@body.json\n"
	jsonTargets := `{"method":"GET","url":"http://api.example/health?full=1","header":{"X-Trace":["abc"]}}
{"method":"POST","url":"http://api.example/predict","body":"eyJ4IjoxfQ==","header":{"Content-Type":["application/json"]}}
`
	for format, text := range map[string]string{"http": httpTargets, "json": jsonTargets} {
		t.Run(format, func(t *testing.T) {
			path := filepath.Join(dir, "targets."+format)
			if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			src, err := NewTargetsSource(path, format)
			if err != nil {
				t.Fatal(err)
			}
			a, b, c := src.Next(), src.Next(), src.Next()
			if a.Method != "GET" || a.Path != "/health?full=1" || len(a.Headers) != 1 || a.Headers[0] != (scenarios.Header{Key: "X-Trace", Value: "abc"}) {
				t.Errorf("first target %+v", a)
			}
			if b.Method != "POST" || b.Path != "/predict" || string(b.Body) != `{"x":1}` {
				t.Errorf("second target %+v", b)
			}
			if c.Path != a.Path {
				t.Errorf("targets not replayed round-robin: %+v", c)
			}
		})
	}
	if _, err := NewTargetsSource(filepath.Join(dir, "missing"), "http"); err == nil {
		t.Error("missing targets file accepted")
	}
	bad := filepath.Join(dir, "bad.http")
	os.WriteFile(bad, []byte("FETCH\n"), 0o644)
	if _, err := NewTargetsSource(bad, "http"); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("bad targets file: %v", err)
	}
}

func TestTargetsFileScenarioSendsToBaseURLs(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]int{}
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.Method+" "+r.URL.RequestURI()+" "+r.Header.Get("X-Trace")]++
		mu.Unlock()
	})
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "t.http"), []byte("GET http://elsewhere.example/a?b=1\nX-Trace: t1\n\nDELETE http://elsewhere.example/c\n"), 0o644)
	sc := testScenario(record.ModelRate)
	sc.Ramp = scenarios.Ramp{From: 50, Hold: 500 * time.Millisecond}
	sc.TargetsFile = "t.http"
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := Run(ctx, sc, []string{srv.URL}, Options{BaseDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if seen["GET /a?b=1 t1"] < 5 || seen["DELETE /c "] < 5 || len(seen) != 2 || out.Steps[0].Errors != 0 {
		t.Errorf("server saw %v", seen)
	}
}

func TestRenderTable(t *testing.T) {
	stable := false
	recs := []record.Record{
		{Step: 0, Load: record.Load{Model: record.ModelRate, Rate: 100}, WindowS: 25, Requests: 2500, RPS: 100, OKRPS: 99,
			Errors: 25, ErrorRate: 0.01, Latency: &record.Latency{P50: 2.25, P95: 7.5, P99: 15}, LatencyScheduled: &record.Latency{P95: 9.5},
			OpenConnections: 12, Generator: record.Generator{CPUPct: 35, CPUAvailablePct: 200}, SLO: record.SLOResult{Pass: true}},
		{Step: 1, Load: record.Load{Model: record.ModelRate, Rate: 200}, WindowS: 3.2, Requests: 640, RPS: 200, Dropped: 7, Partial: true,
			Stable: &stable, StopReason: "interrupted", Generator: record.Generator{Saturated: true},
			SLO: record.SLOResult{Breaches: []string{"p95 1.20s breaches p95<1s"}}},
	}
	var buf bytes.Buffer
	if err := RenderTable(&buf, recs); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"100/s", "2500", "25 (1.00%)", "7.5", "9.5", "35%/200%", "pass", "FAIL", "partial", "generator saturated", "unstable", "p95 1.20s breaches p95<1s", "stop: interrupted"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

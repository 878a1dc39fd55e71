package engine

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/scenarios"
	"github.com/loadlab/loadlab/slo"
)

func slowHandler(d time.Duration) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(d)
		w.Write([]byte("ok"))
	}
}

func TestStopAfterSLOBreach(t *testing.T) {
	srv := newTestServer(t, slowHandler(20*time.Millisecond))
	sc := testScenario(record.ModelUsers)
	sc.Stop.SLO, sc.Stop.Margin = "p95<5ms", 0.1
	out, recs, err := runTest(t, sc, userSteps(500*time.Millisecond, 100*time.Millisecond, 2, 4, 6), &cycleSource{reqs: []scenarios.Request{get("/")}}, []string{srv.URL}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || len(out.Steps) != 1 {
		t.Fatalf("%d records emitted, want the ramp stopped after the first breaching step", len(recs))
	}
	rec := recs[0]
	if !strings.HasPrefix(rec.StopReason, "slo breached: p95 ") || out.StopReason != rec.StopReason || out.Interrupted {
		t.Errorf("stop_reason %q, outcome %q", rec.StopReason, out.StopReason)
	}
	if rec.SLO.Pass || len(rec.SLO.Breaches) != 1 || rec.Partial {
		t.Errorf("slo %+v partial %v", rec.SLO, rec.Partial)
	}
}

func TestMarginKeepsRampGoingButVerdictFails(t *testing.T) {
	srv := newTestServer(t, slowHandler(20*time.Millisecond))
	sc := testScenario(record.ModelUsers)
	// p95 is at least the handler's 20 ms, so it always misses 19 ms; it
	// stays within the 900 % margin (190 ms) unless the machine stalls two
	// of a step's ~25 requests by 170 ms. The margin is about the machine:
	// at 50 % (28.5 ms), -race on a loaded 2-core runner sometimes stalled
	// enough requests to stop the ramp (p95 39 ms, 89 ms).
	sc.Stop.SLO, sc.Stop.Margin = "p95<19ms", 9
	verdict, _ := slo.Parse("p95<19ms,error_rate<1%")
	out, recs, err := runTest(t, sc, userSteps(400*time.Millisecond, 100*time.Millisecond, 1, 2), &cycleSource{reqs: []scenarios.Request{get("/")}}, []string{srv.URL}, Options{SLO: verdict})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || out.StopReason != "" {
		t.Fatalf("%d steps, stop %q: want both steps run", len(recs), out.StopReason)
	}
	for _, r := range recs {
		if r.SLO.Pass || r.StopReason != "" || len(r.SLO.Breaches) != 1 {
			t.Errorf("step %d: slo %+v stop %q: want the verdict to fail without stopping", r.Step, r.SLO, r.StopReason)
		}
	}
}

func TestInterruptLeavesPartialLastStep(t *testing.T) {
	for _, model := range []string{record.ModelUsers, record.ModelRate} {
		t.Run(model, func(t *testing.T) {
			srv := newTestServer(t, slowHandler(5*time.Millisecond))
			sc := testScenario(model)
			sc.Think = scenarios.Think{Min: 10 * time.Millisecond, Max: 20 * time.Millisecond}
			steps := userSteps(time.Second, 200*time.Millisecond, 5, 10, 15)
			if model == record.ModelRate {
				steps = rateSteps(time.Second, 200*time.Millisecond, 100, 200, 300)
			}
			path := filepath.Join(t.TempDir(), record.FileName)
			w, err := record.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			ctx, cancel := context.WithCancel(context.Background())
			cancelled := time.Now().Add(1600 * time.Millisecond)
			time.AfterFunc(time.Until(cancelled), cancel)
			opt := Options{Template: record.Record{Run: "r1", Config: record.Config{Name: "c1"}}}
			opt.Hooks.Emit = w.Append
			out, err := runPlan(ctx, sc, steps, &cycleSource{reqs: []scenarios.Request{get("/")}}, []string{srv.URL}, opt)
			returned := time.Now()
			if !errors.Is(err, context.Canceled) || !out.Interrupted || out.StopReason != StopInterrupted {
				t.Fatalf("err %v, outcome %+v: want an interrupted outcome wrapping context.Canceled", err, out)
			}
			if d := returned.Sub(cancelled); d > 2*time.Second {
				t.Errorf("returned %s after the cancel, want within 2 s", d)
			}
			sent := srv.requests.Load()
			time.Sleep(300 * time.Millisecond)
			if after := srv.requests.Load(); after != sent {
				t.Errorf("load continued after Run returned: %d → %d requests", sent, after)
			}
			recs, err := record.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != 2 {
				t.Fatalf("%d records in steps.jsonl, want 2", len(recs))
			}
			last := recs[1]
			if recs[0].Partial || !last.Partial || last.StopReason != StopInterrupted {
				t.Errorf("partial flags %v/%v, stop %q", recs[0].Partial, last.Partial, last.StopReason)
			}
			if last.WindowS <= 0 || last.WindowS >= 0.8 || last.Requests == 0 {
				t.Errorf("partial step window %.2fs with %d requests: want what was measured before the interrupt", last.WindowS, last.Requests)
			}
			if last.Run != "r1" || last.Config.Name != "c1" || last.Step != 1 {
				t.Errorf("template not copied: %+v", last)
			}
		})
	}
}

func TestEmitErrorAbortsRamp(t *testing.T) {
	srv := newTestServer(t, slowHandler(0))
	sc := testScenario(record.ModelUsers)
	boom := errors.New("disk full")
	n := 0
	opt := Options{}
	opt.Hooks.Emit = func(record.Record) error {
		n++
		return boom
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := runPlan(ctx, sc, userSteps(300*time.Millisecond, 0, 1, 2, 3), &cycleSource{reqs: []scenarios.Request{get("/")}}, []string{srv.URL}, opt)
	if !errors.Is(err, boom) || n != 1 {
		t.Errorf("err %v after %d emits: want the emit error after the first step", err, n)
	}
}

func TestHooksAndProgress(t *testing.T) {
	srv := newTestServer(t, slowHandler(time.Millisecond))
	sc := testScenario(record.ModelUsers)
	sc.Think = scenarios.Think{Min: 10 * time.Millisecond, Max: 10 * time.Millisecond}
	var mu sync.Mutex
	var windows []int
	var progress []Progress
	opt := Options{
		Progress: func(p Progress) {
			mu.Lock()
			progress = append(progress, p)
			mu.Unlock()
		},
	}
	opt.Hooks.WindowStart = func(_ context.Context, st scenarios.Step) { windows = append(windows, st.Users) }
	opt.Hooks.Enrich = func(_ context.Context, r *record.Record) {
		r.Target = &record.Target{CPUCores: 1.5}
		r.Latency.P95 = 10_000 // the verdict comes after enrichment
	}
	verdict, _ := slo.Parse("p95<1s")
	_, recs, err := runTest(t, sc, userSteps(1200*time.Millisecond, 100*time.Millisecond, 2, 3), &cycleSource{reqs: []scenarios.Request{get("/")}}, []string{srv.URL}, Options{
		Progress: opt.Progress, Hooks: opt.Hooks, SLO: verdict,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(windows) != 2 || windows[0] != 2 || windows[1] != 3 {
		t.Errorf("WindowStart calls %v", windows)
	}
	for _, r := range recs {
		if r.Target == nil || r.Target.CPUCores != 1.5 || r.SLO.Pass {
			t.Errorf("step %d: target %+v slo %+v: want enrichment before the verdict", r.Step, r.Target, r.SLO)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	var live, done int
	for _, p := range progress {
		if p.Steps != 2 || p.Step < 1 || p.Step > 2 {
			t.Errorf("progress %+v", p)
		}
		if p.Done {
			done++
		} else {
			live++
			if p.RPS <= 0 {
				t.Errorf("live progress without rps: %+v", p)
			}
		}
	}
	if done != 2 || live < 1 {
		t.Errorf("%d live and %d step-end progress reports", live, done)
	}
	if last := progress[len(progress)-1]; !last.Done || last.Remaining != 0 || last.Step != 2 {
		t.Errorf("last progress %+v", last)
	}
}

func TestStabilityExtendsUnstableSteps(t *testing.T) {
	srv := newTestServer(t, slowHandler(2*time.Millisecond))
	const hold, maxHold = 800 * time.Millisecond, 1600 * time.Millisecond
	for _, c := range []struct {
		name       string
		tol        float64
		wantStable bool
	}{
		{"steady within 50%", 0.5, true},
		{"never within 0%", 0, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			retryTiming(t, 3, func(a *attempt) {
				sc := testScenario(record.ModelUsers)
				sc.Think = scenarios.Think{Min: 5 * time.Millisecond, Max: 15 * time.Millisecond}
				sc.Stability = scenarios.Stability{Enabled: true, Window: 200 * time.Millisecond, Windows: 3, Tolerance: c.tol, MaxHold: maxHold}
				var lasted time.Duration
				opt := Options{}
				opt.Hooks.Enrich = func(_ context.Context, r *record.Record) { lasted = time.Since(r.StartedAt) }
				_, recs, err := runTest(t, sc, userSteps(hold, 100*time.Millisecond, 4), &cycleSource{reqs: []scenarios.Request{get("/")}}, []string{srv.URL}, opt)
				if err != nil {
					t.Fatal(err)
				}
				r := recs[0]
				if r.Stable == nil || *r.Stable != c.wantStable {
					a.Errorf("stable %v, want %v", r.Stable, c.wantStable)
				}
				// A stable step ends at its hold (the windows agree by then);
				// an unstable one is extended to max_hold.
				if c.wantStable && lasted > hold+300*time.Millisecond {
					a.Errorf("stable step lasted %s, want about its hold %s", lasted, hold)
				}
				if !c.wantStable && lasted < maxHold {
					a.Errorf("unstable step lasted %s, want extended to max_hold %s", lasted, maxHold)
				}
			})
		})
	}
}

func TestStableWindows(t *testing.T) {
	for _, c := range []struct {
		rps, p95 []float64
		n        int
		tol      float64
		want     bool
	}{
		{[]float64{100, 101, 99}, []float64{10, 10.5, 9.6}, 3, 0.1, true},
		{[]float64{50, 100, 101, 99}, []float64{1, 10, 10, 10}, 3, 0.1, true},
		{[]float64{100, 130, 99}, []float64{10, 10, 10}, 3, 0.1, false},
		{[]float64{100, 100, 100}, []float64{10, 20, 10}, 3, 0.1, false},
		{[]float64{100, 100}, []float64{10, 10}, 3, 0.1, false},
		{[]float64{0, 0, 0}, []float64{0, 0, 0}, 3, 0.1, true},
	} {
		if got := stable(c.rps, c.p95, c.n, c.tol); got != c.want {
			t.Errorf("stable(%v, %v, %d, %g) = %v", c.rps, c.p95, c.n, c.tol, got)
		}
	}
}

// TestEnrichMarkingPartialEndsTheRamp: a step the Enrich hook marks partial
// (the runner does when the container runtime stopped answering) keeps its
// stop reason and is the ramp's last.
func TestEnrichMarkingPartialEndsTheRamp(t *testing.T) {
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	sc := testScenario(record.ModelUsers)
	sc.Think = scenarios.Think{Min: 10 * time.Millisecond, Max: 10 * time.Millisecond}
	const reason = "runtime unavailable: gone"
	opt := Options{}
	opt.Hooks.Enrich = func(_ context.Context, r *record.Record) {
		if r.Load.Users == 3 {
			r.Partial, r.StopReason = true, reason
		}
	}
	out, recs, err := runTest(t, sc, userSteps(500*time.Millisecond, 0, 2, 3, 4), &cycleSource{reqs: []scenarios.Request{get("/")}}, []string{srv.URL}, opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 {
		t.Fatalf("%d records, want 2: the ramp must stop at the partial step", len(recs))
	}
	if recs[0].Partial || !recs[1].Partial || recs[1].StopReason != reason || out.StopReason != reason {
		t.Errorf("partial %v/%v, reasons %q/%q: want the second step partial with %q, and the outcome too",
			recs[0].Partial, recs[1].Partial, recs[1].StopReason, out.StopReason, reason)
	}
}

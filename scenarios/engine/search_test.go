package engine

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/scenarios"
	"github.com/loadlab/loadlab/search"
	"github.com/loadlab/loadlab/slo"
)

// capacityHandler answers in 10 ms while at most k requests are in
// flight, and in 200 ms beyond: with closed-loop users and no think time
// (users = concurrency) its capacity under p95<50ms is exactly k users.
func capacityHandler(k int64) http.HandlerFunc {
	var inFlight atomic.Int64
	return func(w http.ResponseWriter, r *http.Request) {
		d := 10 * time.Millisecond
		if inFlight.Add(1) > k {
			d = 200 * time.Millisecond
		}
		defer inFlight.Add(-1)
		select {
		case <-time.After(d):
		case <-r.Context().Done():
		}
		w.Write([]byte("ok"))
	}
}

// searchScenario searches users from 2 to at most 64, to the user, with
// probes short enough for a test: a settle (250 ms) that outlasts the
// slow answers of the probe before, a 600 ms hold.
func searchScenario() scenarios.Scenario {
	sc := testScenario(record.ModelUsers)
	sc.Ramp = scenarios.Ramp{Hold: 600 * time.Millisecond, Settle: 250 * time.Millisecond,
		Search: &search.Capacity{From: 2, Max: 64, Resolution: search.Resolution{Value: 1}, Repeats: 2}}
	return sc
}

// TestSearchFindsKnownCapacity runs a real capacity search against a
// loopback server whose capacity is 12 users: every probe is emitted with
// its search annotation, the last with the result, found within the
// resolution (1 user) of 12.
func TestSearchFindsKnownCapacity(t *testing.T) {
	const k = 12
	retryTiming(t, 2, func(a *attempt) {
		srv := newTestServer(t, capacityHandler(k))
		verdict, _ := slo.Parse("p95<50ms")
		var progress []Progress
		opt := Options{SLO: verdict, Progress: func(p Progress) { progress = append(progress, p) }}
		out, recs, err := runPlannerTest(t, searchScenario(), nil, opt, srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) == 0 || len(recs) != len(out.Steps) || len(recs) > search.MaxProbes {
			t.Fatalf("%d records emitted, %d in the outcome", len(recs), len(out.Steps))
		}
		for i, r := range recs {
			s := r.Search
			if s == nil || s.Kind != record.SearchCapacity || s.Probe != i+1 || s.Verdict == "" || r.Step != i {
				t.Fatalf("probe %d (step %d): search %+v", i+1, r.Step, s)
			}
			if r.Latency == nil {
				t.Fatalf("probe %d (%d users): nothing measured (%s): the server answers every request", s.Probe, r.Load.Users, strings.Join(r.SLO.Breaches, "; "))
			}
			t.Logf("probe %d: %s %d users, p95 %.1f ms, %s (low %v, high %v) %s", s.Probe, s.Phase, r.Load.Users, r.Latency.P95, s.Verdict, s.Low, s.High, s.Note)
			if (s.Result != nil) != (i == len(recs)-1) || (r.StopReason != "") != (i == len(recs)-1) {
				t.Errorf("probe %d: result %+v, stop %q: want both on the last probe only", i+1, s.Result, r.StopReason)
			}
		}
		last := recs[len(recs)-1]
		res := last.Search.Result
		if res == nil {
			t.Fatal("no result")
		}
		if res.Capacity < k-1 || res.Capacity > k || res.Probes != len(recs) {
			a.Errorf("capacity %v after %d probes (result %+v), want within 1 user of %d", res.Capacity, len(recs), res, k)
		}
		if !strings.HasPrefix(last.StopReason, "search done: capacity ") || out.StopReason != last.StopReason || out.Interrupted {
			t.Errorf("stop reason %q, outcome %q", last.StopReason, out.StopReason)
		}
		var table bytes.Buffer
		if err := RenderTable(&table, recs); err != nil || !strings.Contains(table.String(), "bracket: pass") || !strings.Contains(table.String(), "bisect: fail") {
			t.Errorf("the table does not show the search's phases and verdicts (%v):\n%s", err, table.String())
		}
		for _, p := range progress {
			if p.Steps != 0 {
				t.Fatalf("progress %+v: want Steps 0 (unknown) for a search", p)
			}
		}
	})
}

// errorHandler answers 200 in 10 ms while at most k requests are in
// flight, and 500 (as fast) beyond.
func errorHandler(k int64) http.HandlerFunc {
	var inFlight atomic.Int64
	return func(w http.ResponseWriter, r *http.Request) {
		defer inFlight.Add(-1)
		over := inFlight.Add(1) > k
		select {
		case <-time.After(10 * time.Millisecond):
		case <-r.Context().Done():
		}
		if over {
			w.WriteHeader(http.StatusInternalServerError)
		}
		w.Write([]byte("ok"))
	}
}

// TestSearchIgnoresStopConditions: a probe that breaches stop.slo, or
// whose error rate exceeds abort_error_rate, does not end a search: the
// search goes on to its own answer.
func TestSearchIgnoresStopConditions(t *testing.T) {
	latency, _ := slo.Parse("p95<1s")
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		set     func(*scenarios.Scenario)
		opt     Options
		stopped func(record.Record) bool // a probe the stop condition would have ended the ramp at
	}{
		{"stop.slo", capacityHandler(3), func(sc *scenarios.Scenario) { sc.Stop.SLO = "p95<50ms" }, Options{},
			func(r record.Record) bool { return !r.SLO.Pass }},
		{"abort_error_rate", errorHandler(3), func(sc *scenarios.Scenario) { sc.Stop.AbortErrorRate = 0.0001 }, Options{SLO: latency},
			func(r record.Record) bool { return r.ErrorRate > 0.0001 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newTestServer(t, tc.handler)
			sc := searchScenario()
			tc.set(&sc)
			sc.Ramp.Search = &search.Capacity{From: 2, Max: 8, Resolution: search.Resolution{Value: 1}, Repeats: 1}
			_, recs, err := runPlannerTest(t, sc, nil, tc.opt, srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			first := -1
			for i, r := range recs {
				if tc.stopped(r) {
					first = i
					break
				}
			}
			last := recs[len(recs)-1]
			if first < 0 {
				t.Fatalf("no probe of %d met the stop condition: the test proves nothing", len(recs))
			}
			if len(recs) <= 2 || first == len(recs)-1 || last.Search == nil || last.Search.Result == nil || !strings.HasPrefix(last.StopReason, "search ") {
				t.Fatalf("%d probes, the stop condition met at probe %d, last %+v (stop %q): want the search to go on past it to its result",
					len(recs), first+1, last.Search, last.StopReason)
			}
		})
	}
}

// TestSearchStepDownAfterSlowProbe: the answers owed by a slow probe
// arrive after the search has stepped down; the next probe settles until
// they are in (its settle covers the slowest latency of the probe before),
// so they do not fail it. The server answers in 1 s until the first probe
// ends, then in 100 ms: 8 users breach p95<300ms, 4 users pass. Measured
// from a 250 ms settle, the second probe would count the 8 late answers
// (at least the 4 of its own users) among about 40 fast ones: p95 1 s.
func TestSearchStepDownAfterSlowProbe(t *testing.T) {
	retryTiming(t, 2, func(a *attempt) {
		var slow atomic.Bool
		slow.Store(true)
		srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
			d := 100 * time.Millisecond
			if slow.Load() {
				d = time.Second
			}
			select {
			case <-time.After(d):
			case <-r.Context().Done():
			}
			w.Write([]byte("ok"))
		})
		verdict, _ := slo.Parse("p95<300ms")
		sc := searchScenario()
		sc.Ramp.Hold = 1500 * time.Millisecond
		sc.Ramp.Search = &search.Capacity{From: 8, Max: 16, Resolution: search.Resolution{Value: 4}, Repeats: 1}
		var recs []record.Record
		opt := Options{SLO: verdict}
		opt.Hooks.Emit = func(r record.Record) error {
			recs = append(recs, r)
			slow.Store(false) // from the next probe on, new requests are fast
			return nil
		}
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		_, err := runPlanner(ctx, sc, nil, &cycleSource{reqs: []scenarios.Request{get("/")}}, []string{srv.URL}, opt)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) < 2 || recs[0].Load.Users != 8 || recs[0].SLO.Pass || recs[1].Load.Users != 4 || recs[0].Latency == nil {
			t.Fatalf("%d probes: want 8 users breaching, then 4 users", len(recs))
		}
		for i, r := range recs {
			p95 := -1.0
			if r.Latency != nil {
				p95 = r.Latency.P95
			}
			t.Logf("probe %d: %d users, p95 %.1f ms, window %.2f s, %s %s", i+1, r.Load.Users, p95, r.WindowS, r.Search.Verdict, r.Search.Note)
		}
		if r := recs[1]; !r.SLO.Pass || r.Search.Verdict != record.VerdictPass {
			a.Errorf("4 users after the slow probe: %v, verdict %q: the slow probe's late answers failed it", r.SLO.Breaches, r.Search.Verdict)
		}
		if res := recs[len(recs)-1].Search.Result; res == nil || res.Capacity != 4 {
			a.Errorf("result %+v, want capacity 4", res)
		}
		if want := 1.5 - 0.25; !within(recs[1].WindowS, want, 0.1) {
			a.Errorf("the probe after the slow one measured %.2f s, want its window kept (%.2f s)", recs[1].WindowS, want)
		}
	})
}

// TestSearchInterruptKeepsProbes: cancelling a search mid-way keeps every
// probe emitted so far, the last one partial, and Run returns the
// interruption.
func TestSearchInterruptKeepsProbes(t *testing.T) {
	srv := newTestServer(t, capacityHandler(12))
	verdict, _ := slo.Parse("p95<50ms")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	time.AfterFunc(1500*time.Millisecond, cancel)
	var emitted []record.Record
	opt := Options{SLO: verdict}
	opt.Hooks.Emit = func(r record.Record) error { emitted = append(emitted, r); return nil }
	out, err := runPlanner(ctx, searchScenario(), nil, &cycleSource{reqs: []scenarios.Request{get("/")}}, []string{srv.URL}, opt)
	if !errors.Is(err, context.Canceled) || !out.Interrupted || out.StopReason != StopInterrupted {
		t.Fatalf("err %v, outcome stop %q interrupted %v: want the interruption", err, out.StopReason, out.Interrupted)
	}
	if len(emitted) < 2 || len(emitted) != len(out.Steps) {
		t.Fatalf("%d probes emitted, %d in the outcome: want those before the interrupt and the partial one", len(emitted), len(out.Steps))
	}
	for i, r := range emitted {
		lastOne := i == len(emitted)-1
		if r.Search == nil || r.Search.Probe != i+1 || r.Partial != lastOne {
			t.Errorf("probe %d: search %+v partial %v", i+1, r.Search, r.Partial)
		}
		if !lastOne && r.Search.Verdict == "" {
			t.Errorf("probe %d was not judged: %+v", i+1, r.Search)
		}
	}
	if last := emitted[len(emitted)-1]; last.StopReason != StopInterrupted || last.Search.Result != nil {
		t.Errorf("last probe: stop %q, search %+v", last.StopReason, last.Search)
	}
}

// TestSearchWithoutSLORefused: a search with no SLO to judge its probes is
// refused before any request is sent.
func TestSearchWithoutSLORefused(t *testing.T) {
	srv := newTestServer(t, slowHandler(0))
	sc := searchScenario()
	sc.Requests = []scenarios.RequestSpec{{Path: "/"}}
	_, err := Run(context.Background(), sc, []string{srv.URL}, Options{})
	if !errors.Is(err, scenarios.ErrNoVerdict) || !strings.Contains(err.Error(), "ramp.search needs an SLO to judge probes") {
		t.Errorf("err %v: want the search refused for want of an SLO", err)
	}
	if n := srv.requests.Load(); n != 0 {
		t.Errorf("%d requests sent before the refusal", n)
	}
}

// TestTrialPlannerRuns: a limit search's trial passed as Options.Planner
// runs its approach steps and its trial step, each marked and judged.
func TestTrialPlannerRuns(t *testing.T) {
	srv := newTestServer(t, capacityHandler(6))
	verdict, _ := slo.Parse("p95<50ms")
	sc := testScenario(record.ModelUsers)
	sc.Ramp = scenarios.Ramp{Hold: 600 * time.Millisecond, Settle: 250 * time.Millisecond}
	for _, tc := range []struct {
		target float64
		steps  int
		want   string
	}{{4, 4, record.VerdictPass}, {12, 3, record.VerdictFail}} { // 12: 3, 6 pass, 9 breaches on the way up
		_, recs, err := runPlannerTest(t, sc, sc.TrialPlanner(tc.target, verdict, search.TrialCPU), Options{SLO: verdict}, srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		last := recs[len(recs)-1]
		if len(recs) != tc.steps || last.Search == nil || last.Search.Kind != record.SearchLimits || last.Search.Trial != search.TrialCPU || last.Search.Verdict != tc.want {
			t.Errorf("target %v: %d steps, last %d users %+v; want %d steps ending %s", tc.target, len(recs), last.Load.Users, last.Search, tc.steps, tc.want)
		}
	}
}

// TestRunWithPlannerNeedsNoRampLevels: Run with Options.Planner accepts a
// scenario without ramp levels (a limit search's trial brings its own)
// and runs the planner's steps; without a planner the same scenario is
// refused for its missing ramp.
func TestRunWithPlannerNeedsNoRampLevels(t *testing.T) {
	srv := newTestServer(t, slowHandler(time.Millisecond))
	sc := testScenario(record.ModelUsers)
	sc.Requests = []scenarios.RequestSpec{{Path: "/"}}
	sc.Ramp = scenarios.Ramp{Hold: 300 * time.Millisecond}
	verdict, _ := slo.Parse("p95<1s")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := Run(ctx, sc, []string{srv.URL}, Options{SLO: verdict}); err == nil || !strings.Contains(err.Error(), "ramp: no load") {
		t.Errorf("without a planner: %v, want the missing ramp refused", err)
	}
	out, err := Run(ctx, sc, []string{srv.URL}, Options{SLO: verdict, Planner: sc.TrialPlanner(2, verdict, search.TrialCPU)})
	if err != nil || len(out.Steps) != 2 || out.Steps[1].Search.Verdict != record.VerdictPass {
		t.Errorf("with a trial planner: %v, %d steps", err, len(out.Steps))
	}
}

// runPlannerTest runs planner (nil: the scenario's) against url with a
// 60 s bound, and returns the outcome, the records emitted and the error.
func runPlannerTest(t *testing.T, sc scenarios.Scenario, planner scenarios.Planner, opt Options, url string) (Outcome, []record.Record, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var emitted []record.Record
	opt.Hooks.Emit = func(r record.Record) error {
		emitted = append(emitted, r)
		return nil
	}
	out, err := runPlanner(ctx, sc, planner, &cycleSource{reqs: []scenarios.Request{get("/")}}, []string{url}, opt)
	return out, emitted, err
}

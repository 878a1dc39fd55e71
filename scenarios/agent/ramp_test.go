package agent

import (
	"context"
	"errors"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/loadlab/loadlab/internal/testsrv"
	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/scenarios/engine"
	"github.com/loadlab/loadlab/slo"
)

// rawResults collects what each agent posted, by step.
type rawResults struct {
	mu  sync.Mutex
	got map[int][]record.Record
}

func (r *rawResults) observe(res Result) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.got == nil {
		r.got = make(map[int][]record.Record)
	}
	if res.Error == "" {
		r.got[res.Step] = append(r.got[res.Step], res.Record)
	}
}

func (r *rawResults) of(step int) []record.Record {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.got[step]
}

// TestTwoAgentsMergeExactly: two agents (agent.Serve over loopback HTTP)
// ramp 6 then 12 users against a truth server: each merged step sums the
// agents' counts exactly, equals the server's count of answers in the
// window up to the requests crossing its edges, its p50/p95/p99 are
// within 1 % of one histogram of the server's own service times, and the
// per-generator breakdown holds both agents' halves.
func TestTwoAgentsMergeExactly(t *testing.T) {
	srv := testsrv.NewTruth(t, "", 50*time.Millisecond, 250*time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	f, raw := goFleet(t, ctx)
	defer closeFleet(t, f)
	settle := time.Second
	sc := closedScenario([]float64{6, 12}, 4*time.Second, settle)
	var emitted []record.Record
	out, err := f.Run(ctx, sc, []string{srv.URL}, engine.Options{
		Template: record.Record{Run: "r1", Config: record.Config{Name: "c1"}},
		SLO:      mustSLO(t, "p95<1s"),
		Seed:     7,
		Hooks:    engine.Hooks{Emit: func(rec record.Record) error { emitted = append(emitted, rec); return nil }},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Steps) != 2 || len(emitted) != 2 {
		t.Fatalf("got %d steps (%d emitted), want 2", len(out.Steps), len(emitted))
	}
	for i, rec := range out.Steps {
		users := []int{6, 12}[i]
		if rec.Run != "r1" || rec.Config.Name != "c1" || rec.Step != i || rec.Load.Users != users || rec.Partial {
			t.Errorf("step %d: run %q config %q step %d users %d partial %v", i, rec.Run, rec.Config.Name, rec.Step, rec.Load.Users, rec.Partial)
		}
		parts := raw.of(i)
		if len(parts) != 2 || len(rec.Generators) != 2 {
			t.Fatalf("step %d: %d agent records, %d generators, want 2 and 2", i, len(parts), len(rec.Generators))
		}
		var sumReq, sumOK int64
		shareUsers := 0
		for j, p := range parts {
			sumReq += p.Requests
			sumOK += p.Successes
			gs := rec.Generators[j]
			shareUsers += gs.Users
			if gs.Users != users/2 || gs.Requests == 0 || gs.Partial || gs.CPUAvailablePct <= 0 || gs.RSSBytes <= 0 {
				t.Errorf("step %d generator %s: %+v", i, gs.ID, gs)
			}
		}
		if rec.Requests != sumReq || rec.Successes != sumOK || rec.StatusCodes["200"] != rec.Requests || rec.Errors != 0 {
			t.Errorf("step %d: merged requests %d successes %d (200: %d), agents' %d and %d", i, rec.Requests, rec.Successes, rec.StatusCodes["200"], sumReq, sumOK)
		}
		if shareUsers != users {
			t.Errorf("step %d: generators' users sum to %d, want %d", i, shareUsers, users)
		}
		h, err := hdrhistogram.Decode([]byte(rec.Histogram))
		if err != nil || h.TotalCount() != rec.Requests {
			t.Errorf("step %d: merged histogram holds %d values (%v), want %d", i, h.TotalCount(), err, rec.Requests)
		}
		// The truth: the server's answers inside the window. The agents
		// start within milliseconds of StartedAt; requests crossing an
		// edge of the window (at most one per user at each edge) can
		// fall on either side.
		from := rec.StartedAt.Add(settle)
		to := from.Add(time.Duration(rec.WindowS * float64(time.Second)))
		truth := srv.Between(from, to)
		if d := int64(len(truth)) - rec.Requests; d > int64(users) || d < -int64(users) {
			t.Errorf("step %d: server answered %d in the window, merged step counts %d (more than %d apart)", i, len(truth), rec.Requests, users)
		}
		want := testsrv.Percentiles(truth)
		got := [3]float64{rec.Latency.P50, rec.Latency.P95, rec.Latency.P99}
		for k, name := range []string{"p50", "p95", "p99"} {
			if math.Abs(got[k]-want[k]) > 0.01*want[k] {
				t.Errorf("step %d %s: merged %.2f ms, server's own service times %.2f ms (over 1 %% apart)", i, name, got[k], want[k])
			}
		}
		t.Logf("step %d: %d users, merged %d requests (agents %d+%d), server %d; p50/p95/p99 merged %.1f/%.1f/%.1f ms, truth %.1f/%.1f/%.1f ms",
			i, users, rec.Requests, parts[0].Requests, parts[1].Requests, len(truth), got[0], got[1], got[2], want[0], want[1], want[2])
	}
}

// TestLostAgentMarksStepPartial: an agent that dies mid-step makes that
// step partial, naming it, with what the other agent measured, and the
// ramp ends with ErrAgentLost.
func TestLostAgentMarksStepPartial(t *testing.T) {
	srv := testsrv.NewTruth(t, "", 5*time.Millisecond, 20*time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	g := &goLauncher{}
	f, err := Start(ctx, "127.0.0.1:0", 2, g)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	victim := f.Agents()[1].Agent
	idx := map[string]int{"go-1": 0, "go-2": 1}[victim]
	sc := closedScenario([]float64{4, 4, 4}, 3*time.Second, 500*time.Millisecond)
	out, err := f.Run(ctx, sc, []string{srv.URL}, engine.Options{
		Hooks: engine.Hooks{Emit: func(rec record.Record) error {
			if rec.Step == 0 {
				time.AfterFunc(1500*time.Millisecond, func() { g.kill(idx) })
			}
			return nil
		}},
	})
	if !errors.Is(err, ErrAgentLost) {
		t.Fatalf("err = %v, want ErrAgentLost", err)
	}
	if n := strings.Count(err.Error(), ErrAgentLost.Error()); n != 1 {
		t.Errorf("err = %q says %q %d times, want once", err, ErrAgentLost, n)
	}
	if len(out.Steps) != 2 {
		t.Fatalf("%d steps, want 2 (the ramp ends at the partial one)", len(out.Steps))
	}
	if out.Steps[0].Partial {
		t.Errorf("step 0 is partial: %s", out.Steps[0].StopReason)
	}
	last := out.Steps[1]
	if !last.Partial || !strings.Contains(last.StopReason, victim) || out.StopReason != last.StopReason {
		t.Fatalf("step 1: partial %v, stop reason %q, want partial naming %s", last.Partial, last.StopReason, victim)
	}
	for _, gs := range last.Generators {
		if gs.ID == victim && (!gs.Partial || gs.Reason == "" || gs.Requests != 0) {
			t.Errorf("the lost agent's share: %+v", gs)
		}
		if gs.ID != victim && (gs.Partial || gs.Requests == 0 || gs.Requests != last.Requests) {
			t.Errorf("the surviving agent's share %+v, step requests %d", gs, last.Requests)
		}
	}
	t.Logf("step 1: %s", last.StopReason)
}

func mustSLO(t *testing.T, s string) slo.SLO {
	t.Helper()
	v, err := slo.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

package engine

import (
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/scenarios"
	"github.com/loadlab/loadlab/slo"
)

// deadlockServer answers every request at once for the first answerFor
// after the first request it sees, then hangs every request until the
// test ends (or the client goes away): an API that deadlocks mid-window.
func deadlockServer(t *testing.T, answerFor time.Duration) *testServer {
	t.Helper()
	release := make(chan struct{})
	var once sync.Once
	var mu sync.Mutex
	var first time.Time
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		if first.IsZero() {
			first = time.Now()
		}
		hang := time.Since(first) > answerFor
		mu.Unlock()
		if hang {
			select {
			case <-release:
			case <-r.Context().Done():
			}
			return
		}
		w.Write([]byte("ok"))
	})
	// Cleanups run last first: release the handlers before the server's
	// Close waits for them.
	t.Cleanup(func() { once.Do(func() { close(release) }) })
	return srv
}

// deadlockRun runs one 2 s step (300 ms settle) of model against a server
// that deadlocks 1 s after its first request, with a 30 s request timeout.
func deadlockRun(t *testing.T, model, stopSLO string) record.Record {
	t.Helper()
	srv := deadlockServer(t, time.Second)
	sc := testScenario(model)
	sc.Timeout = 30 * time.Second
	sc.Think = scenarios.Think{Min: 50 * time.Millisecond, Max: 50 * time.Millisecond}
	sc.Stop.SLO = stopSLO
	steps := userSteps(2*time.Second, 300*time.Millisecond, 20)
	if model == record.ModelRate {
		steps = rateSteps(2*time.Second, 300*time.Millisecond, 50)
	}
	start := time.Now()
	recs := runGET(t, sc, steps, srv.URL)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("a 2 s step against a deadlocked server took %s", d)
	}
	rec := recs[0]
	t.Logf("requests %d successes %d errors %v in_flight %d codes %v samples %v slo %+v",
		rec.Requests, rec.Successes, rec.ErrorsByKind, rec.InFlight, rec.StatusCodes, rec.ErrorSamples, rec.SLO)
	if rec.Successes == 0 || rec.LatencyOK == nil || rec.LatencyOK.P95 > 500 {
		t.Errorf("successes %d latency %+v: want the fast answers before the deadlock measured", rec.Successes, rec.LatencyOK)
	}
	return rec
}

// TestDeadlockMidWindowFails: requests sent inside the window and still
// unanswered past the SLO's latency bound when it closes enter its latency
// at their age (a lower bound), so an API that stops answering mid-window
// breaches p95; they are not errors yet (their timeouts count when they
// come), and they stay in flight.
func TestDeadlockMidWindowFails(t *testing.T) {
	for _, model := range []string{record.ModelUsers, record.ModelRate} {
		t.Run(model, func(t *testing.T) {
			rec := deadlockRun(t, model, "p95<500ms,error_rate<1%")
			// Users: all 20 hang from about 1 s into the step, 1 s before
			// the window closes. Rate: 50/s hang from 1 s on; those sent
			// more than 500 ms before the close (≈ 25 of ≈ 50) are slow.
			if rec.Errors != 0 || rec.Requests != rec.Successes {
				t.Errorf("errors %d by kind %v: requests younger than the window are not errors yet", rec.Errors, rec.ErrorsByKind)
			}
			want := int64(20)
			if model == record.ModelRate {
				want = 40
			}
			if rec.InFlight < want {
				t.Errorf("in_flight %d, want ≥ %d", rec.InFlight, want)
			}
			if rec.SLO.Pass || rec.Latency == nil || rec.Latency.P95 < 500 {
				t.Errorf("slo %+v, latency %+v: an API that deadlocked mid-window must breach p95<500ms", rec.SLO, rec.Latency)
			}
		})
	}
}

// TestSlowTailIsNoError: an API whose every fifth answer takes 1.5 s, never
// failing, gets no error from requests still in flight at the close, even
// past the SLO's latency bound: a slow request is slow, not failed.
func TestSlowTailIsNoError(t *testing.T) {
	var n atomic.Int64
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%5 == 0 {
			time.Sleep(1500 * time.Millisecond)
		} else {
			time.Sleep(50 * time.Millisecond)
		}
		w.Write([]byte("ok"))
	})
	sc := testScenario(record.ModelUsers)
	sc.Timeout = 30 * time.Second
	sc.Think = scenarios.Think{}
	sc.Stop.SLO = "p50<1s,error_rate<1%"
	steps := userSteps(3*time.Second, 300*time.Millisecond, 10)
	recs := runGET(t, sc, steps, srv.URL)
	rec := recs[0]
	t.Logf("requests %d errors %v in_flight %d latency %+v slo %+v", rec.Requests, rec.ErrorsByKind, rec.InFlight, rec.Latency, rec.SLO)
	if rec.Errors != 0 || !rec.SLO.Pass {
		t.Errorf("errors %d by kind %v, slo %+v: a slow tail must not be counted as errors", rec.Errors, rec.ErrorsByKind, rec.SLO)
	}
}

// TestDeadlockFailsALatencyOnlySLO: with only a latency condition, the
// requests claimed at the close enter the latency of all requests at their
// age, so a mid-window deadlock breaches p95 too, not only the error rate.
func TestDeadlockFailsALatencyOnlySLO(t *testing.T) {
	for _, model := range []string{record.ModelUsers, record.ModelRate} {
		t.Run(model, func(t *testing.T) {
			rec := deadlockRun(t, model, "p95<500ms")
			if rec.SLO.Pass || rec.Latency == nil || rec.Latency.Max < 500 {
				t.Errorf("slo %+v, latency %+v: the hung requests must breach p95<500ms", rec.SLO, rec.Latency)
			}
			if rec.LatencyOK == nil || rec.LatencyOK.P95 >= 500 {
				t.Errorf("latency of successes %+v: only the answered requests belong there", rec.LatencyOK)
			}
		})
	}
}

// TestDeadlockWithoutLatencyBound: without a latency condition in any SLO
// only requests outstanding longer than the whole window are claimed; the
// ones sent inside it are only in flight.
func TestDeadlockWithoutLatencyBound(t *testing.T) {
	for _, model := range []string{record.ModelUsers, record.ModelRate} {
		t.Run(model, func(t *testing.T) {
			rec := deadlockRun(t, model, "error_rate<1%")
			if rec.Errors != 0 || len(rec.ErrorsByKind) != 0 {
				t.Errorf("errors %d by kind %v: requests sent inside the window must not be claimed without a latency bound", rec.Errors, rec.ErrorsByKind)
			}
			want := int64(20)
			if model == record.ModelRate {
				want = 40 // ≈ 50 sent in the last second
			}
			if rec.InFlight < want {
				t.Errorf("in_flight %d, want ≥ %d", rec.InFlight, want)
			}
		})
	}
}

// TestSlowHealthyAPINotClaimed: an API that answers every request in
// 200 ms, under a 1 s latency bound, gets no claimed timeouts: requests in
// flight at the window's end are younger than the bound.
func TestSlowHealthyAPINotClaimed(t *testing.T) {
	for _, model := range []string{record.ModelUsers, record.ModelRate} {
		t.Run(model, func(t *testing.T) {
			srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
				time.Sleep(200 * time.Millisecond)
				w.Write([]byte("ok"))
			})
			sc := testScenario(model)
			sc.Timeout = 30 * time.Second
			sc.Stop.SLO = "p95<1s,error_rate<1%"
			steps := userSteps(1500*time.Millisecond, 300*time.Millisecond, 10)
			if model == record.ModelRate {
				steps = rateSteps(1500*time.Millisecond, 300*time.Millisecond, 50)
			}
			recs := runGET(t, sc, steps, srv.URL)
			rec := recs[0]
			t.Logf("requests %d errors %v in_flight %d latency %+v slo %+v", rec.Requests, rec.ErrorsByKind, rec.InFlight, rec.Latency, rec.SLO)
			if rec.Errors != 0 || rec.ErrorsByKind["timeout"] != 0 {
				t.Errorf("errors %d by kind %v: a healthy slow API must get no timeouts", rec.Errors, rec.ErrorsByKind)
			}
			if rec.InFlight == 0 || rec.Successes == 0 || !rec.SLO.Pass {
				t.Errorf("in_flight %d successes %d slo %+v: want requests in flight, answers and a pass", rec.InFlight, rec.Successes, rec.SLO)
			}
		})
	}
}

// TestClaimAge: the claim age is the lesser of the window and the timeout;
// the latency bound that makes an in-flight request slow is the tightest
// upper bound on a latency of all requests in the verdict or stop SLO.
func TestClaimAge(t *testing.T) {
	verdict, err := slo.Parse("p95<500ms,p99<=800ms,p50_ok<100ms,error_rate<1%,min>90ms")
	if err != nil {
		t.Fatal(err)
	}
	stop, err := slo.Parse("max<2s,rps>10")
	if err != nil {
		t.Fatal(err)
	}
	if got := latencyBound(verdict); got != 500*time.Millisecond {
		t.Errorf("verdict bound %s, want 500ms (the tightest; _ok and lower bounds ignored)", got)
	}
	if got := minBound(latencyBound(verdict), latencyBound(stop)); got != 500*time.Millisecond {
		t.Errorf("verdict and stop bound %s, want 500ms: a looser stop condition must not hide the verdict's", got)
	}
	if got := minBound(0, latencyBound(stop)); got != 2*time.Second {
		t.Errorf("stop bound alone %s, want 2s", got)
	}
	if got := latencyBound(slo.SLO{}); got != 0 {
		t.Errorf("empty SLO bound %s, want 0", got)
	}
	for _, c := range []struct {
		win, bound, timeout time.Duration
		age                 time.Duration
		why                 string
	}{
		{10 * time.Second, 0, 30 * time.Second, 10 * time.Second, "more than the whole window"},
		{10 * time.Second, time.Second, 30 * time.Second, 10 * time.Second, "more than the whole window"},
		{10 * time.Second, 20 * time.Second, 30 * time.Second, 10 * time.Second, "more than the whole window (10s, shorter than the SLO's latency bound 20s: lengthen hold so that a request as slow as the bound can be measured)"},
		{10 * time.Second, 0, 2 * time.Second, 2 * time.Second, "more than the request timeout 2s"},
	} {
		age, why := claimAge(c.win, c.bound, c.timeout)
		if age != c.age || why != c.why {
			t.Errorf("claimAge(%s, %s, %s) = %s %q, want %s %q", c.win, c.bound, c.timeout, age, why, c.age, c.why)
		}
	}
}

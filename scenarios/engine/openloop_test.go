package engine

import (
	"math"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/scenarios"
)

// TestOpenLoopRateAndTruth: requests per step follow the rate, and the
// reported percentiles are within 2 % of the server's (see truthHandler).
func TestOpenLoopRateAndTruth(t *testing.T) {
	srv := newTestServer(t, truthHandler())
	retryTiming(t, 3, func(a *attempt) { checkOpenLoopTruth(t, a, srv) })
}

func checkOpenLoopTruth(t *testing.T, a *attempt, srv *testServer) {
	sc := testScenario(record.ModelRate)
	steps := rateSteps(2500*time.Millisecond, 300*time.Millisecond, 120)
	recs := runGET(t, sc, steps, srv.URL)
	rec := recs[0]
	if want := 120 * rec.WindowS; !within(float64(rec.Requests), want, 0.05) {
		a.Errorf("requests %d in %.2fs, want rate × window = %.0f within 5%%", rec.Requests, rec.WindowS, want)
	}
	if rec.Dropped != 0 || rec.Errors != 0 {
		a.Errorf("dropped %d errors %d, want none at a rate the server sustains", rec.Dropped, rec.Errors)
	}
	if rec.Load.Model != record.ModelRate || rec.Load.Rate != 120 {
		a.Errorf("load %+v", rec.Load)
	}
	truth := srv.wireDurations(measuredWindow(rec, steps[0].Settle))
	matchTruth(t, a, rec.Latency, truth)
	s := rec.LatencyScheduled
	if s == nil {
		t.Fatal("no latency from the scheduled send time in an open-loop step")
	}
	// Measured from the scheduled time, latency can only be longer, and on
	// schedule only slightly so.
	if s.P50 < rec.Latency.P50 || s.P50 > rec.Latency.P50+5 {
		a.Errorf("scheduled p50 %.2f ms vs p50 %.2f ms", s.P50, rec.Latency.P50)
	}
}

func TestOpenLoopStepsChangeRate(t *testing.T) {
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	retryTiming(t, 3, func(a *attempt) { checkRateSteps(t, a, srv) })
}

func checkRateSteps(t *testing.T, a *attempt, srv *testServer) {
	sent0 := srv.requests.Load()
	sc := testScenario(record.ModelRate)
	steps := rateSteps(1200*time.Millisecond, 200*time.Millisecond, 100, 300, 50)
	recs := runGET(t, sc, steps, srv.URL)
	for i, rate := range []float64{100, 300, 50} {
		if !within(recs[i].RPS, rate, 0.07) {
			a.Errorf("step %d: rps %.1f, want %.0f within 7%%", i, recs[i].RPS, rate)
		}
	}
	if sent := srv.requests.Load() - sent0; !within(float64(sent), 1.2*(100+300+50), 0.07) {
		a.Errorf("server got %d requests over the ramp, want ≈ %.0f", sent, 1.2*450)
	}
}

func TestDroppedWhenMaxWorkersTooSmall(t *testing.T) {
	var inFlight, peak atomic.Int64
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(100 * time.Millisecond)
		inFlight.Add(-1)
		w.Write([]byte("ok"))
	})
	sc := testScenario(record.ModelRate)
	sc.MaxWorkers = 2
	steps := rateSteps(2*time.Second, 300*time.Millisecond, 100)
	recs := runGET(t, sc, steps, srv.URL)
	rec := recs[0]
	offered := 100 * rec.WindowS
	t.Logf("offered %.0f, completed %d, dropped %d, p95 %.1f ms, p95 from schedule %.1f ms, lag p95 %.1f ms",
		offered, rec.Requests, rec.Dropped, rec.Latency.P95, rec.LatencyScheduled.P95, rec.Generator.LagMs)
	// Two workers at 100 ms each complete about 20/s: the rest is dropped.
	if rec.Requests > int64(0.3*offered) {
		t.Errorf("%d requests completed: more than 2 workers can do", rec.Requests)
	}
	if !within(float64(rec.Dropped+rec.Requests), offered, 0.12) {
		t.Errorf("dropped %d + completed %d, want ≈ the %.0f offered", rec.Dropped, rec.Requests, offered)
	}
	if !rec.Generator.Saturated || !strings.Contains(rec.Generator.Warning, "dropped") {
		t.Errorf("generator %+v: want saturated with a dropped warning", rec.Generator)
	}
	if peak.Load() > 2 {
		t.Errorf("server saw %d concurrent requests, max_workers is 2", peak.Load())
	}
	// A request that waits for a worker is dropped once DropAfter late,
	// never sent later than that (the lag is in ms; the slack covers the
	// send itself on a loaded machine).
	if lag := rec.Generator.LagMs; lag > float64((DropAfter+40*time.Millisecond)/time.Millisecond) {
		t.Errorf("send lag p95 %.1f ms: requests were sent more than %s late instead of dropped", lag, DropAfter)
	}
	// Late sends are measured from their schedule (coordinated omission).
	if rec.LatencyScheduled.P95 < rec.Latency.P95+20 {
		t.Errorf("p95 from schedule %.1f ms does not include the send lag (p95 %.1f ms)", rec.LatencyScheduled.P95, rec.Latency.P95)
	}
}

// TestOpenLoopPoissonArrivals: with Poisson arrivals the server sees the
// step's rate on average (within 4 standard deviations of a Poisson count:
// 20 % of the ≈ 360 requests), with gaps as irregular as an exponential
// distribution's (coefficient of variation ≈ 1; scheduling jitter only
// adds to it). Constant arrivals keep the rate more tightly; their gaps,
// even at the generator, reach the server with the jitter of a loaded
// machine, so only their mean is checked.
func TestOpenLoopPoissonArrivals(t *testing.T) {
	var mu sync.Mutex
	var arrivals []time.Time
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		arrivals = append(arrivals, time.Now())
		mu.Unlock()
		w.Write([]byte("ok"))
	})
	retryTiming(t, 3, func(a *attempt) {
		for _, c := range []struct {
			arrival  string
			cvMin    float64
			cvMax    float64
			rateFrac float64
		}{{scenarios.ArrivalConstant, 0, math.Inf(1), 0.05}, {scenarios.ArrivalPoisson, 0.8, 2, 0.2}} {
			mu.Lock()
			arrivals = nil
			mu.Unlock()
			sc := testScenario(record.ModelRate)
			sc.Arrival = c.arrival
			_, recs, err := runTest(t, sc, rateSteps(2*time.Second, 200*time.Millisecond, 200), &cycleSource{reqs: []scenarios.Request{get("/")}},
				[]string{srv.URL}, Options{Seed: 5})
			if err != nil {
				t.Fatal(err)
			}
			rec := recs[0]
			if rec.Load.Arrival != c.arrival {
				a.Errorf("load.arrival %q, want %q", rec.Load.Arrival, c.arrival)
			}
			if want := 200 * rec.WindowS; !within(float64(rec.Requests), want, c.rateFrac) {
				a.Errorf("%s: %d requests in %.2fs, want %.0f within %.0f%%", c.arrival, rec.Requests, rec.WindowS, want, 100*c.rateFrac)
			}
			mu.Lock()
			var sum, sq float64
			for i := 1; i < len(arrivals); i++ {
				g := arrivals[i].Sub(arrivals[i-1]).Seconds()
				sum += g
				sq += g * g
			}
			n := float64(len(arrivals) - 1)
			mu.Unlock()
			mean := sum / n
			cv := math.Sqrt(sq/n-mean*mean) / mean
			t.Logf("%s: %d requests, gaps of mean %.2f ms, coefficient of variation %.2f", c.arrival, rec.Requests, mean*1000, cv)
			if cv < c.cvMin || cv > c.cvMax {
				a.Errorf("%s: gaps' coefficient of variation %.2f, want %.1f–%.1f", c.arrival, cv, c.cvMin, c.cvMax)
			}
		}
	})
	bursty := testScenario(record.ModelRate)
	bursty.Arrival = "bursty"
	if _, _, err := runTest(t, bursty, rateSteps(time.Second, 0, 10), &cycleSource{reqs: []scenarios.Request{get("/")}},
		[]string{srv.URL}, Options{}); err == nil || !strings.Contains(err.Error(), `arrival "bursty"`) {
		t.Errorf("unknown arrival: error %v", err)
	}
}

// TestOpenLoopStepUpFromALowRate: after a step from 1/s to 200/s the new
// rate starts at once against a fast server: nothing is dropped (the
// dispatcher used to sleep on toward the next arrival of the old rate and
// drop every new-rate one due meanwhile).
func TestOpenLoopStepUpFromALowRate(t *testing.T) {
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	recs := runGET(t, testScenario(record.ModelRate), rateSteps(1500*time.Millisecond, 50*time.Millisecond, 1, 200), srv.URL)
	rec := recs[1]
	if rec.Load.Arrival != scenarios.ArrivalConstant {
		t.Errorf("load.arrival %q, want the default constant recorded", rec.Load.Arrival)
	}
	if want := 200 * rec.WindowS; rec.Dropped != 0 || !within(float64(rec.Requests), want, 0.1) {
		t.Errorf("step to 200/s: %d requests, %d dropped in %.2f s, want ≈ %.0f and 0", rec.Requests, rec.Dropped, rec.WindowS, want)
	}
}

package engine

import (
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/scenarios"
)

// silentServer is a TCP server on 127.0.0.1 that accepts connections and
// reads from them, and never writes a byte: an API that never answers.
func silentServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			go io.Copy(io.Discard, c)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return "http://" + ln.Addr().String()
}

// TestNeverAnsweringAPIFails: a step without a single response must
// record its outstanding requests and fail every verdict, in both models.
func TestNeverAnsweringAPIFails(t *testing.T) {
	for _, model := range []string{record.ModelUsers, record.ModelRate} {
		t.Run(model, func(t *testing.T) {
			url := silentServer(t)
			sc := testScenario(model)
			sc.Timeout = 10 * time.Second
			sc.Stop.SLO = "p95<1s,error_rate<1%"
			steps := userSteps(time.Second, 300*time.Millisecond, 5)
			if model == record.ModelRate {
				steps = rateSteps(time.Second, 300*time.Millisecond, 10)
			}
			start := time.Now()
			out, recs, err := runTest(t, sc, steps, &cycleSource{reqs: []scenarios.Request{get("/")}}, []string{url}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if d := time.Since(start); d > 4*time.Second {
				t.Errorf("a 1 s step against a silent server took %s", d)
			}
			rec := recs[0]
			t.Logf("requests %d errors %v in_flight %d codes %v slo %+v stop %q", rec.Requests, rec.ErrorsByKind, rec.InFlight, rec.StatusCodes, rec.SLO, rec.StopReason)
			// Sent before the window (during the 300 ms settle): 5 users'
			// first requests, or ≈ 3 open-loop sends; later sends are in
			// flight but younger than the window.
			wantLate, wantFlight := int64(5), int64(5)
			if model == record.ModelRate {
				wantLate, wantFlight = 3, 10
			}
			late := rec.ErrorsByKind["timeout"]
			if late < wantLate-1 || late > wantLate+1 || rec.Requests != late || rec.Errors != late || rec.StatusCodes["0"] != late {
				t.Errorf("requests %d errors %d by kind %v codes %v: want ≈ %d timeouts, nothing else", rec.Requests, rec.Errors, rec.ErrorsByKind, rec.StatusCodes, wantLate)
			}
			if rec.ErrorRate != 1 || rec.Successes != 0 {
				t.Errorf("error rate %g successes %d, want 1 and 0", rec.ErrorRate, rec.Successes)
			}
			if rec.InFlight < wantFlight-1 || rec.InFlight > wantFlight+1 {
				t.Errorf("in_flight %d, want ≈ %d", rec.InFlight, wantFlight)
			}
			if rec.Latency != nil || rec.LatencyOK != nil {
				t.Errorf("latency %+v / ok %+v, want null: no response arrived", rec.Latency, rec.LatencyOK)
			}
			if rec.SLO.Pass || rec.StopReason == "" || out.StopReason == "" {
				t.Errorf("slo %+v stop %q: a step without answers must fail and stop the ramp", rec.SLO, rec.StopReason)
			}
			// The 0.7 s window is shorter than the 1 s bound: the sample
			// also says to lengthen hold.
			if msg := rec.ErrorSamples["timeout"]; !strings.Contains(msg, "unanswered for more than the whole window (") ||
				!strings.Contains(msg, "shorter than the SLO's latency bound 1s: lengthen hold") || !strings.HasSuffix(msg, "when the window closed (request timeout 10s)") {
				t.Errorf("error sample %q: want the timeouts explained", msg)
			}
			var table strings.Builder
			if err := RenderTable(&table, recs); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(table.String(), "│ -      │") || !strings.Contains(table.String(), "FAIL") {
				t.Errorf("table shows no missing percentiles or no FAIL:\n%s", table.String())
			}
		})
	}
}

// TestAbortErrorRateSeesUnansweredRequests: the abort condition counts
// the requests still outstanding from before the window as errors.
func TestAbortErrorRateSeesUnansweredRequests(t *testing.T) {
	url := silentServer(t)
	sc := testScenario(record.ModelUsers)
	sc.Timeout = 10 * time.Second
	sc.Stop.AbortErrorRate = 0.5
	_, recs, err := runTest(t, sc, userSteps(time.Second, 300*time.Millisecond, 3, 6), &cycleSource{reqs: []scenarios.Request{get("/")}}, []string{url}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || !strings.HasPrefix(recs[0].StopReason, "error rate 100.00% exceeds abort_error_rate") {
		t.Errorf("%d steps, stop %q: want the ramp aborted after the first", len(recs), recs[0].StopReason)
	}
}

// hangFirst sends /hang for its first n requests and / after.
type hangFirst struct {
	n   int64
	cnt atomic.Int64
}

func (h *hangFirst) Next() scenarios.Request {
	if h.cnt.Add(1) <= h.n {
		return get("/hang")
	}
	return get("/")
}

// TestLateRequestCountedOnce: a request counted as timed out at the end of
// one window is not counted again when its timeout arrives in the next.
func TestLateRequestCountedOnce(t *testing.T) {
	for _, model := range []string{record.ModelUsers, record.ModelRate} {
		t.Run(model, func(t *testing.T) {
			srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/hang" {
					<-r.Context().Done()
					return
				}
				w.Write([]byte("ok"))
			})
			sc := testScenario(model)
			sc.Timeout = 1500 * time.Millisecond
			sc.Think = scenarios.Think{Min: 10 * time.Millisecond, Max: 10 * time.Millisecond}
			// Users: 5 of 6 users hang from the start; rate: the first 3 sends.
			src := &hangFirst{n: 5}
			steps := userSteps(time.Second, 300*time.Millisecond, 6, 6)
			wantLate := int64(5)
			if model == record.ModelRate {
				src.n, wantLate = 3, 3
				steps = rateSteps(time.Second, 300*time.Millisecond, 50, 50)
			}
			_, recs, err := runTest(t, sc, steps, src, []string{srv.URL}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != 2 {
				t.Fatalf("%d steps ran, want 2", len(recs))
			}
			first, second := recs[0], recs[1]
			t.Logf("step 0: requests %d errors %v in_flight %d; step 1: requests %d errors %v in_flight %d",
				first.Requests, first.ErrorsByKind, first.InFlight, second.Requests, second.ErrorsByKind, second.InFlight)
			if first.ErrorsByKind["timeout"] != wantLate || first.Errors != wantLate || first.StatusCodes["0"] != wantLate {
				t.Errorf("step 0: errors %d by kind %v codes %v, want %d timeouts", first.Errors, first.ErrorsByKind, first.StatusCodes, wantLate)
			}
			if first.InFlight < wantLate {
				t.Errorf("step 0: in_flight %d, want ≥ %d", first.InFlight, wantLate)
			}
			// The claimed requests enter the latency of all requests at
			// their age at the close (at least the 0.7 s window, below the
			// 1.5 s timeout), never the latency of successes.
			if first.Latency == nil || first.Latency.Max < 700 || first.Latency.Max >= 1500 {
				t.Errorf("step 0: latency %+v: the claimed requests must enter it at their age", first.Latency)
			}
			if first.LatencyOK == nil || first.LatencyOK.Max > 500 {
				t.Errorf("step 0: latency of successes %+v: the claimed requests must not enter it", first.LatencyOK)
			}
			if first.Successes == 0 || first.Requests != first.Successes+wantLate {
				t.Errorf("step 0: requests %d successes %d", first.Requests, first.Successes)
			}
			if second.Errors != 0 || second.ErrorsByKind["timeout"] != 0 {
				t.Errorf("step 1: errors %d by kind %v: the timeouts counted in step 0 were counted again", second.Errors, second.ErrorsByKind)
			}
		})
	}
}

package engine

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/scenarios"
)

// TestTimelineSeconds runs two open-loop steps against a real loopback
// server that fails every other request with 503 and slows down to 60 ms in
// the second step, and checks the seconds handed to Options.Second: they
// tile the run without gap, count every request the server answered, split
// the errors by kind, carry each step's offered rate, and their p95 sees
// the slowdown only in the seconds after it; the last partial second is
// emitted before Run returns.
func TestTimelineSeconds(t *testing.T) {
	begin := time.Now()
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		if time.Since(begin) > 1600*time.Millisecond {
			time.Sleep(60 * time.Millisecond)
		}
		if r.URL.Path == "/fail" {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ok"))
	})
	var mu sync.Mutex
	var secs []record.Second
	opt := Options{Second: func(s record.Second) {
		mu.Lock()
		secs = append(secs, s)
		mu.Unlock()
	}}
	src := &cycleSource{reqs: []scenarios.Request{get("/ok"), get("/fail")}}
	_, recs, err := runTest(t, testScenario(record.ModelRate), rateSteps(1500*time.Millisecond, 200*time.Millisecond, 100, 200), src, []string{srv.URL}, opt)
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	got := append([]record.Second(nil), secs...)
	mu.Unlock()
	time.Sleep(1200 * time.Millisecond)
	mu.Lock()
	after := len(secs)
	mu.Unlock()
	if after != len(got) {
		t.Fatalf("%d seconds emitted after Run returned (had %d)", after-len(got), len(got))
	}
	if len(recs) != 2 {
		t.Fatalf("%d steps, want 2", len(recs))
	}
	if len(got) < 3 || len(got) > 5 {
		t.Fatalf("%d seconds for a 3 s run: %+v", len(got), got)
	}
	var requests, fails, oks int64
	for i, s := range got {
		requests += s.Requests
		fails += s.ErrorsByKind["http_503"]
		oks += s.Successes
		if s.Requests != s.Successes+s.Errors {
			t.Errorf("second %d: %d requests ≠ %d successes + %d errors", i, s.Requests, s.Successes, s.Errors)
		}
		if i > 0 {
			prev := got[i-1]
			end := prev.At.Add(time.Duration(prev.DurationS * float64(time.Second)))
			if d := s.At.Sub(end); d < -time.Microsecond || d > time.Microsecond {
				t.Errorf("second %d starts %s after the previous one ends", i, d)
			}
		}
		last := i == len(got)-1
		if !last && (s.DurationS < 0.9 || s.DurationS > 1.5) {
			t.Errorf("second %d lasts %.3f s", i, s.DurationS)
		}
		if last && !(s.DurationS > 0 && s.DurationS < 1) {
			t.Errorf("last second lasts %.3f s, want a part of one", s.DurationS)
		}
	}
	// Every answer is counted once; the requests still in flight when the
	// run stopped (at most 200/s × 60 ms, twice over) were interrupted,
	// not answered, and a step's window does not count them either.
	if n := srv.requests.Load(); requests > n || n > requests+24 {
		t.Errorf("the seconds count %d requests, the server received %d", requests, n)
	}
	if d := fails - oks; d < -1 || d > 1 {
		t.Errorf("%d 503s and %d successes, want half each", fails, oks)
	}
	if got[0].Rate != 100 || got[0].Step != 0 {
		t.Errorf("first second offered step %d at %g/s, want step 0 at 100/s", got[0].Step, got[0].Rate)
	}
	if s := got[2]; s.Rate != 200 || s.Step != 1 {
		t.Errorf("third second offered step %d at %g/s, want step 1 at 200/s", s.Step, s.Rate)
	}
	if p := got[0].P95Ms; p == nil || *p >= 60 {
		t.Errorf("first second's p95 %v ms, want below the later 60 ms", p)
	}
	if p := got[2].P95Ms; p == nil || *p < 60 {
		t.Errorf("third second's p95 %v ms, want at least 60 ms", p)
	}
}

// TestTimelineNoAnswers sends to a port nobody listens on: every second
// counts its refused connections as errors of kind refused.
func TestTimelineNoAnswers(t *testing.T) {
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {})
	url := srv.URL
	srv.Close()
	var secs []record.Second
	var mu sync.Mutex
	opt := Options{Second: func(s record.Second) { mu.Lock(); secs = append(secs, s); mu.Unlock() }}
	_, _, err := runTest(t, testScenario(record.ModelRate), rateSteps(1200*time.Millisecond, 0, 50), &cycleSource{reqs: []scenarios.Request{get("/")}}, []string{url}, opt)
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	var errs int64
	for _, s := range secs {
		if s.Successes != 0 || s.Errors != s.Requests || s.ErrorsByKind["refused"] != s.Errors {
			t.Errorf("second %+v: want only refused errors", s)
		}
		errs += s.Errors
	}
	if errs < 40 {
		t.Errorf("%d refused requests in %d seconds at 50/s", errs, len(secs))
	}
}

// BenchmarkCollectorAdd is the collector's cost per result, without and
// with the timeline (Options.Second): what the timeline adds per request.
func BenchmarkCollectorAdd(b *testing.B) {
	for _, withTimeline := range []bool{false, true} {
		name := "plain"
		if withTimeline {
			name = "timeline"
		}
		b.Run(name, func(b *testing.B) {
			c := newCollector(nil)
			if withTimeline {
				tl := startTimeline(c, func() int { return 0 }, func(record.Second) {})
				defer tl.stop()
			}
			s := sample{end: time.Now(), latency: 1500 * time.Microsecond, code: 200, ok: true}
			for b.Loop() {
				c.add(&s, nil, nil)
			}
		})
	}
}

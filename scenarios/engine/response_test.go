package engine

import (
	"bytes"
	"net/http"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loadlab/loadlab/internal/apitest"
	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/scenarios"
)

// modelSteps is one short step of 3 users or 30 requests/s.
func modelSteps(model string, hold time.Duration) []scenarios.Step {
	if model == record.ModelRate {
		return rateSteps(hold, 200*time.Millisecond, 30)
	}
	return userSteps(hold, 200*time.Millisecond, 3)
}

// TestLargeResponseHeaders: a 200 with a 6 KB header is a success in both
// models; a header block over 64 KiB is its own error kind, explained.
func TestLargeResponseHeaders(t *testing.T) {
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("pad"))
		w.Header().Set("X-Pad", strings.Repeat("p", n))
		w.Write([]byte("ok"))
	})
	for _, model := range []string{record.ModelUsers, record.ModelRate} {
		t.Run(model, func(t *testing.T) {
			sc := testScenario(model)
			sc.Think = scenarios.Think{Min: 10 * time.Millisecond, Max: 10 * time.Millisecond}
			src := &cycleSource{reqs: []scenarios.Request{get("/?pad=6000"), get("/?pad=60000")}}
			_, recs, err := runTest(t, sc, modelSteps(model, 800*time.Millisecond), src, []string{srv.URL}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			rec := recs[0]
			if rec.Requests < 10 || rec.Errors != 0 || rec.BytesIn != 2*rec.Requests {
				t.Errorf("requests %d errors %d by kind %v samples %v bytes_in %d: want 6 KB and 60 KB headers read without error",
					rec.Requests, rec.Errors, rec.ErrorsByKind, rec.ErrorSamples, rec.BytesIn)
			}

			src = &cycleSource{reqs: []scenarios.Request{get("/?pad=70000")}}
			_, recs, err = runTest(t, sc, modelSteps(model, 800*time.Millisecond), src, []string{srv.URL}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			rec = recs[0]
			if rec.Requests < 5 || rec.ErrorsByKind[kindHeaderTooLarge] != rec.Requests {
				t.Errorf("requests %d errors by kind %v: want every one %s", rec.Requests, rec.ErrorsByKind, kindHeaderTooLarge)
			}
			if msg := rec.ErrorSamples[kindHeaderTooLarge]; !strings.Contains(msg, "64 KiB") {
				t.Errorf("error sample %q: want the limit named", msg)
			}
		})
	}
}

// TestBodyBytesCountedExactly: bodies of every framing (small, large with
// Content-Length, chunked) are counted to the byte.
func TestBodyBytesCountedExactly(t *testing.T) {
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		if r.URL.Query().Get("chunked") == "" {
			w.Header().Set("Content-Length", strconv.Itoa(n))
		}
		body := bytes.Repeat([]byte("b"), n)
		for len(body) > 0 {
			k := min(len(body), 7000)
			w.Write(body[:k])
			body = body[k:]
			w.(http.Flusher).Flush()
		}
	})
	sizes := []int{10, 5000, 300000}
	for _, model := range []string{record.ModelUsers, record.ModelRate} {
		t.Run(model, func(t *testing.T) {
			var reqs []scenarios.Request
			for _, n := range sizes {
				reqs = append(reqs, get("/?n="+strconv.Itoa(n)), get("/?chunked=1&n="+strconv.Itoa(n)))
			}
			sc := testScenario(model)
			sc.Think = scenarios.Think{Min: 10 * time.Millisecond, Max: 10 * time.Millisecond}
			var saved apitest.SyncBuffer
			_, recs, err := runTest(t, sc, modelSteps(model, 800*time.Millisecond), &cycleSource{reqs: reqs}, []string{srv.URL}, Options{Results: &saved})
			if err != nil {
				t.Fatal(err)
			}
			rec := recs[0]
			if rec.Errors != 0 || rec.Requests < 6 {
				t.Fatalf("requests %d errors %v", rec.Requests, rec.ErrorsByKind)
			}
			for _, r := range savedResults(t, &saved) {
				want := r.URL[strings.LastIndex(r.URL, "=")+1:]
				if strconv.FormatUint(r.BytesIn, 10) != want || r.Error != "" {
					t.Errorf("%s: bytes_in %d error %q", r.URL, r.BytesIn, r.Error)
				}
			}
		})
	}
}

// TestLargeBodiesAreNotHeld: 10 MB bodies stream through; the heap never
// holds one of them (the live heap stays far below one body). The
// collector runs at GOGC 10 meanwhile: the server's own 10 MB body is live,
// so at the default 100 the heap could fill with up to ~10 MB of garbage
// (read buffers of finished requests) before a collection, which the peak
// of heap in use cannot tell from a held body; at 10 garbage stays near
// 1 MB while a held body still shows whole.
func TestLargeBodiesAreNotHeld(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(10))
	const size = 10 << 20
	body := bytes.Repeat([]byte("x"), size)
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(size))
		w.Write(body)
	})
	for _, model := range []string{record.ModelUsers, record.ModelRate} {
		t.Run(model, func(t *testing.T) {
			sc := testScenario(model)
			steps := userSteps(time.Second, 100*time.Millisecond, 4)
			if model == record.ModelRate {
				steps = rateSteps(time.Second, 100*time.Millisecond, 20)
			}
			peak, stop := heapPeak()
			_, recs, err := runTest(t, sc, steps, &cycleSource{reqs: []scenarios.Request{get("/")}}, []string{srv.URL}, Options{})
			grown := stop()
			if err != nil {
				t.Fatal(err)
			}
			rec := recs[0]
			if rec.Requests < 4 || rec.Errors != 0 || rec.BytesIn != rec.Requests*size {
				t.Fatalf("requests %d errors %v bytes_in %d, want %d bytes per request", rec.Requests, rec.ErrorsByKind, rec.BytesIn, size)
			}
			t.Logf("%d requests of 10 MB in the window: heap in use grew by at most %.1f MB (peak %.1f MB)",
				rec.Requests, float64(grown)/(1<<20), float64(*peak)/(1<<20))
			if grown > size/2 {
				t.Errorf("heap in use grew by %.1f MB with 10 MB bodies in flight: bodies are held in memory", float64(grown)/(1<<20))
			}
		})
	}
}

// heapPeak samples the heap in use every 5 ms until stop is called; stop
// returns the largest growth over the heap in use at the start.
func heapPeak() (peak *uint64, stop func() int64) {
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	peak = new(uint64)
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			*peak = max(*peak, m.HeapInuse)
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return peak, func() int64 {
		close(done)
		<-finished
		return int64(*peak) - int64(base)
	}
}

// TestEndlessBodyTimesOut: a body that never ends is cut at the request
// timeout, counted as a timeout, and never grows the heap.
func TestEndlessBodyTimesOut(t *testing.T) {
	chunk := bytes.Repeat([]byte("e"), 32<<10)
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	for _, model := range []string{record.ModelUsers, record.ModelRate} {
		t.Run(model, func(t *testing.T) {
			sc := testScenario(model)
			sc.Timeout = time.Second
			steps := userSteps(2500*time.Millisecond, 0, 2)
			if model == record.ModelRate {
				steps = rateSteps(2500*time.Millisecond, 0, 2)
			}
			_, stop := heapPeak()
			_, recs, err := runTest(t, sc, steps, &cycleSource{reqs: []scenarios.Request{get("/")}}, []string{srv.URL}, Options{})
			grown := stop()
			if err != nil {
				t.Fatal(err)
			}
			rec := recs[0]
			if rec.Requests < 2 || rec.ErrorsByKind[kindTimeout] != rec.Requests {
				t.Errorf("requests %d errors by kind %v (%v): want timeouts only", rec.Requests, rec.ErrorsByKind, rec.ErrorSamples)
			}
			if rec.Latency == nil || rec.Latency.Max > 1300 || rec.Latency.Min < 990 {
				t.Errorf("latency %+v: want every request cut at the 1 s timeout", rec.Latency)
			}
			if grown > 32<<20 {
				t.Errorf("heap in use grew by %d MB reading endless bodies", grown>>20)
			}
		})
	}
}

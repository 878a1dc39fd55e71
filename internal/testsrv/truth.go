package testsrv

import (
	"math/rand"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Truth is an API whose every answer takes a random service time,
// uniform in [lo, hi), long enough to dominate what the network and the
// generator add; it records each answer's service time as its handler
// measured it and when it answered: the truth that merged steps of
// several generators are checked against.
type Truth struct {
	*httptest.Server
	mu     sync.Mutex
	served []truthAnswer
}

type truthAnswer struct {
	dur time.Duration
	end time.Time
}

// NewTruth serves a Truth on addr (host:port; port 0 picks one; "" means
// 127.0.0.1:0) until the test ends.
func NewTruth(t testing.TB, addr string, lo, hi time.Duration) *Truth {
	t.Helper()
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	s := &Truth{}
	var seq atomic.Int64
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rng := rand.New(rand.NewSource(seq.Add(1)))
		time.Sleep(lo + time.Duration(rng.Int63n(int64(hi-lo))))
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok":true}`))
		end := time.Now()
		s.mu.Lock()
		s.served = append(s.served, truthAnswer{dur: end.Sub(start), end: end})
		s.mu.Unlock()
	}))
	s.Listener.Close()
	s.Listener = ln
	s.Start()
	t.Cleanup(s.Close)
	return s
}

// Between returns the service times of the answers given in [from, to),
// sorted.
func (s *Truth) Between(from, to time.Time) []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []time.Duration
	for _, x := range s.served {
		if !x.end.Before(from) && x.end.Before(to) {
			out = append(out, x.dur)
		}
	}
	slices.Sort(out)
	return out
}

// Percentiles are p50, p95 and p99 in milliseconds of one HDR histogram of
// ds in the engine's geometry (microseconds, 1 µs to 1 h, 3 significant
// digits).
func Percentiles(ds []time.Duration) [3]float64 {
	h := hdrhistogram.New(1, int64(time.Hour/time.Microsecond), 3)
	for _, d := range ds {
		_ = h.RecordValue(int64(d / time.Microsecond))
	}
	var out [3]float64
	for i, q := range []float64{50, 95, 99} {
		out[i] = float64(h.ValueAtQuantile(q)) / 1000
	}
	return out
}

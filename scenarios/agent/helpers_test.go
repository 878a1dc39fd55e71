package agent

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/loadlab/loadlab/internal/apitest"
	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/scenarios"
)

func TestMain(m *testing.M) {
	code := m.Run()
	apitest.Cleanup()
	os.Exit(code)
}

// truthServer is a loopback API whose every answer takes a random service
// time (uniform in [lo, hi)); it records, for every request, the service
// time its handler measured and when it answered: the truth the merged
// steps are checked against.
type truthServer struct {
	*httptest.Server
	mu     sync.Mutex
	served []served
	n      atomic.Int64
}

type served struct {
	dur time.Duration
	end time.Time
}

func newTruthServer(t *testing.T, lo, hi time.Duration) *truthServer {
	t.Helper()
	s := &truthServer{}
	var seq atomic.Int64
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rng := rand.New(rand.NewSource(seq.Add(1)))
		time.Sleep(lo + time.Duration(rng.Int63n(int64(hi-lo))))
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok":true}`))
		end := time.Now()
		s.n.Add(1)
		s.mu.Lock()
		s.served = append(s.served, served{dur: end.Sub(start), end: end})
		s.mu.Unlock()
	}))
	t.Cleanup(s.Close)
	return s
}

// between returns the service times of requests answered in [from, to).
func (s *truthServer) between(from, to time.Time) []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []time.Duration
	for _, x := range s.served {
		if !x.end.Before(from) && x.end.Before(to) {
			out = append(out, x.dur)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// percentiles are p50, p95 and p99 in milliseconds of one HDR histogram
// (the engine's geometry: microseconds, 3 significant digits) of ds.
func percentiles(ds []time.Duration) [3]float64 {
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

// closedScenario ramps users through steps without think time against
// GET /work, each step hold long with settle excluded.
func closedScenario(steps []float64, hold, settle time.Duration) scenarios.Scenario {
	return scenarios.Scenario{
		Name:     "agents",
		Model:    record.ModelUsers,
		Think:    scenarios.Think{None: true},
		Ramp:     scenarios.Ramp{Steps: steps, Hold: hold, Settle: settle},
		Timeout:  5 * time.Second,
		Requests: []scenarios.RequestSpec{{Method: "GET", Path: "/work"}},
	}
}

// goLauncher runs agents as goroutines of the test (agent.Serve over real
// loopback HTTP), each with its own context.
type goLauncher struct {
	mu     sync.Mutex
	cancel []context.CancelFunc
	done   []chan error
	ids    []string
}

func (g *goLauncher) Launch(ctx context.Context, n int, url, token string) error {
	for i := 0; i < n; i++ {
		actx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		id := fmt.Sprintf("go-%d", i+1)
		go func() {
			done <- Serve(actx, Config{Controller: url, Token: token, ID: id, Node: "test"})
		}()
		g.mu.Lock()
		g.cancel = append(g.cancel, cancel)
		g.done = append(g.done, done)
		g.ids = append(g.ids, id)
		g.mu.Unlock()
	}
	return nil
}

// kill stops agent i at once, as if its process died.
func (g *goLauncher) kill(i int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.cancel[i]()
}

func (g *goLauncher) Stop(grace time.Duration) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	deadline := time.After(grace)
	var errs []error
	for i, d := range g.done {
		select {
		case err := <-d:
			if err != nil && ctxErr(err) == nil {
				errs = append(errs, fmt.Errorf("agent %s: %w", g.ids[i], err))
			}
		case <-deadline:
			g.cancel[i]()
			<-d
			errs = append(errs, fmt.Errorf("agent %s did not exit within %s", g.ids[i], grace))
		}
		g.cancel[i]()
	}
	g.done = nil
	if len(errs) > 0 {
		return fmt.Errorf("%v", errs)
	}
	return nil
}

// ctxErr is err when it is a cancellation (a killed agent), else nil.
func ctxErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) {
		return context.Canceled
	}
	return nil
}

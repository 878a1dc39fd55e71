package engine

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/loadlab/loadlab/internal/apitest"
	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/scenarios"
)

// testServer is an httptest server on 127.0.0.1 that records, server side,
// how long every request took at the socket and when it was answered, how
// many requests it handled and how many connections it accepted.
type testServer struct {
	*httptest.Server
	mu       sync.Mutex
	wire     []handled
	newConns atomic.Int64
	requests atomic.Int64
}

// handled is one answered request: its socket-level duration and the time
// its answer started.
type handled struct {
	dur time.Duration
	end time.Time
}

// newTestServer starts a server whose handler h runs for every request;
// the time from a request's first byte to its answer's (see wireListener)
// is the server-side truth.
func newTestServer(t testing.TB, h http.HandlerFunc) *testServer {
	t.Helper()
	s := &testServer{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		h(w, r)
	}))
	s.Server.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.newConns.Add(1)
		}
	}
	s.Listener = &wireListener{Listener: s.Listener, s: s}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

// wireListener times each request at the socket: from the first byte
// read to the first byte written back, so that the truth includes the
// server's own HTTP handling and not just the handler.
type wireListener struct {
	net.Listener
	s *testServer
}

func (l *wireListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &wireConn{Conn: c, s: l.s}, nil
}

type wireConn struct {
	net.Conn
	s       *testServer
	reading bool
	start   time.Time
}

// SetLinger lets a handler reset the connection (linger 0 sends RST).
func (c *wireConn) SetLinger(sec int) error {
	return c.Conn.(*net.TCPConn).SetLinger(sec)
}

func (c *wireConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 && !c.reading {
		c.reading, c.start = true, time.Now()
	}
	return n, err
}

func (c *wireConn) Write(p []byte) (int, error) {
	if c.reading {
		end := time.Now()
		c.reading = false
		c.s.mu.Lock()
		c.s.wire = append(c.s.wire, handled{dur: end.Sub(c.start), end: end})
		c.s.mu.Unlock()
	}
	return c.Conn.Write(p)
}

// wireDurations returns the socket-level durations of requests answered
// in [from, to), sorted.
func (s *testServer) wireDurations(from, to time.Time) []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []time.Duration
	for _, h := range s.wire {
		if !h.end.Before(from) && h.end.Before(to) {
			out = append(out, h.dur)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// measuredWindow is the part of rec's step that its figures cover: from
// the end of the step's settle time, WindowS seconds long.
func measuredWindow(rec record.Record, settle time.Duration) (from, to time.Time) {
	from = rec.StartedAt.Add(settle)
	return from, from.Add(time.Duration(rec.WindowS * float64(time.Second)))
}

// quantile returns the nearest-rank quantile q (0..1) of sorted ds.
func quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	i := int(q*float64(len(ds))+0.5) - 1
	i = min(max(i, 0), len(ds)-1)
	return ds[i]
}

// matchTruth checks that lat's p50, p95 and p99 (ms) are each within 2 %
// of the same quantile of truth, the server's sorted socket-level
// durations, and logs both.
func matchTruth(t *testing.T, a *attempt, lat *record.Latency, truth []time.Duration) {
	t.Helper()
	for _, c := range []struct {
		name string
		got  float64
		q    float64
	}{{"p50", lat.P50, 0.50}, {"p95", lat.P95, 0.95}, {"p99", lat.P99, 0.99}} {
		want := float64(quantile(truth, c.q)) / float64(time.Millisecond)
		t.Logf("%s: reported %.3f ms, server truth %.3f ms", c.name, c.got, want)
		if !within(c.got, want, 0.02) {
			a.Errorf("%s = %.2f ms, server truth %.2f ms (more than 2%% apart)", c.name, c.got, want)
		}
	}
}

// cycleSource returns its requests in order, round and round.
type cycleSource struct {
	reqs []scenarios.Request
	n    atomic.Uint64
}

func (c *cycleSource) Next() scenarios.Request {
	return c.reqs[(c.n.Add(1)-1)%uint64(len(c.reqs))]
}

func get(path string) scenarios.Request { return scenarios.Request{Method: "GET", Path: path} }

// testScenario is a scenario with the engine's settings for tests: no
// think time, a fast spawn rate and a 5 s request timeout.
func testScenario(model string) scenarios.Scenario {
	return scenarios.Scenario{
		Name:      "test",
		Model:     model,
		Think:     scenarios.Think{None: true},
		SpawnRate: 2000,
		Timeout:   5 * time.Second,
	}.WithDefaults()
}

// userSteps plans one step per level of users.
func userSteps(hold, settle time.Duration, users ...int) []scenarios.Step {
	out := make([]scenarios.Step, len(users))
	for i, u := range users {
		out[i] = scenarios.Step{Index: i, Users: u, Offset: time.Duration(i) * hold, Hold: hold, Settle: settle}
	}
	return out
}

// rateSteps plans one step per rate.
func rateSteps(hold, settle time.Duration, rates ...float64) []scenarios.Step {
	out := make([]scenarios.Step, len(rates))
	for i, r := range rates {
		out[i] = scenarios.Step{Index: i, Rate: r, Offset: time.Duration(i) * hold, Hold: hold, Settle: settle}
	}
	return out
}

// runTest runs a plan with a 60 s safety bound and returns the outcome,
// the records emitted (in order) and the error.
func runTest(t testing.TB, sc scenarios.Scenario, steps []scenarios.Step, src scenarios.Source, urls []string, opt Options) (Outcome, []record.Record, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var emitted []record.Record
	opt.Hooks.Emit = func(r record.Record) error {
		emitted = append(emitted, r)
		return nil
	}
	out, err := runPlan(ctx, sc, steps, src, urls, opt)
	return out, emitted, err
}

// runGET runs steps of sc sending GET / to url, fails t when the run
// returns an error, and returns the records emitted.
func runGET(t testing.TB, sc scenarios.Scenario, steps []scenarios.Step, url string) []record.Record {
	t.Helper()
	_, recs, err := runTest(t, sc, steps, &cycleSource{reqs: []scenarios.Request{get("/")}}, []string{url}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// within reports whether got is within frac of want.
func within(got, want, frac float64) bool {
	d := got - want
	if d < 0 {
		d = -d
	}
	return d <= frac*want
}

// savedResults decodes, in order, the vegeta results a run saved to
// saved (Options.Results), failing t on a malformed one.
func savedResults(t testing.TB, saved *apitest.SyncBuffer) []vegeta.Result {
	t.Helper()
	dec := vegeta.NewDecoder(strings.NewReader(saved.String()))
	var out []vegeta.Result
	for {
		var r vegeta.Result
		if err := dec.Decode(&r); err == io.EOF {
			return out
		} else if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
}

// attempt collects the failures of one try of a timing-sensitive check.
type attempt struct{ errs []string }

func (a *attempt) Errorf(format string, args ...any) {
	a.errs = append(a.errs, fmt.Sprintf(format, args...))
}

// retryTiming runs f up to n times until one attempt passes. Timing checks
// on a shared machine fail when other processes starve this one for a
// while; a broken behaviour fails every attempt.
func retryTiming(t *testing.T, n int, f func(a *attempt)) {
	t.Helper()
	for i := 1; ; i++ {
		a := &attempt{}
		f(a)
		if len(a.errs) == 0 {
			return
		}
		if i == n {
			for _, e := range a.errs {
				t.Error(e)
			}
			return
		}
		t.Logf("attempt %d of %d failed (is the machine loaded?), retrying:\n  %s", i, n, strings.Join(a.errs, "\n  "))
	}
}

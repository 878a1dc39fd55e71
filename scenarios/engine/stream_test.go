package engine

import (
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/loadlab/loadlab/internal/testsrv"
	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/scenarios"
)

// streamRequest is a POST of a streamed chat completion.
func streamRequest(stream string, chunkTimeout time.Duration, inputTokens int) scenarios.Request {
	return scenarios.Request{Method: "POST", Path: "/v1/chat/completions", Body: []byte(`{"model":"m","stream":true}`),
		Stream: stream, ChunkTimeout: chunkTimeout, InputTokens: inputTokens}
}

// oneEach is a closed-loop scenario whose users each send one request in
// a step (their think time is longer than the run), so that every stream
// starts and ends inside the step's window and the engine measures
// exactly the streams the server sent.
func oneEach() scenarios.Scenario {
	sc := testScenario(record.ModelUsers)
	sc.Think = scenarios.Think{Min: 100 * time.Second, Max: 100 * time.Second}
	return sc
}

// streamPercentileMisses compares a step's summary with the server's
// truth: p50, p95 and p99 within 2 %. It returns what missed.
func streamPercentileMisses(t *testing.T, name string, got *record.Latency, truth []time.Duration) []string {
	t.Helper()
	if got == nil {
		return []string{fmt.Sprintf("%s: no summary, truth has %d values", name, len(truth))}
	}
	want := testsrv.Percentiles(truth)
	var misses []string
	for i, g := range []float64{got.P50, got.P95, got.P99} {
		if math.Abs(g-want[i]) > 0.02*want[i] {
			misses = append(misses, fmt.Sprintf("%s p%v: loadlab %.3f ms, server truth %.3f ms (more than 2 %% apart)", name, []int{50, 95, 99}[i], g, want[i]))
		}
	}
	t.Logf("%s p50/p95/p99: loadlab %.2f/%.2f/%.2f ms, truth %.2f/%.2f/%.2f ms (%d values)", name, got.P50, got.P95, got.P99, want[0], want[1], want[2], len(truth))
	return misses
}

// checkStreamPercentiles fails t unless got is within 2 % of truth.
func checkStreamPercentiles(t *testing.T, name string, got *record.Latency, truth []time.Duration) {
	t.Helper()
	for _, m := range streamPercentileMisses(t, name, got, truth) {
		t.Error(m)
	}
}

// TestStreamTruth runs streaming servers of known timing (first token
// after 1 s, then one every 50 ms) under closed-loop users and checks
// the step against what each server did: TTFT, ITL and TPOT p50/p95/p99
// within 2 %, output and input tokens, token source, cut streams
// (connection closed mid-body, error chunk, no [DONE]) and chunk timeouts
// counted exactly, on each body framing.
//
// The client's TTFT starts before its connection is dialed and its
// request written, the server's truth when its handler starts: on a
// loaded CI runner under -race, 30 users dialing at once put 4–8 ms
// between the two (the CI run that showed it measured 204–211 ms against
// 200–203 ms at a 200 ms first token). A first token after 1 s keeps that
// real client-side overhead well inside 2 %.
func TestStreamTruth(t *testing.T) {
	cases := []streamCase{
		{name: "sse usage chunked with cuts", stream: "sse", users: 30, input: 11, goodput: "ttft<2s,itl<500ms",
			cfg: testsrv.StreamConfig{Tokens: 16, Usage: true, TokensPerChunk: 2, PromptTokens: 17, CutEvery: 5, CutAfter: 6}},
		{name: "ndjson chunks with cuts and stalls", stream: "ndjson", users: 30, chunkTO: 300 * time.Millisecond, input: 11,
			cfg: testsrv.StreamConfig{Tokens: 16, NDJSON: true, CutEvery: 6, CutAfter: 3, StallEvery: 7, StallAfter: 4, Stall: time.Second}},
		{name: "sse close-delimited", stream: "sse", users: 12,
			cfg: testsrv.StreamConfig{Tokens: 15, Framing: "close", CutEvery: 4, CutAfter: 5}},
		{name: "sse content-length with stalls", stream: "sse", users: 12, chunkTO: 300 * time.Millisecond,
			cfg: testsrv.StreamConfig{Tokens: 15, Framing: "length", Usage: true, PromptTokens: 5, StallEvery: 4, StallAfter: 2, Stall: time.Second}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// Counts must be exact on every run; the percentiles get a
			// second run when the first missed: one scheduling spike of a
			// loaded runner delays the reads of every stream at once (the
			// streams send in step), which moves a p99 of ~100 gaps.
			for attempt := 1; ; attempt++ {
				misses := streamTruthCase(t, tc)
				if len(misses) == 0 {
					return
				}
				if attempt == 2 {
					for _, m := range misses {
						t.Error(m)
					}
					return
				}
				t.Logf("run 1 missed, measuring again: %v", misses)
			}
		})
	}
}

// streamCase is one truth server of TestStreamTruth and the load on it.
type streamCase struct {
	name    string
	cfg     testsrv.StreamConfig
	stream  string
	users   int
	chunkTO time.Duration
	input   int
	goodput string
}

// streamTruthCase runs one case of TestStreamTruth against a fresh truth
// server, fails t on any count that differs from the server's, and
// returns the percentiles that missed the truth by more than 2 %.
func streamTruthCase(t *testing.T, tc streamCase) []string {
	t.Helper()
	tc.cfg.First, tc.cfg.Gap = time.Second, 50*time.Millisecond
	srv := testsrv.NewStreamTruth(t, tc.cfg)
	sc := oneEach()
	sc.Goodput = tc.goodput
	src := &cycleSource{reqs: []scenarios.Request{streamRequest(tc.stream, tc.chunkTO, tc.input)}}
	_, recs, err := runTest(t, sc, userSteps(2500*time.Millisecond, 0, tc.users), src, []string{srv.URL}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	rec := recs[0]
	served := srv.Records()
	if int64(len(served)) != rec.Requests || rec.Requests != int64(tc.users) {
		t.Fatalf("engine measured %d requests, server served %d, users %d: every stream must be in the window", rec.Requests, len(served), tc.users)
	}
	tr := srv.Summary(served)
	if rec.Streamed != rec.Requests {
		t.Errorf("streamed %d of %d requests", rec.Streamed, rec.Requests)
	}
	if got := rec.ErrorsByKind[kindStreamCut]; got != tr.Cuts {
		t.Errorf("stream_cut %d, server cut %d (samples %v)", got, tr.Cuts, rec.ErrorSamples)
	}
	if got := rec.ErrorsByKind[kindStreamTimeout]; got != tr.Stalls {
		t.Errorf("stream_timeout %d, server stalled %d (samples %v)", got, tr.Stalls, rec.ErrorSamples)
	}
	if rec.Successes != tr.OK || rec.Errors != tr.Cuts+tr.Stalls {
		t.Errorf("successes %d errors %d (%v), server completed %d", rec.Successes, rec.Errors, rec.ErrorsByKind, tr.OK)
	}
	if rec.OutputTokens != tr.Tokens {
		t.Errorf("output tokens %d, server sent %d", rec.OutputTokens, tr.Tokens)
	}
	wantIn := int64(tc.input) * rec.Requests
	if tc.cfg.Usage {
		wantIn = int64(tc.cfg.PromptTokens)*tr.OK + int64(tc.input)*(tr.Cuts+tr.Stalls)
	}
	if rec.InputTokens != wantIn {
		t.Errorf("input tokens %d, want %d", rec.InputTokens, wantIn)
	}
	if want := tokensFrom(tr.UsageStreams, tr.ChunkStreams); rec.TokensFrom != want {
		t.Errorf("tokens_from %q, want %q", rec.TokensFrom, want)
	}
	if got := rec.OutputTokensPerS; math.Abs(got-float64(tr.Tokens)/rec.WindowS) > 1e-9 {
		t.Errorf("output_tokens_per_s %g, want %g", got, float64(tr.Tokens)/rec.WindowS)
	}
	if rec.GoodputRPS == nil || rec.GoodputRequests != tr.OK {
		t.Errorf("goodput %d (rps %v), want every one of the %d successes", rec.GoodputRequests, rec.GoodputRPS, tr.OK)
	}
	var misses []string
	misses = append(misses, streamPercentileMisses(t, "ttft", rec.TTFT, tr.TTFT)...)
	misses = append(misses, streamPercentileMisses(t, "itl", rec.ITL, tr.ITL)...)
	misses = append(misses, streamPercentileMisses(t, "tpot", rec.TPOT, tr.TPOT)...)
	if rec.HistogramTTFT == "" || rec.HistogramITL == "" || rec.HistogramTPOT == "" {
		t.Error("a streamed step must carry its ttft, itl and tpot histograms")
	}
	return misses
}

// TestStreamOpenLoop sends streams at a paced rate (the same request path
// as users): every measured success brings exactly its tokens, and TTFT
// matches the server's within 2 %.
func TestStreamOpenLoop(t *testing.T) {
	cfg := testsrv.StreamConfig{First: 500 * time.Millisecond, Gap: 20 * time.Millisecond, Tokens: 10, Usage: true, PromptTokens: 3}
	srv := testsrv.NewStreamTruth(t, cfg)
	sc := testScenario(record.ModelRate)
	src := &cycleSource{reqs: []scenarios.Request{streamRequest("sse", 0, 0)}}
	_, recs, err := runTest(t, sc, rateSteps(2*time.Second, 0, 20), src, []string{srv.URL}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	rec := recs[0]
	if rec.Successes < 15 || rec.Errors != 0 {
		t.Fatalf("successes %d errors %v", rec.Successes, rec.ErrorsByKind)
	}
	if rec.OutputTokens != 10*rec.Successes || rec.InputTokens != 3*rec.Successes || rec.TokensFrom != record.TokensFromUsage {
		t.Errorf("tokens out %d in %d from %q for %d streams of 10 (prompt 3)", rec.OutputTokens, rec.InputTokens, rec.TokensFrom, rec.Successes)
	}
	tr := srv.Summary(srv.Records())
	if rec.TTFT == nil || math.Abs(rec.TTFT.P50-testsrv.Percentiles(tr.TTFT)[0]) > 0.02*testsrv.Percentiles(tr.TTFT)[0] {
		t.Errorf("ttft %+v, truth p50 %.2f ms", rec.TTFT, testsrv.Percentiles(tr.TTFT)[0])
	}
}

// TestStreamConnections: a user's keep-alive connection carries stream
// after stream when they end cleanly (chunked or Content-Length), a
// close-delimited stream takes a new one each time, and a cut stream's
// connection is never reused.
func TestStreamConnections(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  testsrv.StreamConfig
	}{
		{"chunked", testsrv.StreamConfig{}},
		{"length", testsrv.StreamConfig{Framing: "length"}},
		{"close", testsrv.StreamConfig{Framing: "close"}},
		{"cuts", testsrv.StreamConfig{CutEvery: 2, CutAfter: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			cfg.First, cfg.Gap, cfg.Tokens = 5*time.Millisecond, 2*time.Millisecond, 3
			srv := testsrv.NewStreamTruth(t, cfg)
			_, recs, err := runTest(t, testScenario(record.ModelUsers), userSteps(time.Second, 0, 1),
				&cycleSource{reqs: []scenarios.Request{streamRequest("sse", time.Second, 0)}}, []string{srv.URL}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			rec := recs[0]
			served := srv.Summary(srv.Records())
			if rec.Requests < 10 {
				t.Fatalf("only %d requests in 1 s", rec.Requests)
			}
			conns := srv.Conns()
			switch tc.name {
			case "close":
				if conns < rec.Requests {
					t.Errorf("%d connections for %d close-delimited streams", conns, rec.Requests)
				}
			case "cuts":
				if conns < served.Cuts || rec.ErrorsByKind[kindStreamCut] == 0 {
					t.Errorf("%d connections for %d cut streams (%v): a cut connection must not be reused", conns, served.Cuts, rec.ErrorsByKind)
				}
			default:
				if conns != 1 || rec.Errors != 0 {
					t.Errorf("%d connections, %d errors (%v) for %d clean streams: want one keep-alive connection", conns, rec.Errors, rec.ErrorSamples, rec.Requests)
				}
			}
			if tc.name != "cuts" && rec.OutputTokens != 3*rec.Successes {
				t.Errorf("output tokens %d for %d streams of 3", rec.OutputTokens, rec.Successes)
			}
		})
	}
}

// TestStreamRequestTimeout: the request's own timeout, reached mid-stream
// before any chunk timeout, stays a "timeout"; the tokens before it count.
func TestStreamRequestTimeout(t *testing.T) {
	// Tokens at 100, 300 and 500 ms, the timeout at 600 ms: 100 ms of
	// margin on either side for a loaded CI runner.
	srv := testsrv.NewStreamTruth(t, testsrv.StreamConfig{First: 100 * time.Millisecond, Gap: 200 * time.Millisecond, Tokens: 20})
	sc := oneEach()
	sc.Timeout = 600 * time.Millisecond
	_, recs, err := runTest(t, sc, userSteps(1500*time.Millisecond, 0, 3),
		&cycleSource{reqs: []scenarios.Request{streamRequest("sse", 300*time.Millisecond, 0)}}, []string{srv.URL}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	rec := recs[0]
	if rec.ErrorsByKind[kindTimeout] != 3 || rec.ErrorsByKind[kindStreamTimeout] != 0 || rec.Streamed != 3 {
		t.Errorf("errors %v (samples %v), streamed %d: want 3 timeouts", rec.ErrorsByKind, rec.ErrorSamples, rec.Streamed)
	}
	if rec.OutputTokens != 9 || rec.TTFT != nil || rec.TokensFrom != record.TokensFromChunks {
		t.Errorf("output tokens %d (want 3 per stream) ttft %v from %q: a failed stream adds its tokens only", rec.OutputTokens, rec.TTFT, rec.TokensFrom)
	}
}

// TestStreamHTTPError: a streamed request answered with an error status
// is an http_<code> error, streamed but without tokens; the body is read
// whole, not parsed.
func TestStreamHTTPError(t *testing.T) {
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte("data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\n"))
	})
	_, recs, err := runTest(t, oneEach(), userSteps(2*time.Second, 0, 2),
		&cycleSource{reqs: []scenarios.Request{streamRequest("sse", 0, 4)}}, []string{srv.URL}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Per request, not a count of them: under the whole -race suite one of
	// the two users' requests once missed the window.
	rec := recs[0]
	n := rec.Streamed
	if n < 1 || rec.ErrorsByKind["http_429"] != n || rec.OutputTokens != 0 || rec.InputTokens != 4*n ||
		rec.GoodputRPS == nil || rec.GoodputRequests != 0 || rec.TTFT != nil {
		t.Errorf("errors %v streamed %d tokens %d/%d goodput %d/%v ttft %v", rec.ErrorsByKind, rec.Streamed, rec.OutputTokens, rec.InputTokens, rec.GoodputRequests, rec.GoodputRPS, rec.TTFT)
	}
}

// TestStreamLargeHeader: a streamed response whose header block outgrows
// the stream's small reader (2 KiB, then 6 KiB) is read on through the
// larger ones, parsed whole, and its connection reused.
func TestStreamLargeHeader(t *testing.T) {
	for _, pad := range []int{2 << 10, 6 << 10} {
		srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Pad", strings.Repeat("p", pad))
			w.Header().Set("Content-Type", "text/event-stream")
			_, _ = w.Write([]byte("data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\ndata: {\"choices\":[{\"delta\":{\"content\":\"b\"}}]}\n\ndata: [DONE]\n\n"))
		})
		_, recs, err := runTest(t, testScenario(record.ModelUsers), userSteps(time.Second, 0, 1),
			&cycleSource{reqs: []scenarios.Request{streamRequest("sse", 0, 0)}}, []string{srv.URL}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		rec := recs[0]
		if rec.Requests < 3 || rec.Errors != 0 || rec.OutputTokens != 2*rec.Requests || srv.newConns.Load() != 1 {
			t.Errorf("header of %d bytes: %d requests, errors %v, %d tokens, %d connections", pad, rec.Requests, rec.ErrorSamples, rec.OutputTokens, srv.newConns.Load())
		}
	}
}

// TestStreamLongerThanWindow: a healthy stream still receiving tokens
// when a window closes is not claimed as a timeout, however long it has
// run (its deadline bounds it; it is measured when it ends), while a
// stream whose first token has not come for longer than the window is
// claimed, as any unanswered request is. Before, four healthy 2.6 s
// streams across a 1.5 s window were four "timeout" errors and their
// tokens were never counted.
func TestStreamLongerThanWindow(t *testing.T) {
	for _, tc := range []struct {
		name            string
		first           time.Duration
		timeouts, inFly int64
	}{
		{"receiving tokens", 100 * time.Millisecond, 0, 4},
		{"no first token yet", 3 * time.Second, 4, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := testsrv.NewStreamTruth(t, testsrv.StreamConfig{First: tc.first, Gap: 100 * time.Millisecond, Tokens: 25})
			sc := oneEach()
			sc.Timeout = 10 * time.Second
			_, recs, err := runTest(t, sc, userSteps(2*time.Second, 500*time.Millisecond, 4),
				&cycleSource{reqs: []scenarios.Request{streamRequest("sse", 0, 0)}}, []string{srv.URL}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			rec := recs[0]
			if rec.ErrorsByKind[kindTimeout] != tc.timeouts || rec.InFlight != tc.inFly {
				t.Errorf("timeouts %d (samples %v), in flight %d: want %d and %d", rec.ErrorsByKind[kindTimeout], rec.ErrorSamples, rec.InFlight, tc.timeouts, tc.inFly)
			}
		})
	}
}

// TestStreamDoneOnOpenConnection: a close-delimited SSE body whose server
// keeps the connection open after "data: [DONE]" ends at [DONE], a
// success, instead of waiting for the close until the request's deadline.
// The bounds leave room for a loaded CI machine (one run under the whole
// -race suite stalled a request 770 ms): a request that waited for the
// deadline (2 s) or the close (3 s) would fail or take over 1.5 s.
func TestStreamDoneOnOpenConnection(t *testing.T) {
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n" +
			"data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\ndata: {\"choices\":[{\"delta\":{\"content\":\"b\"}}]}\n\ndata: [DONE]\n\n")
		_ = buf.Flush()
		time.Sleep(3 * time.Second) // the connection stays open past the request's timeout
	})
	sc := oneEach()
	sc.Timeout = 2 * time.Second
	_, recs, err := runTest(t, sc, userSteps(2*time.Second, 0, 2),
		&cycleSource{reqs: []scenarios.Request{streamRequest("sse", 0, 0)}}, []string{srv.URL}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	rec := recs[0]
	if rec.Successes < 2 || rec.Errors != 0 || rec.OutputTokens != 2*rec.Successes || rec.Latency == nil || rec.Latency.Max > 1500 {
		t.Errorf("successes %d errors %v tokens %d latency %+v: want quick successes of 2 tokens each", rec.Successes, rec.ErrorsByKind, rec.OutputTokens, rec.Latency)
	}
}

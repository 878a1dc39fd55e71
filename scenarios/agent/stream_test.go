package agent

import (
	"context"
	"math"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/loadlab/loadlab/internal/testsrv"
	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/scenarios"
	"github.com/loadlab/loadlab/scenarios/engine"
)

// TestTwoAgentsMergeStreams: two agents each send one streamed request
// per user (their think time outlasts the step) to a streaming server of
// known timing that cuts every fifth stream; the merged step holds
// exactly the server's streams, cuts and tokens, its TTFT, ITL and TPOT
// percentiles (read from the merged histograms) are within 2 % of the
// server's truth, each merged histogram holds the sum of the agents'
// values, and the token source of complete (usage) and cut (chunks)
// streams is mixed.
func TestTwoAgentsMergeStreams(t *testing.T) {
	srv := testsrv.NewStreamTruth(t, testsrv.StreamConfig{First: time.Second, Gap: 50 * time.Millisecond, Tokens: 15,
		Usage: true, PromptTokens: 9, CutEvery: 5, CutAfter: 4})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	f, raw := goFleet(t, ctx)
	defer closeFleet(t, f)
	const users = 20
	sc := scenarios.Scenario{
		Name: "streams", Model: record.ModelUsers,
		Think:    scenarios.Think{Min: 100 * time.Second, Max: 100 * time.Second},
		Ramp:     scenarios.Ramp{Steps: []float64{users}, Hold: 2500 * time.Millisecond},
		Timeout:  5 * time.Second,
		Goodput:  "ttft<2s",
		Requests: []scenarios.RequestSpec{{Method: "POST", Path: "/v1/chat/completions", Stream: scenarios.StreamSSE}},
	}
	out, err := f.Run(ctx, sc, []string{srv.URL}, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rec := out.Steps[0]
	tr := srv.Summary(srv.Records())
	if rec.Requests != users || rec.Streamed != users || tr.OK+tr.Cuts != users {
		t.Fatalf("merged %d requests (%d streamed), server %d complete + %d cut, want %d", rec.Requests, rec.Streamed, tr.OK, tr.Cuts, users)
	}
	if rec.ErrorsByKind["stream_cut"] != tr.Cuts || rec.Successes != tr.OK || rec.OutputTokens != tr.Tokens || rec.InputTokens != 9*tr.OK {
		t.Errorf("cuts %d (server %d), successes %d (%d), output tokens %d (%d), input %d (want %d)",
			rec.ErrorsByKind["stream_cut"], tr.Cuts, rec.Successes, tr.OK, rec.OutputTokens, tr.Tokens, rec.InputTokens, 9*tr.OK)
	}
	if rec.TokensFrom != record.TokensFromMixed || rec.GoodputRequests != tr.OK || rec.GoodputRPS == nil ||
		math.Abs(*rec.GoodputRPS-float64(tr.OK)/rec.WindowS) > 1e-9 || math.Abs(rec.OutputTokensPerS-float64(tr.Tokens)/rec.WindowS) > 1e-9 {
		t.Errorf("tokens_from %q goodput %d/%v tokens/s %g", rec.TokensFrom, rec.GoodputRequests, rec.GoodputRPS, rec.OutputTokensPerS)
	}
	parts := raw.of(0)
	for _, m := range []struct {
		name  string
		got   *record.Latency
		hist  string
		part  func(record.Record) string
		truth []time.Duration
	}{
		{"ttft", rec.TTFT, rec.HistogramTTFT, func(r record.Record) string { return r.HistogramTTFT }, tr.TTFT},
		{"itl", rec.ITL, rec.HistogramITL, func(r record.Record) string { return r.HistogramITL }, tr.ITL},
		{"tpot", rec.TPOT, rec.HistogramTPOT, func(r record.Record) string { return r.HistogramTPOT }, tr.TPOT},
	} {
		if m.got == nil {
			t.Fatalf("%s: no merged summary", m.name)
		}
		var sum int64
		for _, p := range parts {
			h, err := hdrhistogram.Decode([]byte(m.part(p)))
			if err != nil {
				t.Fatalf("%s: agent histogram: %v", m.name, err)
			}
			sum += h.TotalCount()
		}
		h, err := hdrhistogram.Decode([]byte(m.hist))
		if err != nil || h.TotalCount() != sum || sum != int64(len(m.truth)) {
			t.Errorf("%s: merged histogram holds %d values (%v), agents' %d, server's %d", m.name, h.TotalCount(), err, sum, len(m.truth))
		}
		want := testsrv.Percentiles(m.truth)
		for i, g := range []float64{m.got.P50, m.got.P95, m.got.P99} {
			if math.Abs(g-want[i]) > 0.02*want[i] {
				t.Errorf("%s p%d: merged %.2f ms, server truth %.2f ms (over 2 %% apart)", m.name, []int{50, 95, 99}[i], g, want[i])
			}
		}
		t.Logf("%s p50/p95/p99: merged %.2f/%.2f/%.2f ms, truth %.2f/%.2f/%.2f ms", m.name, m.got.P50, m.got.P95, m.got.P99, want[0], want[1], want[2])
	}
}

// TestMergeStreamFields: stream counts are summed, per-second figures
// recomputed over the merged window, token sources combined, goodput_rps
// set when any agent set it.
func TestMergeStreamFields(t *testing.T) {
	zero := 0.0
	a := &record.Record{WindowS: 10, Stream: record.Stream{Streamed: 5, OutputTokens: 100, InputTokens: 50, TokensFrom: record.TokensFromUsage, GoodputRequests: 4, GoodputRPS: &zero}}
	b := &record.Record{WindowS: 10, Stream: record.Stream{Streamed: 3, OutputTokens: 60, TokensFrom: record.TokensFromUsage}}
	rec, err := Merge([]Share{{Agent: Hello{Agent: "a"}, Record: a}, {Agent: Hello{Agent: "b"}, Record: b}})
	if err != nil {
		t.Fatal(err)
	}
	if rec.Streamed != 8 || rec.OutputTokens != 160 || rec.InputTokens != 50 || rec.OutputTokensPerS != 16 ||
		rec.TokensFrom != record.TokensFromUsage || rec.GoodputRequests != 4 || rec.GoodputRPS == nil || *rec.GoodputRPS != 0.4 {
		t.Errorf("merged stream: %+v (goodput_rps %v)", rec.Stream, rec.GoodputRPS)
	}
	for _, c := range []struct{ a, b, want string }{
		{"", "", ""}, {"usage", "", "usage"}, {"", "chunks", "chunks"}, {"usage", "usage", "usage"},
		{"usage", "chunks", "mixed"}, {"mixed", "usage", "mixed"}, {"chunks", "mixed", "mixed"},
	} {
		if got := mergeTokensFrom(c.a, c.b); got != c.want {
			t.Errorf("mergeTokensFrom(%q, %q) = %q, want %q", c.a, c.b, got, c.want)
		}
	}
	plain, err := Merge([]Share{{Agent: Hello{Agent: "a"}, Record: &record.Record{WindowS: 1, Requests: 3}}})
	if err != nil || plain.GoodputRPS != nil || plain.TTFT != nil || plain.HistogramTTFT != "" {
		t.Errorf("a step without streams or goodput: goodput_rps %v ttft %v (%v)", plain.GoodputRPS, plain.TTFT, err)
	}
}

package engine

import (
	"testing"
	"time"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/slo"
)

// TestStreamStatsGoodput: a success counts towards goodput when it meets
// every condition with its own timing (a non-streamed request has only
// e2e; a condition on ttft, tpot or itl fails without it); failures never
// count; without conditions every success does. The distributions hold
// successful streams only, and goodput_rps is set only for a step with
// streams or conditions.
func TestStreamStatsGoodput(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	stream := func(ok bool, ttft, tpot, maxITL, e2e int) *sample {
		return &sample{ok: ok, latency: ms(e2e), st: streamSample{streamed: true, measured: ok, ttft: ms(ttft), tpot: ms(tpot), maxITL: ms(maxITL),
			gaps: []time.Duration{ms(maxITL)}, out: 2, chunks: 2, from: fromChunks}}
	}
	plain := func(ok bool, e2e int) *sample { return &sample{ok: ok, latency: ms(e2e)} }
	samples := []*sample{
		stream(true, 300, 40, 60, 1000),
		stream(true, 900, 40, 60, 1500),
		stream(true, 300, 120, 60, 2000),
		stream(true, 300, 40, 600, 2000),
		stream(false, 100, 10, 10, 500),
		plain(true, 50),
	}
	cases := []struct {
		goodput string
		want    int64
	}{
		{"", 5},
		{"ttft<500ms", 3},
		{"ttft<500ms,tpot<100ms", 2},
		{"ttft<1s,itl<=500ms", 3},
		{"e2e<1.5s", 2},
		{"e2e<=1.5s", 3},
	}
	for _, c := range cases {
		g, err := slo.ParseGoodput(c.goodput)
		if err != nil {
			t.Fatal(err)
		}
		st := streamStats{goodput: g}
		for _, s := range samples {
			st.add(s)
		}
		var rec record.Record
		if err := st.fill(&rec, 2); err != nil {
			t.Fatal(err)
		}
		if rec.GoodputRequests != c.want || rec.GoodputRPS == nil || *rec.GoodputRPS != float64(c.want)/2 {
			t.Errorf("goodput %q: %d (rps %v), want %d", c.goodput, rec.GoodputRequests, rec.GoodputRPS, c.want)
		}
		if rec.Streamed != 5 || rec.OutputTokens != 10 || rec.OutputTokensPerS != 5 || rec.TokensFrom != record.TokensFromChunks {
			t.Errorf("stream totals %+v", rec.Stream)
		}
		if rec.TTFT == nil || rec.TTFT.Min != 300 || rec.TTFT.Max != 900 || rec.ITL.Max != 600 || rec.TPOT.Max != 120 || rec.HistogramITL == "" {
			t.Errorf("distributions of the 4 successful streams: ttft %+v itl %+v tpot %+v", rec.TTFT, rec.ITL, rec.TPOT)
		}
	}
	// A step of plain requests and no conditions has no goodput figure.
	st := streamStats{}
	st.add(plain(true, 10))
	var rec record.Record
	if err := st.fill(&rec, 1); err != nil || rec.GoodputRPS != nil || rec.TTFT != nil || rec.Streamed != 0 {
		t.Errorf("plain step: goodput_rps %v ttft %v streamed %d (%v)", rec.GoodputRPS, rec.TTFT, rec.Streamed, err)
	}
}

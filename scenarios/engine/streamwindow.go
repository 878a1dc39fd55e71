package engine

import (
	"fmt"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/slo"
)

// streamStats is a window's stream measurements: the distributions of
// time to first token, every inter-token gap and time per output token
// over its successful streamed requests (allocated at the first one, so
// a step without streams carries none), the token totals of every
// streamed request, and the goodput count.
type streamStats struct {
	ttft, itl, tpot *latStats

	streamed, out, in     int64
	fromUsage, fromChunks int64 // requests whose tokens came from each source

	// goodput holds the scenario's per-request conditions (nil: every
	// success is good); good counts the successes that met them.
	goodput slo.Goodput
	good    int64
}

// add counts one finished request s (the collector's lock held).
func (st *streamStats) add(s *sample) {
	x := &s.st
	if s.ok && (st.goodput == nil || st.goodput.Met(slo.Timing{TTFT: x.ttft, TPOT: x.tpot, MaxITL: x.maxITL, E2E: s.latency, Chunks: x.chunks, Tokens: x.out})) {
		st.good++
	}
	if !x.streamed {
		return
	}
	st.streamed++
	st.out += x.out
	st.in += x.in
	switch x.from {
	case fromUsage:
		st.fromUsage++
	case fromChunks:
		st.fromChunks++
	}
	if !x.measured || x.ttft <= 0 {
		return
	}
	if st.ttft == nil {
		st.ttft, st.itl, st.tpot = newLatStats(), newLatStats(), newLatStats()
	}
	st.ttft.add(x.ttft)
	for _, g := range x.gaps {
		st.itl.add(g)
	}
	if x.tpot > 0 {
		st.tpot.add(x.tpot)
	}
}

// fill writes the stream measurements of a window of secs seconds into
// rec: the summaries with their histograms (always, so that generators'
// steps merge), the totals, and goodput when the step had streamed
// requests or the scenario declares goodput conditions.
func (st *streamStats) fill(rec *record.Record, secs float64) error {
	rec.Streamed = st.streamed
	rec.OutputTokens = st.out
	rec.InputTokens = st.in
	rec.TokensFrom = tokensFrom(st.fromUsage, st.fromChunks)
	if secs > 0 {
		rec.OutputTokensPerS = float64(st.out) / secs
	}
	if st.streamed > 0 || len(st.goodput) > 0 {
		rec.GoodputRequests = st.good
		rps := 0.0
		if secs > 0 {
			rps = float64(st.good) / secs
		}
		rec.GoodputRPS = &rps
	}
	if st.ttft == nil {
		return nil
	}
	for _, d := range []struct {
		l    *latStats
		sum  **record.Latency
		hist *string
		name string
	}{
		{st.ttft, &rec.TTFT, &rec.HistogramTTFT, "time to first token"},
		{st.itl, &rec.ITL, &rec.HistogramITL, "inter-token latency"},
		{st.tpot, &rec.TPOT, &rec.HistogramTPOT, "time per output token"},
	} {
		if d.l.n == 0 {
			continue
		}
		*d.sum = d.l.summary()
		var err error
		if *d.hist, err = encodeHist(d.l.h); err != nil {
			return fmt.Errorf("encode %s histogram: %w", d.name, err)
		}
	}
	return nil
}

// tokensFrom names where a step's output token counts came from, given
// how many requests counted each way (record.Stream.TokensFrom); "" when
// no request had tokens.
func tokensFrom(usage, chunks int64) string {
	switch {
	case usage > 0 && chunks > 0:
		return record.TokensFromMixed
	case usage > 0:
		return record.TokensFromUsage
	case chunks > 0:
		return record.TokensFromChunks
	}
	return ""
}

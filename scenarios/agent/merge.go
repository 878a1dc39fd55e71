package agent

import (
	"fmt"
	"strings"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/scenarios"
	"github.com/loadlab/loadlab/scenarios/engine"
)

// Share is one agent's part of a step: who, its share of the load, and
// its record, or why there is none (Lost).
type Share struct {
	Agent  Hello
	Step   scenarios.Step
	Record *record.Record
	Lost   string
}

// Merge builds the measurements of one step from its agents' shares, as
// one generator sending all their requests would have measured them:
//
//   - requests, successes, errors, dropped, in flight, bytes and open
//     connections are summed, as are errors by kind and status codes; the
//     first message of each error kind (in agent order) is kept;
//   - latency_ms, latency_ok_ms and latency_scheduled_ms come from the
//     merged histograms (engine.MergeLatency: percentiles of the merged
//     histogram, never averaged); the merged histograms are kept; so do
//     a streamed step's ttft_ms, itl_ms and tpot_ms;
//   - streamed, output_tokens, input_tokens and goodput_requests are
//     summed; output_tokens_per_s and goodput_rps are the sums over the
//     merged window (goodput_rps set when any agent set it); tokens_from
//     is the agents' common source, or "mixed" when they differ;
//   - window_s is the mean of the agents' windows (they start at the same
//     instant and differ by milliseconds of scheduling), and rps, ok_rps
//     the summed counts over it; error_rate the summed errors ÷ requests;
//   - generator: cpu_pct, cpu_available_pct and rss_bytes are summed over
//     the agents, lag_ms is the largest agent's p95 lag (lags are not
//     merged exactly), saturated is true when any agent was, and the
//     warnings are each agent's, named;
//   - generators holds each agent's share, in agent order.
//
// A lost share (no record) is marked partial in generators, with its
// reason, and makes the step Partial; the step holds what the others
// measured. Run, Step, Config, StartedAt, Load, SLO and StopReason are
// the caller's to set. An agent's record whose histograms do not merge is
// an error.
func Merge(shares []Share) (record.Record, error) {
	var rec record.Record
	var all, ok, sched, ttft, itl, tpot []engine.LatencyPart
	goodput := false
	var windows float64
	var measured int
	var warns, lost []string
	g := &rec.Generator
	for _, s := range shares {
		gs := record.GeneratorShare{ID: s.Agent.Agent, Node: s.Agent.Node, Users: s.Step.Users, Rate: s.Step.Rate}
		r := s.Record
		if r == nil {
			gs.Partial, gs.Reason = true, s.Lost
			rec.Generators = append(rec.Generators, gs)
			lost = append(lost, s.Agent.Agent)
			continue
		}
		gs.Requests, gs.Errors, gs.WindowS, gs.RPS = r.Requests, r.Errors, r.WindowS, r.RPS
		gs.CPUPct, gs.CPUAvailablePct, gs.RSSBytes = r.Generator.CPUPct, r.Generator.CPUAvailablePct, r.Generator.RSSBytes
		gs.Saturated, gs.Warning = r.Generator.Saturated, r.Generator.Warning
		rec.Generators = append(rec.Generators, gs)

		measured++
		windows += r.WindowS
		rec.Requests += r.Requests
		rec.Successes += r.Successes
		rec.Errors += r.Errors
		rec.Dropped += r.Dropped
		rec.InFlight += r.InFlight
		rec.BytesIn += r.BytesIn
		rec.BytesOut += r.BytesOut
		rec.OpenConnections += r.OpenConnections
		rec.ErrorsByKind = addCounts(rec.ErrorsByKind, r.ErrorsByKind)
		rec.StatusCodes = addCounts(rec.StatusCodes, r.StatusCodes)
		for k, v := range r.ErrorSamples {
			if _, seen := rec.ErrorSamples[k]; !seen {
				if rec.ErrorSamples == nil {
					rec.ErrorSamples = make(map[string]string)
				}
				rec.ErrorSamples[k] = v
			}
		}
		all = append(all, engine.LatencyPart{Summary: r.Latency, Histogram: r.Histogram})
		ok = append(ok, engine.LatencyPart{Summary: r.LatencyOK, Histogram: r.HistogramOK})
		sched = append(sched, engine.LatencyPart{Summary: r.LatencyScheduled, Histogram: r.HistogramScheduled})
		ttft = append(ttft, engine.LatencyPart{Summary: r.TTFT, Histogram: r.HistogramTTFT})
		itl = append(itl, engine.LatencyPart{Summary: r.ITL, Histogram: r.HistogramITL})
		tpot = append(tpot, engine.LatencyPart{Summary: r.TPOT, Histogram: r.HistogramTPOT})
		rec.Streamed += r.Streamed
		rec.OutputTokens += r.OutputTokens
		rec.InputTokens += r.InputTokens
		rec.GoodputRequests += r.GoodputRequests
		rec.TokensFrom = mergeTokensFrom(rec.TokensFrom, r.TokensFrom)
		goodput = goodput || r.GoodputRPS != nil

		g.CPUPct += r.Generator.CPUPct
		g.CPUAvailablePct += r.Generator.CPUAvailablePct
		g.RSSBytes += r.Generator.RSSBytes
		g.LagMs = max(g.LagMs, r.Generator.LagMs)
		g.Saturated = g.Saturated || r.Generator.Saturated
		if r.Generator.Warning != "" {
			warns = append(warns, fmt.Sprintf("agent %s: %s", s.Agent.Agent, r.Generator.Warning))
		}
	}
	var err error
	if rec.Latency, rec.Histogram, err = engine.MergeLatency(all); err != nil {
		return rec, fmt.Errorf("merge latency: %w", err)
	}
	if rec.LatencyOK, rec.HistogramOK, err = engine.MergeLatency(ok); err != nil {
		return rec, fmt.Errorf("merge latency of successes: %w", err)
	}
	if rec.LatencyScheduled, rec.HistogramScheduled, err = engine.MergeLatency(sched); err != nil {
		return rec, fmt.Errorf("merge scheduled latency: %w", err)
	}
	for _, d := range []struct {
		parts []engine.LatencyPart
		sum   **record.Latency
		hist  *string
		name  string
	}{
		{ttft, &rec.TTFT, &rec.HistogramTTFT, "time to first token"},
		{itl, &rec.ITL, &rec.HistogramITL, "inter-token latency"},
		{tpot, &rec.TPOT, &rec.HistogramTPOT, "time per output token"},
	} {
		if *d.sum, *d.hist, err = engine.MergeLatency(d.parts); err != nil {
			return rec, fmt.Errorf("merge %s: %w", d.name, err)
		}
	}
	if measured > 0 {
		rec.WindowS = windows / float64(measured)
	}
	if goodput {
		rps := 0.0
		rec.GoodputRPS = &rps
	}
	if rec.WindowS > 0 {
		rec.RPS = float64(rec.Requests) / rec.WindowS
		rec.OKRPS = float64(rec.Successes) / rec.WindowS
		rec.OutputTokensPerS = float64(rec.OutputTokens) / rec.WindowS
		if goodput {
			*rec.GoodputRPS = float64(rec.GoodputRequests) / rec.WindowS
		}
	}
	if rec.Requests > 0 {
		rec.ErrorRate = float64(rec.Errors) / float64(rec.Requests)
	}
	g.Warning = strings.Join(warns, "; ")
	if len(lost) > 0 {
		rec.Partial = true
		rec.StopReason = lostReason(shares)
	}
	return rec, nil
}

// mergeTokensFrom combines two generators' token sources
// (record.Stream.TokensFrom): "" (no tokens) yields to the other, equal
// sources stay, different ones are mixed.
func mergeTokensFrom(a, b string) string {
	switch {
	case a == "" || a == b:
		return b
	case b == "":
		return a
	}
	return record.TokensFromMixed
}

// lostReason names every lost agent of a step and why.
func lostReason(shares []Share) string {
	var parts []string
	for _, s := range shares {
		if s.Record == nil {
			parts = append(parts, fmt.Sprintf("agent %s (node %s): %s", s.Agent.Agent, orDash(s.Agent.Node), s.Lost))
		}
	}
	return "load generation agent lost: " + strings.Join(parts, "; ") + "; the step holds what the other agents measured"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// addCounts adds b's counts into a (allocated when needed).
func addCounts(a, b map[string]int64) map[string]int64 {
	if len(b) == 0 {
		return a
	}
	if a == nil {
		a = make(map[string]int64, len(b))
	}
	for k, v := range b {
		a[k] += v
	}
	return a
}

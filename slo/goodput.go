package slo

import (
	"fmt"
	"time"
)

// Goodput is a list of per-request conditions: a request counts towards
// goodput when it succeeded and meets every one, as vLLM's --goodput and
// GuideLLM's SLO attainment define it. The zero value has no conditions:
// every successful request is good.
//
// Grammar: comma-separated "metric op duration" with metric one of
//   - ttft: the request's time to first token;
//   - tpot: its time per output token after the first;
//   - itl:  its largest inter-token gap;
//   - e2e:  its end-to-end latency;
//
// op < or <=, and a duration such as 500ms or 1s (a bare number is
// milliseconds). A condition on ttft, tpot or itl fails for a request
// that did not measure it (no streamed content, or one token for tpot
// and itl).
type Goodput []Condition

// GoodputMetrics lists the per-request metrics, for error messages.
const GoodputMetrics = "ttft, tpot, itl, e2e"

// goodputMetrics are the per-request metric names.
var goodputMetrics = map[string]bool{"ttft": true, "tpot": true, "itl": true, "e2e": true}

// ParseGoodput parses a goodput expression; empty is no condition. Every
// malformed condition is reported, joined into one error.
func ParseGoodput(expr string) (Goodput, error) {
	return parseList(expr, parseGoodputCondition)
}

func parseGoodputCondition(s string) (Condition, error) {
	text, metric, op, raw, err := splitCondition(s, "goodput condition", "ttft<1s")
	if err != nil {
		return Condition{}, err
	}
	if !goodputMetrics[metric] {
		return Condition{}, fmt.Errorf("goodput condition %q: unknown per-request metric %q (allowed: %s)", text, metric, GoodputMetrics)
	}
	if op != "<" && op != "<=" {
		return Condition{}, fmt.Errorf("goodput condition %q: operator must be < or <= (a per-request latency bound)", text)
	}
	v, err := parseValue(KindLatency, raw)
	if err != nil {
		return Condition{}, fmt.Errorf("goodput condition %q: %w", text, err)
	}
	return Condition{Metric: metric, Op: op, Value: v, Kind: KindLatency, Text: metric + op + raw}, nil
}

// Timing is what one request measured, for Goodput.Met. Chunks counts
// its content chunks and Tokens its output tokens: TTFT is measured from
// one chunk, MaxITL (the largest gap between chunks, 0 when two arrived in
// one read) from two, TPOT from two tokens; E2E always.
type Timing struct {
	TTFT, TPOT, MaxITL, E2E time.Duration
	Chunks, Tokens          int64
}

// Met reports whether a successful request with timing t meets every
// condition; a condition on a metric t did not measure fails.
func (g Goodput) Met(t Timing) bool {
	for _, c := range g {
		var d time.Duration
		measured := true
		switch c.Metric {
		case "ttft":
			d, measured = t.TTFT, t.Chunks >= 1
		case "tpot":
			d, measured = t.TPOT, t.Tokens >= 2
		case "itl":
			d, measured = t.MaxITL, t.Chunks >= 2
		case "e2e":
			d = t.E2E
		}
		if !measured || !c.Holds(float64(d)/float64(time.Millisecond)) {
			return false
		}
	}
	return true
}

// String renders the conditions back in the grammar.
func (g Goodput) String() string { return SLO(g).String() }

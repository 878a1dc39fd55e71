// Package slo parses and evaluates service-level objective expressions such
// as "p95<1s,error_rate<1%,p99<2s,rps>=500". One grammar serves the ramp's
// stop conditions, the experiment file's slo, reports and loadlab gate.
//
// Grammar: a comma-separated list of conditions, each "metric op value".
//   - metric: min, mean, p50, p90, p95, p99, max (all requests); the same
//     with an "_ok" suffix (successful requests only); error_rate; rps;
//     ok_rps; cpu_per_request (the target's CPU time per request) and
//     requests_per_cpu_s (its inverse), from the target's telemetry;
//     for streamed responses (stream: sse or ndjson), ttft_<stat>,
//     itl_<stat> and tpot_<stat> with stat one of min, mean, p50, p90,
//     p95, p99, max (time to first token, inter-token latency, time per
//     output token: ttft_p95<500ms, itl_p99<100ms, tpot_p50<50ms),
//     output_tokens_per_s (output tokens per second of the window:
//     output_tokens_per_s>=200) and goodput_rps (requests per second that
//     met every per-request goodput condition: goodput_rps>=5).
//   - op: <, <=, >, >=.
//   - value: latencies and cpu_per_request take a duration (500ms, 1s,
//     1.5s, 250us; a bare number is milliseconds); error_rate takes a
//     percentage (1%) or a fraction (0.01); rps, ok_rps and goodput_rps
//     take a number of requests per second, requests_per_cpu_s a number of
//     requests per CPU-second, output_tokens_per_s a number of tokens per
//     second.
//
// A step that did not measure a metric (no answers for a latency, no
// streamed responses for the streaming metrics, no telemetry for the CPU
// metrics) has no value to compare: every verdict counts it as a breach.
package slo

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/loadlab/loadlab/record"
)

// Kind is what a metric measures, which decides its unit.
type Kind int

const (
	KindLatency Kind = iota // milliseconds
	KindRate                // fraction 0..1
	KindRPS                 // requests per second
	KindCPU                 // target CPU time per request, milliseconds
	KindPerCPU              // requests per target CPU-second
	// KindStreamLatency is a streamed response's time to first token,
	// inter-token latency or time per output token, in milliseconds. It is
	// not KindLatency: that one bounds whole requests (the engine claims
	// requests outstanding beyond it, plots draw it on request latency).
	KindStreamLatency
	KindTokens // output tokens per second
)

// HigherIsBetter reports whether a larger value of the kind is an
// improvement (throughputs), as opposed to a regression (latencies, error
// rates, CPU per request).
func (k Kind) HigherIsBetter() bool { return k == KindRPS || k == KindPerCPU || k == KindTokens }

// Milliseconds reports whether values of the kind are latencies in
// milliseconds (KindLatency and KindStreamLatency).
func (k Kind) Milliseconds() bool { return k == KindLatency || k == KindStreamLatency }

// Condition is one parsed "metric op value". Value is in the metric's
// canonical unit: milliseconds for latencies, a fraction for error_rate,
// requests per second for rps, ok_rps and goodput_rps, tokens per second
// for output_tokens_per_s.
type Condition struct {
	Metric string
	Op     string
	Value  float64
	Kind   Kind
	// Text is the condition as the user wrote it, trimmed.
	Text string
}

// SLO is a parsed list of conditions; the zero value has none and always
// passes.
type SLO []Condition

// Stats are the statistics of a latency summary (record.Latency.Value).
var Stats = []string{"min", "mean", "p50", "p90", "p95", "p99", "max"}

// StreamLatencies are the prefixes of the streaming latency metrics
// (ttft_p95, itl_p99, tpot_p50): record.Record's TTFT, ITL and TPOT.
var StreamLatencies = []string{"ttft", "itl", "tpot"}

// Streaming metric names besides the latencies.
const (
	OutputTokensPerS = "output_tokens_per_s"
	GoodputRPS       = "goodput_rps"
)

var metrics = func() map[string]Kind {
	m := map[string]Kind{
		"error_rate": KindRate, "rps": KindRPS, "ok_rps": KindRPS,
		"cpu_per_request": KindCPU, "requests_per_cpu_s": KindPerCPU,
		OutputTokensPerS: KindTokens, GoodputRPS: KindRPS,
	}
	for _, st := range Stats {
		m[st], m[st+"_ok"] = KindLatency, KindLatency
		for _, p := range StreamLatencies {
			m[p+"_"+st] = KindStreamLatency
		}
	}
	return m
}()

// Metrics lists the accepted metric names, for error messages.
const Metrics = "min, mean, p50, p90, p95, p99, max (and each with _ok), error_rate, rps, ok_rps, cpu_per_request, requests_per_cpu_s, " +
	"and for streamed responses ttft_<stat>, itl_<stat>, tpot_<stat> (stat: min, mean, p50, p90, p95, p99, max), output_tokens_per_s, goodput_rps"

// KindOf returns the kind of a metric name; false for an unknown one.
func KindOf(metric string) (Kind, bool) {
	k, ok := metrics[metric]
	return k, ok
}

// Parse parses an expression. An empty expression is an empty SLO. Every
// malformed condition is reported, joined into one error.
func Parse(expr string) (SLO, error) {
	return parseList(expr, ParseCondition)
}

// parseList parses a comma-separated list of conditions with one; empty
// is no condition. Every malformed condition is reported, joined into one
// error.
func parseList(expr string, one func(string) (Condition, error)) ([]Condition, error) {
	if strings.TrimSpace(expr) == "" {
		return nil, nil
	}
	var out []Condition
	var errs []error
	for _, part := range strings.Split(expr, ",") {
		c, err := one(part)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, c)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// ParseCondition parses one "metric op value".
func ParseCondition(s string) (Condition, error) {
	text, metric, op, raw, err := splitCondition(s, "condition", "p95<1s")
	if err != nil {
		return Condition{}, err
	}
	kind, ok := metrics[metric]
	if !ok {
		return Condition{}, fmt.Errorf("condition %q: unknown metric %q (allowed: %s)", text, metric, Metrics)
	}
	v, err := parseValue(kind, raw)
	if err != nil {
		return Condition{}, fmt.Errorf("condition %q: %w", text, err)
	}
	return Condition{Metric: metric, Op: op, Value: v, Kind: kind, Text: metric + op + raw}, nil
}

// splitCondition splits one "metric op value" into the trimmed text, the
// lower-cased metric, the operator (<, <=, > or >=) and the raw value;
// what names the condition and example shows one in errors.
func splitCondition(s, what, example string) (text, metric, op, raw string, err error) {
	text = strings.TrimSpace(s)
	if text == "" {
		return "", "", "", "", fmt.Errorf("empty %s: remove the extra comma", what)
	}
	i := strings.IndexAny(text, "<>=!")
	if i <= 0 {
		return "", "", "", "", fmt.Errorf("%s %q: want metric, operator and value, e.g. %s", what, text, example)
	}
	metric = strings.ToLower(strings.TrimSpace(text[:i]))
	rest := text[i:]
	for _, cand := range []string{"<=", ">=", "<", ">"} {
		if strings.HasPrefix(rest, cand) {
			op = cand
			break
		}
	}
	if op == "" {
		return "", "", "", "", fmt.Errorf("%s %q: operator must be one of <, <=, >, >=", what, text)
	}
	return text, metric, op, strings.TrimSpace(rest[len(op):]), nil
}

func parseValue(kind Kind, raw string) (float64, error) {
	if raw == "" {
		return 0, errors.New("missing value")
	}
	switch kind {
	case KindLatency, KindStreamLatency, KindCPU:
		if f, err := strconv.ParseFloat(raw, 64); err == nil {
			if f < 0 || math.IsNaN(f) || math.IsInf(f, 0) {
				return 0, fmt.Errorf("latency %q must be a positive duration", raw)
			}
			return f, nil
		}
		d, err := time.ParseDuration(raw)
		if err != nil || d < 0 {
			return 0, fmt.Errorf("latency %q is not a duration (use e.g. 250ms, 1s, 1.5s)", raw)
		}
		return float64(d) / float64(time.Millisecond), nil
	case KindRate:
		if strings.HasSuffix(raw, "%") {
			f, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(raw, "%")), 64)
			if err != nil || f < 0 || f > 100 || math.IsNaN(f) {
				return 0, fmt.Errorf("error rate %q must be a percentage from 0%% to 100%%", raw)
			}
			return f / 100, nil
		}
		f, err := strconv.ParseFloat(raw, 64)
		if err != nil || f < 0 || f > 1 || math.IsNaN(f) {
			return 0, fmt.Errorf("error rate %q must be a percentage (1%%) or a fraction from 0 to 1", raw)
		}
		return f, nil
	default:
		f, err := strconv.ParseFloat(raw, 64)
		if err != nil || f < 0 || math.IsNaN(f) || math.IsInf(f, 0) {
			unit := "rps"
			switch kind {
			case KindPerCPU:
				unit = "requests per CPU-second"
			case KindTokens:
				unit = "tokens per second"
			}
			return 0, fmt.Errorf("%s %q must be a non-negative number", unit, raw)
		}
		return f, nil
	}
}

// String renders the SLO back in the grammar.
func (s SLO) String() string {
	parts := make([]string, len(s))
	for i, c := range s {
		parts[i] = c.Text
	}
	return strings.Join(parts, ",")
}

// Holds reports whether measured satisfies the condition.
func (c Condition) Holds(measured float64) bool {
	return c.holdsWithin(measured, 0)
}

// holdsWithin allows the measured value to miss the limit by margin, a
// fraction of the limit (0.1 = 10 %).
func (c Condition) holdsWithin(measured, margin float64) bool {
	limit := c.Value
	switch c.Op {
	case "<":
		if margin == 0 {
			return measured < limit
		}
		return measured <= limit*(1+margin)
	case "<=":
		return measured <= limit*(1+margin)
	case ">":
		if margin == 0 {
			return measured > limit
		}
		return measured >= limit*(1-margin)
	case ">=":
		return measured >= limit*(1-margin)
	}
	return false
}

// Format renders a value of the condition's kind for humans.
func (c Condition) Format(v float64) string { return FormatValue(c.Kind, v) }

// FormatValue renders a value of kind k for humans: latencies as ms or s,
// CPU per request as µs or ms, rates as percentages, rps and requests per
// CPU-second as numbers, output tokens per second as "212.5 tokens/s".
func FormatValue(k Kind, v float64) string {
	switch k {
	case KindTokens:
		return strconv.FormatFloat(v, 'f', 1, 64) + " tokens/s"
	case KindCPU:
		if v < 1 {
			return strconv.FormatFloat(v*1000, 'f', 1, 64) + "µs"
		}
		return strconv.FormatFloat(v, 'f', 2, 64) + "ms"
	case KindPerCPU:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case KindLatency, KindStreamLatency:
		if v >= 1000 {
			return strconv.FormatFloat(v/1000, 'f', 2, 64) + "s"
		}
		return strconv.FormatFloat(v, 'f', 1, 64) + "ms"
	case KindRate:
		return strconv.FormatFloat(v*100, 'f', 2, 64) + "%"
	default:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
}

// Evaluate checks every condition against rec and returns the verdict; each
// breach reads like "p95 1.80s breaches p95<1s".
func (s SLO) Evaluate(rec record.Record) record.SLOResult {
	return s.EvaluateWithin(rec, 0)
}

// EvaluateWithin is Evaluate with a tolerance: a condition only breaches
// when the measured value misses its limit by more than margin (a fraction
// of the limit). Stop conditions use it so that noise does not end a ramp.
func (s SLO) EvaluateWithin(rec record.Record, margin float64) record.SLOResult {
	res := record.SLOResult{Pass: true, Breaches: []string{}}
	for _, c := range s {
		v, ok := Measure(c.Metric, rec)
		if !ok {
			res.Pass = false
			res.Breaches = append(res.Breaches, fmt.Sprintf("%s not measured (%s) breaches %s", c.Metric, NotMeasured(c.Metric, rec), c.Text))
			continue
		}
		if !c.holdsWithin(v, margin) {
			res.Pass = false
			res.Breaches = append(res.Breaches, fmt.Sprintf("%s %s breaches %s", c.Metric, c.Format(v), c.Text))
		}
	}
	return res
}

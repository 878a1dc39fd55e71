package slo

import (
	"strings"

	"github.com/loadlab/loadlab/record"
)

// Measure returns the value of metric in rec, in the metric's canonical
// unit. It is false for an unknown metric and for a latency of a step that
// has none (no result arrived, or none succeeded for the _ok metrics), for
// a CPU cost of a step without one (no target telemetry, as under the url
// runtime, or no request), for a streaming latency the step did not
// measure (no streamed response, or none that carried content),
// output_tokens_per_s of a step without streamed responses and
// goodput_rps of a step without it: such a step has no value to compare,
// and every verdict treats it as a breach (NotMeasured says why).
func Measure(metric string, rec record.Record) (float64, bool) {
	switch metric {
	case OutputTokensPerS:
		if rec.Streamed == 0 {
			return 0, false
		}
		return rec.OutputTokensPerS, true
	case GoodputRPS:
		if rec.GoodputRPS == nil {
			return 0, false
		}
		return *rec.GoodputRPS, true
	case "error_rate":
		return rec.ErrorRate, true
	case "rps":
		return rec.RPS, true
	case "ok_rps":
		return rec.OKRPS, true
	case "cpu_per_request":
		if rec.Target == nil || rec.Target.CPUPerRequestMs <= 0 {
			return 0, false
		}
		return rec.Target.CPUPerRequestMs, true
	case "requests_per_cpu_s":
		if rec.Target == nil || rec.Target.RequestsPerCPUS <= 0 {
			return 0, false
		}
		return rec.Target.RequestsPerCPUS, true
	}
	if name, ok := strings.CutSuffix(metric, "_ok"); ok {
		return rec.LatencyOK.Value(name)
	}
	if l, stat, ok := streamLatency(metric, rec); ok {
		return l.Value(stat)
	}
	return rec.Latency.Value(metric)
}

// streamLatency splits a streaming latency metric (ttft_p95) into the
// record's summary (rec.TTFT) and its statistic (p95); false for any other
// metric.
func streamLatency(metric string, rec record.Record) (*record.Latency, string, bool) {
	prefix, stat, ok := strings.Cut(metric, "_")
	if !ok {
		return nil, "", false
	}
	switch prefix {
	case "ttft":
		return rec.TTFT, stat, true
	case "itl":
		return rec.ITL, stat, true
	case "tpot":
		return rec.TPOT, stat, true
	}
	return nil, "", false
}

// NotMeasured says why rec has no value of metric (Measure is false), for
// a breach's text: "no answers", "no target CPU telemetry or no
// requests", "no streamed responses", …
func NotMeasured(metric string, rec record.Record) string {
	kind := metrics[metric]
	switch {
	case kind == KindCPU || kind == KindPerCPU:
		return "no target CPU telemetry or no requests"
	case metric == GoodputRPS:
		return "no streamed responses and no goodput conditions"
	case kind == KindStreamLatency || kind == KindTokens:
		if rec.Streamed == 0 {
			return "no streamed responses"
		}
		if strings.HasPrefix(metric, "ttft") {
			return "no streamed response carried content"
		}
		return "no streamed response of two tokens or more"
	}
	return "no answers"
}

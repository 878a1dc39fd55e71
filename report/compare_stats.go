package report

import (
	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/report/significance"
	"github.com/loadlab/loadlab/slo"
)

// CompareAlpha is the significance level of compare's statistics: a change
// is significant when the two-sided Mann-Whitney U p-value of the two
// runs' repeats is below it (benchstat's default level).
const CompareAlpha = 0.05

// MetricCapacity names the capacity in a StatRow: the highest offered load
// each repeat served within the SLO, in the run's unit (users or req/s).
const MetricCapacity = "capacity"

// statMetric is one metric that compare tests across repeats.
type statMetric struct {
	// name is the SLO metric name (measured by slo.Measure on each repeat
	// of the step at the target), or MetricCapacity.
	name string
	// label is the metric as the tables show it.
	label string
	// kind is the metric's unit; unused for MetricCapacity.
	kind slo.Kind
}

// statMetrics are the metrics of compare's statistics, in display order:
// those a CI gate uses.
var statMetrics = []statMetric{
	{"p95", "p95 @ target", slo.KindLatency},
	{"p50", "p50 @ target", slo.KindLatency},
	{"rps", "rps @ target", slo.KindRPS},
	{"error_rate", "errors @ target", slo.KindRate},
	{"cpu_per_request", "CPU per request @ target", slo.KindCPU},
	{"requests_per_cpu_s", "requests per CPU-s @ target", slo.KindPerCPU},
	{MetricCapacity, "capacity", slo.KindRPS},
}

// streamStatMetrics are compared after statMetrics when either run has
// streamed responses (Analysis.Streaming), and only then, so that other
// comparisons stay as they were.
var streamStatMetrics = []statMetric{
	{"ttft_p95", "TTFT p95 @ target", slo.KindStreamLatency},
	{"tpot_p95", "TPOT p95 @ target", slo.KindStreamLatency},
	{"itl_p95", "ITL p95 @ target", slo.KindStreamLatency},
	{slo.OutputTokensPerS, "output tokens/s @ target", slo.KindTokens},
	{slo.GoodputRPS, "goodput @ target", slo.KindRPS},
}

// statMetricsFor are the metrics compared: statMetrics, and
// streamStatMetrics when streaming.
func statMetricsFor(streaming bool) []statMetric {
	if !streaming {
		return statMetrics
	}
	return append(append([]statMetric{}, statMetrics...), streamStatMetrics...)
}

// StatRow is one metric of one configuration compared across the repeats
// of two runs: run A is the baseline, run B the new run.
type StatRow struct {
	Config string
	// Metric is an SLO metric name ("p95", "p50", "rps", "error_rate",
	// "cpu_per_request", "requests_per_cpu_s", and for streamed responses
	// "ttft_p95", "tpot_p95", "itl_p95", "output_tokens_per_s",
	// "goodput_rps") taken at each run's target step, or MetricCapacity.
	Metric string
	// A and B are the per-repeat values in the metric's canonical unit
	// (milliseconds for latencies and CPU per request, a fraction for the
	// error rate, requests per second, requests per CPU-second, the
	// offered load for the capacity). Empty when the side has none.
	A, B []float64
	// MissingA and MissingB say why a side has no values ("not reached",
	// "no answers", "not measured", or a capacity in another unit); empty
	// when it has values.
	MissingA, MissingB string
	// Tested is true when both sides have values; Change is then B
	// against A at the Comparison's Alpha (with one repeat on a side it
	// holds the plain change and no p-value).
	Tested bool
	Change significance.Change
}

// compareStats computes the statistics of every configuration measured in
// both runs of rows, metric by metric in statMetricsFor(streaming) order.
// unitA and unitB are the runs' offered-load units: capacities in
// different units are not compared. It is pure: the same rows always give
// the same result.
func compareStats(rows []CompareRow, unitA, unitB string, alpha float64, streaming bool) []StatRow {
	out := []StatRow{}
	for _, r := range rows {
		if !r.InA || !r.InB {
			continue
		}
		for _, m := range statMetricsFor(streaming) {
			s := StatRow{Config: r.Config, Metric: m.name}
			s.A, s.MissingA = repeatValues(r.CapA, m)
			s.B, s.MissingB = repeatValues(r.CapB, m)
			if m.name == MetricCapacity && unitA != unitB && s.MissingB == "" {
				s.MissingB = "in " + unitB + ", A in " + unitA
			}
			if s.MissingA == "" && s.MissingB == "" {
				s.Tested, s.Change = true, significance.Compare(s.A, s.B, alpha)
			}
			out = append(out, s)
		}
	}
	return out
}

// repeatValues returns metric m of configuration c, one value per repeat:
// the capacity of each repeat, or the metric of each repeat combined into
// the step at the target. A metric some repeat did not measure gives no
// values (as the combined step never averages a missing value in), and the
// reason instead.
func repeatValues(c ConfigResult, m statMetric) ([]float64, string) {
	if m.name == MetricCapacity {
		if len(c.repeatCaps) == 0 {
			return nil, "not measured"
		}
		return c.repeatCaps, ""
	}
	return stepValues(c, c.TargetStep, m)
}

// stepValues returns metric m (not MetricCapacity) of step i of
// configuration c, one value per repeat combined into the step, or why it
// has none ("not reached", "not measured", NoAnswersText).
func stepValues(c ConfigResult, i int, m statMetric) ([]float64, string) {
	st, ok := c.Step(i)
	if !ok {
		return nil, "not reached"
	}
	if len(st.repeats) == 0 {
		return nil, "not measured"
	}
	vs := make([]float64, 0, len(st.repeats))
	for _, r := range st.repeats {
		v, ok := slo.Measure(m.name, r)
		if !ok {
			return nil, missingText(m, r)
		}
		vs = append(vs, v)
	}
	return vs, ""
}

// missingText says why slo.Measure found no value of m in r: no answers,
// for a streaming metric slo.NotMeasured's reason ("no streamed
// responses"), else "not measured".
func missingText(m statMetric, r record.Record) string {
	switch {
	case m.kind.Milliseconds() && r.Latency == nil:
		return NoAnswersText
	case m.kind == slo.KindStreamLatency || m.kind == slo.KindTokens || m.name == slo.GoodputRPS:
		return slo.NotMeasured(m.name, r)
	}
	return "not measured"
}

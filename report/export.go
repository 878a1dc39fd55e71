package report

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/loadlab/loadlab/record"
)

// SummaryVersion is the version of summary.json's layout.
const SummaryVersion = 1

// summary is the layout of summary.json.
type summary struct {
	Version int `json:"version"`
	Analysis
}

// WriteSummary renders summary.json: the whole Analysis (per-configuration
// results with their combined steps, the recommendation, the warnings) as
// indented JSON. Units follow the step record: latencies in ms, rates as
// fractions, CPU and memory use in percent of the limit.
func WriteSummary(w io.Writer, a Analysis) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(summary{Version: SummaryVersion, Analysis: a}); err != nil {
		return fmt.Errorf("write summary.json: %w", err)
	}
	return nil
}

// StepsCSVHeader is the header row of steps.csv. Columns are only ever
// added at the end, so a column keeps its position: the search_ columns
// are the step's search mark (record.Search), empty for a plain ramp; the
// two after them are the target's CPU time per request in ms and requests
// per target CPU-second (record.Target.CPUPerRequestMs, RequestsPerCPUS),
// empty when not measured; the last ones are the streamed responses
// (record.Stream and the TTFT, ITL and TPOT summaries in ms), present in
// every steps.csv and empty in a step without streamed responses (a
// summary the step did not measure, and goodput_rps when nil, are empty
// too).
var StepsCSVHeader = []string{
	"run", "repeat", "step", "config", "cpus", "memory_bytes", "replicas", "runtime", "approximate",
	"started_at", "window_s", "model", "users", "rate", "think_min_s", "think_max_s",
	"requests", "successes", "errors", "dropped", "rps", "ok_rps", "error_rate",
	"latency_min_ms", "latency_mean_ms", "latency_p50_ms", "latency_p90_ms", "latency_p95_ms", "latency_p99_ms", "latency_max_ms",
	"latency_ok_p95_ms", "latency_ok_p99_ms",
	"generator_cpu_pct", "generator_cpu_available_pct", "generator_saturated",
	"target_cpu_cores", "target_cpu_pct_of_limit", "target_memory_bytes", "target_memory_pct_of_limit",
	"target_throttled_s", "target_oom_kills", "target_restarts",
	"slo_pass", "slo_breaches", "partial", "stop_reason", "failure",
	"search_kind", "search_phase", "search_probe", "search_verdict", "search_trial",
	"target_cpu_per_request_ms", "target_requests_per_cpu_s",
	"streamed", "ttft_p50_ms", "ttft_p95_ms", "ttft_p99_ms", "itl_p50_ms", "itl_p95_ms", "itl_p99_ms",
	"tpot_p50_ms", "tpot_p95_ms", "tpot_p99_ms", "output_tokens", "output_tokens_per_s", "input_tokens", "tokens_from",
	"goodput_requests", "goodput_rps",
}

// Positions in StepsCSVHeader of the groups of columns a row fills in
// only when the record has them.
var (
	csvTargetCol = slices.Index(StepsCSVHeader, "target_cpu_cores")
	csvSearchCol = slices.Index(StepsCSVHeader, "search_kind")
	csvCostCol   = slices.Index(StepsCSVHeader, "target_cpu_per_request_ms")
	csvStreamCol = slices.Index(StepsCSVHeader, "streamed")
)

// WriteStepsCSV renders every record as one row of steps.csv (repeats and
// failed configurations included), columns as StepsCSVHeader. Latencies
// of a step without answers (null in steps.jsonl) are empty cells.
func WriteStepsCSV(w io.Writer, recs []record.Record) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(StepsCSVHeader); err != nil {
		return fmt.Errorf("write steps.csv: %w", err)
	}
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	i := func(v int64) string { return strconv.FormatInt(v, 10) }
	b := strconv.FormatBool
	measured := func(v float64) string { // 0: not measured (record.Target.SetCost)
		if v <= 0 {
			return ""
		}
		return f(v)
	}
	for _, r := range recs {
		started := ""
		if !r.StartedAt.IsZero() {
			started = r.StartedAt.UTC().Format(time.RFC3339)
		}
		row := []string{
			r.Run, strconv.Itoa(r.Repeat), strconv.Itoa(r.Step), r.Config.Name, f(r.Config.CPUs), i(int64(r.Config.MemoryBytes)),
			strconv.Itoa(r.Config.Replicas), r.Config.Runtime, b(r.Config.Approximate),
			started, f(r.WindowS), r.Load.Model, strconv.Itoa(r.Load.Users), f(r.Load.Rate), f(r.Load.ThinkMinS), f(r.Load.ThinkMaxS),
			i(r.Requests), i(r.Successes), i(r.Errors), i(r.Dropped), f(r.RPS), f(r.OKRPS), f(r.ErrorRate),
			lat(r.Latency, "min"), lat(r.Latency, "mean"), lat(r.Latency, "p50"), lat(r.Latency, "p90"), lat(r.Latency, "p95"), lat(r.Latency, "p99"), lat(r.Latency, "max"),
			lat(r.LatencyOK, "p95"), lat(r.LatencyOK, "p99"),
			f(r.Generator.CPUPct), f(r.Generator.CPUAvailablePct), b(r.Generator.Saturated),
			"", "", "", "", "", "", "",
			b(r.SLO.Pass), strings.Join(r.SLO.Breaches, "; "), b(r.Partial), r.StopReason, r.Failure,
			"", "", "", "", "",
			"", "",
		}
		row = append(row, streamCSV(r)...)
		if t := r.Target; t != nil {
			copy(row[csvTargetCol:], []string{f(t.CPUCores), f(t.CPUPctOfLimit), i(t.MemoryBytes), f(t.MemoryPctOfLimit),
				f(t.ThrottledS), strconv.Itoa(t.OOMKills), strconv.Itoa(t.Restarts)})
			copy(row[csvCostCol:], []string{measured(t.CPUPerRequestMs), measured(t.RequestsPerCPUS)})
		}
		if s := r.Search; s != nil {
			copy(row[csvSearchCol:], []string{s.Kind, s.Phase, strconv.Itoa(s.Probe), s.Verdict, s.Trial})
		}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("write steps.csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write steps.csv: %w", err)
	}
	return nil
}

// streamCSV renders the streaming columns of r (StepsCSVHeader from
// "streamed"): all empty for a step without streamed responses.
func streamCSV(r record.Record) []string {
	out := make([]string, len(StepsCSVHeader)-csvStreamCol)
	if !streamedStep(r) {
		return out
	}
	i := func(v int64) string { return strconv.FormatInt(v, 10) }
	goodput := ""
	if r.GoodputRPS != nil {
		goodput = strconv.FormatFloat(*r.GoodputRPS, 'f', -1, 64)
	}
	copy(out, []string{i(r.Streamed),
		lat(r.TTFT, "p50"), lat(r.TTFT, "p95"), lat(r.TTFT, "p99"),
		lat(r.ITL, "p50"), lat(r.ITL, "p95"), lat(r.ITL, "p99"),
		lat(r.TPOT, "p50"), lat(r.TPOT, "p95"), lat(r.TPOT, "p99"),
		i(r.OutputTokens), strconv.FormatFloat(r.OutputTokensPerS, 'f', -1, 64), i(r.InputTokens), r.TokensFrom,
		i(r.GoodputRequests), goodput})
	return out
}

// lat renders a latency statistic in ms for CSV: empty when not measured.
func lat(l *record.Latency, name string) string {
	v, ok := l.Value(name)
	if !ok {
		return ""
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

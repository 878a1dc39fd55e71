package report

import (
	"slices"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/slo"
)

// StepStream is the streamed responses (stream: sse or ndjson) of a
// combined step: every Stat is the median across its repeats with their
// min–max, latencies in milliseconds, tokens per second, requests per
// second. A latency pointer is nil (JSON null) when some repeat did not
// measure it, as StepResult's latencies are: TTFT when no stream of the
// repeat carried content (every stream failed), ITL and TPOT when none
// had two tokens; GoodputRPS when some repeat has none.
type StepStream struct {
	Streamed         Stat  `json:"streamed"`
	TTFTP50          *Stat `json:"ttft_p50_ms"`
	TTFTP95          *Stat `json:"ttft_p95_ms"`
	ITLP95           *Stat `json:"itl_p95_ms"`
	TPOTP95          *Stat `json:"tpot_p95_ms"`
	OutputTokens     Stat  `json:"output_tokens"`
	OutputTokensPerS Stat  `json:"output_tokens_per_s"`
	GoodputRPS       *Stat `json:"goodput_rps"`
}

// streamedStep reports whether r measured streamed responses.
func streamedStep(r record.Record) bool { return r.Failure == "" && r.HasStreams() }

// hasStreams reports whether any measured step of recs streamed: the
// reports then show the streaming columns and plots.
func hasStreams(recs []record.Record) bool { return slices.ContainsFunc(recs, streamedStep) }

// combineStream combines the streamed responses of the repeats used; nil
// when none of them streamed.
func combineStream(used []record.Record) *StepStream {
	if !slices.ContainsFunc(used, streamedStep) {
		return nil
	}
	pick := func(f func(record.Record) float64) Stat {
		vs := make([]float64, len(used))
		for i, r := range used {
			vs[i] = f(r)
		}
		return statOf(vs)
	}
	return &StepStream{
		Streamed:         pick(func(r record.Record) float64 { return float64(r.Streamed) }),
		TTFTP50:          measuredStat(used, "ttft_p50"),
		TTFTP95:          measuredStat(used, "ttft_p95"),
		ITLP95:           measuredStat(used, "itl_p95"),
		TPOTP95:          measuredStat(used, "tpot_p95"),
		OutputTokens:     pick(func(r record.Record) float64 { return float64(r.OutputTokens) }),
		OutputTokensPerS: pick(func(r record.Record) float64 { return r.OutputTokensPerS }),
		GoodputRPS:       measuredStat(used, slo.GoodputRPS),
	}
}

// targetLatencyText is what the recommendation says of the step at the
// target: "p95 442 ms, 0.1 % errors", or for streamed responses the times
// users feel, "TTFT p95 400 ms, TPOT p95 45 ms, 0 % errors".
func targetLatencyText(st StepResult) string {
	errs := formatPct(st.ErrorRate.Median) + " errors"
	s := st.Stream
	if s == nil || s.TTFTP95 == nil {
		return "p95 " + latencyText(st.P95) + ", " + errs
	}
	out := "TTFT p95 " + formatMs(s.TTFTP95.Median)
	if s.TPOTP95 != nil {
		out += ", TPOT p95 " + formatMs(s.TPOTP95.Median)
	}
	return out + ", " + errs
}

// measuredStat combines metric (of the SLO grammar) across recs; nil when
// some record did not measure it (a missing value is never outvoted).
func measuredStat(recs []record.Record, metric string) *Stat {
	vs := make([]float64, len(recs))
	for i, r := range recs {
		v, ok := slo.Measure(metric, r)
		if !ok {
			return nil
		}
		vs[i] = v
	}
	s := statOf(vs)
	return &s
}

// medianStream sets the streaming measurements of med, the median record
// of the repeats used (medianRecord): the median of each statistic of
// TTFT, ITL and TPOT (nil when some repeat lacks the summary), of the
// output tokens per second and of goodput_rps (nil when some repeat lacks
// it). Streamed is the fewest streamed responses of a repeat, so that a
// repeat without any leaves output_tokens_per_s unmeasured.
func medianStream(med *record.Record, used []record.Record, summary func(func(record.Record) *record.Latency) *record.Latency) {
	med.TTFT = summary(func(r record.Record) *record.Latency { return r.TTFT })
	med.ITL = summary(func(r record.Record) *record.Latency { return r.ITL })
	med.TPOT = summary(func(r record.Record) *record.Latency { return r.TPOT })
	if len(used) == 0 {
		return
	}
	streamed := make([]float64, len(used))
	perS := make([]float64, len(used))
	for i, r := range used {
		streamed[i], perS[i] = float64(r.Streamed), r.OutputTokensPerS
	}
	med.Streamed = int64(statOf(streamed).Min)
	med.OutputTokensPerS = statOf(perS).Median
	if g := measuredStat(used, slo.GoodputRPS); g != nil {
		v := g.Median
		med.GoodputRPS = &v
	}
}

package report

import (
	"strings"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/slo"
)

// The plots of a run with streamed responses (StreamPlots).
const (
	PlotTTFT    = "ttft_vs_users"
	PlotITL     = "itl_vs_users"
	PlotTokens  = "tokens_vs_users"
	PlotGoodput = "goodput_vs_users"
)

// streamPlots are the streaming plots in report order.
var streamPlots = []string{PlotTTFT, PlotITL, PlotTokens, PlotGoodput}

func init() {
	PlotTitles[PlotTTFT] = "Time to first token (p50 and p95) vs load"
	PlotTitles[PlotITL] = "Inter-token latency and time per output token (p95) vs load"
	PlotTitles[PlotTokens] = "Output tokens per second vs load"
	PlotTitles[PlotGoodput] = "Goodput (requests/s meeting every goodput condition) vs load"
}

// StreamPlots are the plots of a run with streamed responses, drawn after
// Plots: TTFT p50 and p95, ITL and TPOT p95, output tokens/s and goodput,
// each per configuration against the offered load; none for another run.
func StreamPlots(a Analysis) []string {
	if !a.Streaming {
		return nil
	}
	return streamPlots
}

// ReportPlots are the plots report.md, report.html and WriteAll draw for
// a (SearchPlots sit in the search section): Plots, then StreamPlots.
func ReportPlots(a Analysis) []string {
	return append(append([]string{}, Plots...), StreamPlots(a)...)
}

// streamFigure draws plot name (one of streamPlots) of a.
func streamFigure(a Analysis, name string) figure {
	var pn panel
	stat := func(f func(*StepStream) *Stat) func(StepResult) *Stat {
		return func(st StepResult) *Stat {
			if st.Stream == nil {
				return nil
			}
			return f(st.Stream)
		}
	}
	var lines func(c ConfigResult, col int) []series
	var mark func(record.Record) (float64, bool)
	switch name {
	case PlotTTFT:
		pn = panel{ylabel: "time to first token (ms, log scale)", logY: true}
		lines = func(c ConfigResult, col int) []series {
			p95 := stepSeries(c, c.Name+" p95", col, stat(func(s *StepStream) *Stat { return s.TTFTP95 }), 1)
			p50 := stepSeries(c, c.Name+" p50", col, stat(func(s *StepStream) *Stat { return s.TTFTP50 }), 1)
			p50.glyphs, p50.lo, p50.hi, p50.dashed = false, nil, nil, true
			return []series{p95, p50}
		}
		mark = func(r record.Record) (float64, bool) { return r.TTFT.Value("p95") }
		pn.hlines = sloLinesWhere(a.sloConds, 1, prefixed("ttft_"))
	case PlotITL:
		pn = panel{ylabel: "latency between tokens (ms, log scale)", logY: true}
		lines = func(c ConfigResult, col int) []series {
			itl := stepSeries(c, c.Name+" ITL p95", col, stat(func(s *StepStream) *Stat { return s.ITLP95 }), 1)
			tpot := stepSeries(c, c.Name+" TPOT p95", col, stat(func(s *StepStream) *Stat { return s.TPOTP95 }), 1)
			tpot.glyphs, tpot.lo, tpot.hi, tpot.dashed = false, nil, nil, true
			return []series{itl, tpot}
		}
		mark = func(r record.Record) (float64, bool) { return r.ITL.Value("p95") }
		pn.hlines = sloLinesWhere(a.sloConds, 1, prefixed("itl_", "tpot_"))
	case PlotTokens:
		pn = panel{ylabel: "output tokens per second", yMin0: true}
		lines = func(c ConfigResult, col int) []series {
			return []series{stepSeries(c, c.Name, col, stat(func(s *StepStream) *Stat { return &s.OutputTokensPerS }), 1)}
		}
		mark = func(r record.Record) (float64, bool) { return r.OutputTokensPerS, streamedStep(r) }
		pn.hlines = sloLinesWhere(a.sloConds, 1, prefixed(slo.OutputTokensPerS))
	case PlotGoodput:
		pn = panel{ylabel: "requests per second", yMin0: true}
		lines = func(c ConfigResult, col int) []series {
			good := stepSeries(c, c.Name+" goodput", col, stat(func(s *StepStream) *Stat { return s.GoodputRPS }), 1)
			ok := stepSeries(c, c.Name+" successes", col, func(st StepResult) *Stat { return &st.OKRPS }, 1)
			ok.glyphs, ok.lo, ok.hi, ok.dashed = false, nil, nil, true
			return []series{good, ok}
		}
		mark = func(r record.Record) (float64, bool) { return slo.Measure(slo.GoodputRPS, r) }
		pn.hlines = sloLinesWhere(a.sloConds, 1, prefixed(slo.GoodputRPS))
	}
	viewLines(&pn, []runView{{a: a}}, func(_ runView, c ConfigResult, col int) []series { return lines(c, col) }, mark)
	return figure{xlabel: xLabel(a), panels: []panel{pn}}
}

// prefixed selects the conditions whose metric starts with one of ps.
func prefixed(ps ...string) func(slo.Condition) bool {
	return func(c slo.Condition) bool {
		for _, p := range ps {
			if strings.HasPrefix(c.Metric, p) {
				return true
			}
		}
		return false
	}
}

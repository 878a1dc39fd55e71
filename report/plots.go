package report

import (
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strings"

	"gonum.org/v1/plot/plotter"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/slo"
)

// Plot names; WriteAll writes each as plots/<name>.png and .svg.
const (
	PlotRPS       = "rps_vs_users"
	PlotLatency   = "latency_vs_users"
	PlotErrors    = "errors_vs_users"
	PlotResources = "resources_vs_users"
	PlotTimeline  = "timeline"
	// PlotSearch is drawn only for a run with a limit search (SearchPlots).
	PlotSearch = "search_trials"
)

// Plots lists every plot in report order.
var Plots = []string{PlotRPS, PlotLatency, PlotErrors, PlotResources, PlotTimeline}

// PlotTitles are the human titles of the plots.
var PlotTitles = map[string]string{
	PlotRPS:       "Throughput vs load",
	PlotLatency:   "Latency (p95 and p99) vs load",
	PlotErrors:    "Error rate vs load",
	PlotResources: "CPU and memory use (% of limit) vs load",
	PlotTimeline:  "Timeline of the run: throughput and p95",
	PlotSearch:    "Limit search: the trials, CPU per replica vs verdict",
}

// SearchPlots are the plots of a's searches, drawn besides Plots: the
// limit search's trials when it ran any; none otherwise.
func SearchPlots(a Analysis) []string {
	if a.Search != nil && a.Search.Limits != nil && hasTrials(a.Search.Limits) {
		return []string{PlotSearch}
	}
	return nil
}

// WritePlot renders plot name (one of Plots, StreamPlots or SearchPlots) of a in format "png" or "svg",
// PlotWidthPx × PlotHeightPx, one line per configuration.
func WritePlot(w io.Writer, a Analysis, name, format string) error {
	f, err := plotFigure(a, name)
	if err != nil {
		return err
	}
	return writeFigure(w, f, format)
}

func plotFigure(a Analysis, name string) (figure, error) {
	var f figure
	switch name {
	case PlotRPS:
		f = rpsFigure([]runView{{a: a}})
	case PlotLatency:
		f = latencyFigure([]runView{{a: a}})
	case PlotErrors:
		f = errorsFigure(a)
	case PlotResources:
		f = resourcesFigure(a)
	case PlotTimeline:
		f = timelineFigure(a)
	case PlotSearch:
		f = searchFigure(a)
	case PlotTTFT, PlotITL, PlotTokens, PlotGoodput:
		f = streamFigure(a, name)
	default:
		return f, fmt.Errorf("unknown plot %q (one of %s)", name, strings.Join(slices.Concat(Plots, streamPlots, []string{PlotSearch}), ", "))
	}
	f.title = PlotTitles[name] + " — " + a.Title
	if !hasData(f) {
		f.note = "no measured steps"
	}
	return f, nil
}

func hasData(f figure) bool {
	for _, p := range f.panels {
		for _, s := range p.series {
			if len(s.xy) > 0 {
				return true
			}
		}
	}
	return false
}

// runView is one run drawn in a plot; prefix labels its lines and dashed
// draws them dashed (compare draws run B dashed).
type runView struct {
	a      Analysis
	prefix string
	dashed bool
	colors map[string]int
}

func (v runView) color(i int, name string) int {
	if v.colors != nil {
		return v.colors[name]
	}
	return i
}

func xLabel(a Analysis) string {
	switch a.Model {
	case record.ModelRate:
		return "offered load (req/s, open loop)"
	case "mixed":
		return "offered load (users or req/s)"
	}
	return "offered load (concurrent users)"
}

// stepSeries builds one configuration's line of metric f, with min–max
// bars when repeats disagree; untrustworthy steps, and steps where f is
// nil (a latency of a step without answers), are left out.
func stepSeries(c ConfigResult, label string, col int, f func(StepResult) *Stat, scale float64) series {
	s := series{label: label, color: palette[col%len(palette)], glyphs: true}
	spread := false
	var lo, hi []float64
	for _, st := range c.Steps {
		if st.Untrustworthy {
			continue
		}
		v := f(st)
		if v == nil {
			continue
		}
		s.xy = append(s.xy, plotter.XY{X: st.Offered, Y: v.Median * scale})
		lo, hi = append(lo, v.Min*scale), append(hi, v.Max*scale)
		spread = spread || v.Spread()
	}
	if spread {
		s.lo, s.hi = lo, hi
	}
	return s
}

// saturatedMarks are the raw generator-saturated steps of a run, metric
// f (false: not measured, no mark).
func saturatedMarks(a Analysis, f func(record.Record) (float64, bool)) plotter.XYs {
	var xy plotter.XYs
	for _, r := range a.records {
		if r.Failure == "" && r.Generator.Saturated {
			if y, ok := f(r); ok {
				xy = append(xy, plotter.XY{X: r.Offered(), Y: y})
			}
		}
	}
	return xy
}

// viewLines draws each measured configuration of each view: lines gives
// its series (col: its colour index), and mark, when not nil, the metric
// whose generator-saturated steps each view marks.
func viewLines(pn *panel, views []runView, lines func(v runView, c ConfigResult, col int) []series, mark func(record.Record) (float64, bool)) {
	for _, v := range views {
		for i, c := range v.a.Configs {
			if len(c.Steps) > 0 {
				pn.series = append(pn.series, lines(v, c, v.color(i, c.Name))...)
			}
		}
		if mark != nil {
			pn.marks = append(pn.marks, saturatedMarks(v.a, mark)...)
		}
	}
}

func rpsFigure(views []runView) figure {
	a := views[0].a
	pn := panel{ylabel: "throughput (req/s)", yMin0: true}
	viewLines(&pn, views, func(v runView, c ConfigResult, col int) []series {
		s := stepSeries(c, v.prefix+c.Name, col, func(st StepResult) *Stat { return &st.RPS }, 1)
		s.dashed = v.dashed
		return []series{s}
	}, func(r record.Record) (float64, bool) { return r.RPS, true })
	if ideal := idealSeries(a); len(ideal.xy) > 0 {
		pn.series = append(pn.series, ideal)
	}
	return figure{xlabel: xLabel(a), panels: []panel{pn}}
}

// idealSeries is the throughput the offered load would give without
// queueing, from the configuration with the most steps.
func idealSeries(a Analysis) series {
	var best ConfigResult
	for _, c := range a.Configs {
		if len(c.Steps) > len(best.Steps) {
			best = c
		}
	}
	s := series{label: "offered load without queueing", color: limitColor, dashed: true}
	for _, st := range best.Steps {
		if st.ExpectedRPS > 0 {
			s.xy = append(s.xy, plotter.XY{X: st.Offered, Y: st.ExpectedRPS})
		}
	}
	return s
}

func latencyFigure(views []runView) figure {
	a := views[0].a
	pn := panel{ylabel: "latency (ms, log scale)", logY: true}
	viewLines(&pn, views, func(v runView, c ConfigResult, col int) []series {
		p95 := stepSeries(c, v.prefix+c.Name+" p95", col, func(st StepResult) *Stat { return st.P95 }, 1)
		p95.dashed = v.dashed
		if len(views) > 1 {
			return []series{p95}
		}
		p99 := stepSeries(c, v.prefix+c.Name+" p99", col, func(st StepResult) *Stat { return st.P99 }, 1)
		p99.glyphs, p99.lo, p99.hi, p99.dashed = false, nil, nil, true
		return []series{p95, p99}
	}, func(r record.Record) (float64, bool) { return r.Latency.Value("p95") })
	pn.hlines = sloLines(a.sloConds, slo.KindLatency, 1)
	return figure{xlabel: xLabel(a), panels: []panel{pn}}
}

func errorsFigure(a Analysis) figure {
	pn := panel{ylabel: "error rate (%)", yMin0: true}
	viewLines(&pn, []runView{{a: a}}, func(_ runView, c ConfigResult, col int) []series {
		return []series{stepSeries(c, c.Name, col, func(st StepResult) *Stat { return &st.ErrorRate }, 100)}
	}, func(r record.Record) (float64, bool) { return r.ErrorRate * 100, true })
	pn.hlines = sloLines(a.sloConds, slo.KindRate, 100)
	for _, h := range pn.hlines {
		pn.yMinMax = math.Max(pn.yMinMax, h.y*1.5)
	}
	return figure{xlabel: xLabel(a), panels: []panel{pn}}
}

func resourcesFigure(a Analysis) figure {
	pn := panel{ylabel: "use (% of the configuration's limit)", yMin0: true, yMinMax: 100}
	viewLines(&pn, []runView{{a: a}}, func(_ runView, c ConfigResult, col int) []series {
		if !c.Steps[0].HasTarget {
			return nil
		}
		for _, st := range c.Steps {
			if st.OOMKills > 0 {
				pn.oom = append(pn.oom, plotter.XY{X: st.Offered, Y: 100})
			}
		}
		cpu := stepSeries(c, c.Name+" CPU", col, func(st StepResult) *Stat { return &st.CPUPct }, 1)
		mem := stepSeries(c, c.Name+" memory", col, func(st StepResult) *Stat { return &st.MemPct }, 1)
		mem.dashed, mem.glyphs, mem.lo, mem.hi = true, false, nil, nil
		return []series{cpu, mem}
	}, nil)
	pn.hlines = []refLine{{label: "limit (100 %)", y: 100, color: limitColor}}
	return figure{xlabel: xLabel(a), panels: []panel{pn}}
}

// timelineFigure plots every step of the run against time: throughput on
// top, p95 below, step starts as thin lines and each deployment's first
// step as a dashed line.
func timelineFigure(a Analysis) figure {
	top := panel{ylabel: "throughput (req/s)", yMin0: true}
	bottom := panel{ylabel: "p95 (ms, log scale)", logY: true}
	t0 := a.StartedAt
	colors := map[string]int{}
	for i, c := range a.Configs {
		colors[c.Name] = i
	}
	type key struct {
		cfg    string
		repeat int
	}
	segs := map[key][]record.Record{}
	var keys []key
	for _, r := range a.records {
		if r.Failure != "" || r.StartedAt.IsZero() {
			continue
		}
		k := key{r.Config.Name, r.Repeat}
		if _, ok := segs[k]; !ok {
			keys = append(keys, k)
		}
		segs[k] = append(segs[k], r)
	}
	minutes := func(r record.Record) float64 {
		return r.StartedAt.Sub(t0).Minutes() + r.WindowS/120
	}
	for _, k := range keys {
		rs := segs[k]
		sort.SliceStable(rs, func(i, j int) bool { return rs[i].StartedAt.Before(rs[j].StartedAt) })
		col := palette[colors[k.cfg]%len(palette)]
		rps := series{label: k.cfg, color: col}
		p95 := series{label: k.cfg, color: col}
		for i, r := range rs {
			start := r.StartedAt.Sub(t0).Minutes()
			if i == 0 {
				top.vlinesBold = append(top.vlinesBold, start)
				bottom.vlinesBold = append(bottom.vlinesBold, start)
			} else {
				top.vlines = append(top.vlines, start)
				bottom.vlines = append(bottom.vlines, start)
			}
			p, answered := r.Latency.Value("p95")
			if r.Generator.Saturated {
				top.marks = append(top.marks, plotter.XY{X: minutes(r), Y: r.RPS})
				if answered {
					bottom.marks = append(bottom.marks, plotter.XY{X: minutes(r), Y: p})
				}
			}
			rps.xy = append(rps.xy, plotter.XY{X: minutes(r), Y: r.RPS})
			if answered { // a step without answers has no p95: a gap, never 0 ms
				p95.xy = append(p95.xy, plotter.XY{X: minutes(r), Y: math.Max(p, 0.01)})
			}
		}
		top.series = append(top.series, rps)
		bottom.series = append(bottom.series, p95)
	}
	for _, h := range sloLines(a.sloConds, slo.KindLatency, 1) {
		if strings.HasPrefix(h.label, "SLO p95") {
			bottom.hlines = append(bottom.hlines, h)
		}
	}
	return figure{xlabel: "time since the run started (minutes); dashed lines: a configuration (or repeat) starts", panels: []panel{top, bottom}}
}

// sloLines are the SLO limits of one kind as reference lines; scale
// converts the canonical unit to the axis unit.
func sloLines(s slo.SLO, kind slo.Kind, scale float64) []refLine {
	return sloLinesWhere(s, scale, func(c slo.Condition) bool { return c.Kind == kind })
}

// sloLinesWhere are the SLO limits of the conditions keep selects as
// reference lines; scale converts the canonical unit to the axis unit.
func sloLinesWhere(s slo.SLO, scale float64, keep func(slo.Condition) bool) []refLine {
	var out []refLine
	for _, c := range s {
		if !keep(c) || c.Value <= 0 {
			continue
		}
		out = append(out, refLine{label: "SLO " + conditionText(c), y: c.Value * scale, color: sloColor})
	}
	return out
}

// conditionText renders an SLO condition for people: "p95 < 1 s",
// "error rate < 1 %".
func conditionText(c slo.Condition) string {
	return strings.ReplaceAll(c.Metric, "_", " ") + " " + c.Op + " " + formatKind(c.Kind, c.Value)
}

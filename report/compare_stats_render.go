package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/report/significance"
)

// shownStats are the rows of c.Stats the tables show: those with a value
// on at least one side (the side-by-side table already says "not
// reached"); hidden counts the others.
func shownStats(c Comparison) (shown []StatRow, hidden int) {
	for _, s := range c.Stats {
		if s.MissingA != "" && s.MissingB != "" {
			hidden++
			continue
		}
		shown = append(shown, s)
	}
	return shown, hidden
}

// statsGrid is the statistics table of a comparison: one row per metric
// of each configuration measured in both runs, of shownStats.
func statsGrid(c Comparison) grid {
	g := grid{
		Header:  []string{"Config", "Metric", "A", "B", "B vs A"},
		Numeric: []bool{false, false, true, true, false},
	}
	shown, _ := shownStats(c)
	for _, s := range shown {
		m := statMetricOf(s.Metric)
		change := "—"
		if s.Tested {
			change = s.Change.String()
		}
		g.Rows = append(g.Rows, []string{s.Config, m.label,
			statCell(m, c.A.Unit, s.A, s.MissingA, s.Change.Base, s.Tested),
			statCell(m, c.B.Unit, s.B, s.MissingB, s.Change.Cur, s.Tested),
			change})
	}
	return g
}

// statMetricOf returns the statMetric called name.
func statMetricOf(name string) statMetric {
	for _, m := range statMetricsFor(true) {
		if m.name == name {
			return m
		}
	}
	return statMetric{name: name, label: name}
}

// statCell renders one side of a statistics row: the median of the
// repeats, "± x %" its confidence interval when tested with 2 or more
// repeats (benchstat's form; "± ∞" when too few repeats give one), or why
// the side has no values.
func statCell(m statMetric, unit string, vals []float64, missing string, sum significance.Summary, tested bool) string {
	if missing != "" {
		return missing
	}
	median := record.Median(vals)
	if tested {
		median = sum.Median
	}
	s := formatStat(m, unit, median)
	if tested && sum.N >= 2 {
		s += " ± " + spreadText(sum)
	}
	return s
}

// formatStat renders a value of metric m; a capacity with its unit.
func formatStat(m statMetric, unit string, v float64) string {
	if m.name == MetricCapacity {
		return formatCount(v) + " " + unit
	}
	return formatKind(m.kind, v)
}

// spreadText is the larger distance of a median's confidence interval
// from the median, as a percentage of it: "3 %"; "∞" when the repeats are
// too few for an interval at its confidence, "?" when the interval
// crosses zero.
func spreadText(s significance.Summary) string {
	switch {
	case math.IsInf(s.Lo, 0) || math.IsInf(s.Hi, 0) || math.IsNaN(s.Lo) || math.IsNaN(s.Hi):
		return "∞"
	case s.Median == 0 && s.Lo == 0 && s.Hi == 0:
		return "0 %"
	case s.Median == 0 || math.Signbit(s.Lo) != math.Signbit(s.Median) || math.Signbit(s.Hi) != math.Signbit(s.Median):
		return "?"
	}
	return formatPercent(100 * math.Max(s.Hi/s.Median-1, 1-s.Lo/s.Median))
}

// statsIntro heads the statistics section: the method and the level.
func statsIntro(c Comparison) string {
	return fmt.Sprintf("Across repeats: B vs A is the change of the median, its ≥ 95 %% interval [lo, hi] (the interval that goes with the Mann-Whitney U test, on the ratios of B's repeats to A's; 4 repeats a side or more) and the test's two-sided p-value (as benchstat), "+
		"significant below α = %s; \"~\" means no significant change. Metrics @ target are taken at each run's target step.", alphaText(c.Alpha))
}

// alphaText renders a significance level: "0.05".
func alphaText(alpha float64) string { return strconv.FormatFloat(alpha, 'g', -1, 64) }

// statsNotes explain what the statistics rows show, each note only when a
// row needs it: the ± column, one repeat, too few repeats.
func statsNotes(c Comparison) []string {
	notes := []string{"A, B: the median of the repeats ± its confidence interval; n=A+B counts the repeats."}
	shown, hidden := shownStats(c)
	if hidden > 0 {
		why := "target not reached, no answers, no CPU telemetry"
		if c.A.Streaming || c.B.Streaming {
			why += ", no streamed responses"
		}
		notes = append(notes, fmt.Sprintf("Left out: %d %s with no value in either run (%s).", hidden, map[bool]string{true: "metric", false: "metrics"}[hidden == 1], why))
	}
	var inf, single, untestable bool
	for _, s := range shown {
		if !s.Tested {
			continue
		}
		for _, sum := range []significance.Summary{s.Change.Base, s.Change.Cur} {
			inf = inf || (sum.N >= 2 && spreadText(sum) == "∞")
		}
		switch {
		case s.Change.Base.N < 2 || s.Change.Cur.N < 2:
			single = true
		case !s.Change.Testable:
			untestable = true
		}
	}
	if inf {
		notes = append(notes, "± ∞: too few repeats for a confidence interval of the median (benchstat needs 6 at 95 %).")
	}
	if single {
		notes = append(notes, "no statistics: a run with one repeat gives the plain change of the values, never a verdict; record repeats (repeat: N, or --repeat N) for statistics.")
	}
	if untestable {
		notes = append(notes, fmt.Sprintf("too few repeats: even fully separated repeats could not reach p < %s with these counts; record more repeats.", alphaText(c.Alpha)))
	}
	return notes
}

// statsEmptyText is the statistics section of a comparison without a
// metric to show (no configuration measured in both runs).
const statsEmptyText = "Across repeats: no metric of a configuration was measured in both runs, so there are no statistics."

// writeStatsTable appends the terminal statistics section to b: the intro,
// the table and its notes.
func writeStatsTable(b *strings.Builder, c Comparison) error {
	if shown, _ := shownStats(c); len(shown) == 0 {
		b.WriteString("\n" + statsEmptyText + "\n")
		return nil
	}
	b.WriteString("\n" + statsIntro(c) + "\n")
	if err := renderGrid(b, statsGrid(c), 48); err != nil {
		return err
	}
	for _, n := range statsNotes(c) {
		b.WriteString(n + "\n")
	}
	return nil
}

// statsMarkdown is compare.md's statistics section.
func statsMarkdown(c Comparison) string {
	var b strings.Builder
	b.WriteString("## Statistics across repeats\n\n")
	if shown, _ := shownStats(c); len(shown) == 0 {
		b.WriteString(mdEscape(statsEmptyText) + "\n\n")
		return b.String()
	}
	b.WriteString(mdEscape(statsIntro(c)) + "\n\n")
	b.WriteString(markdownGrid(statsGrid(c)))
	b.WriteString("\n")
	for _, n := range statsNotes(c) {
		b.WriteString(mdEscape(n) + "\n\n")
	}
	return b.String()
}

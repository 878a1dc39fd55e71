package report

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
)

// Comparison sets two analysed runs side by side, configuration by
// configuration (matched by name).
type Comparison struct {
	A, B Analysis
	// NameA and NameB label the runs (e.g. their results directories).
	NameA, NameB string
	Rows         []CompareRow
	// Alpha is the significance level of Stats (CompareAlpha).
	Alpha float64
	// Stats are the statistics across repeats of every configuration
	// measured in both runs (see StatRow); empty when there is none.
	Stats []StatRow
}

// CompareRow is one configuration in both runs. A value is absent (Has*
// false) when the configuration was not measured in that run or, for p95,
// did not reach the target.
type CompareRow struct {
	Config     string
	InA, InB   bool
	CapA, CapB ConfigResult
	// P95A and P95B are the p95 latencies (ms) at each run's target.
	P95A, P95B       float64
	HasP95A, HasP95B bool
	// NoAnswersA and NoAnswersB are true when the step at the target had
	// no answers (and so no p95).
	NoAnswersA, NoAnswersB bool
}

// Compare matches the configurations of a and b by name, in a's order
// followed by those only in b, and computes the statistics across their
// repeats at CompareAlpha. It is pure.
func Compare(a, b Analysis, nameA, nameB string) Comparison {
	c := Comparison{A: a, B: b, NameA: nameA, NameB: nameB}
	seen := map[string]bool{}
	add := func(name string) {
		if seen[name] {
			return
		}
		seen[name] = true
		row := CompareRow{Config: name}
		if ca, ok := a.Config(name); ok {
			row.InA, row.CapA = len(ca.Steps) > 0, ca
			if st, ok := ca.Step(ca.TargetStep); ok {
				row.P95A, row.HasP95A, row.NoAnswersA = st.P95.median(), st.P95 != nil, st.NoAnswers
			}
		}
		if cb, ok := b.Config(name); ok {
			row.InB, row.CapB = len(cb.Steps) > 0, cb
			if st, ok := cb.Step(cb.TargetStep); ok {
				row.P95B, row.HasP95B, row.NoAnswersB = st.P95.median(), st.P95 != nil, st.NoAnswers
			}
		}
		c.Rows = append(c.Rows, row)
	}
	for _, x := range a.Configs {
		add(x.Name)
	}
	for _, x := range b.Configs {
		add(x.Name)
	}
	c.Alpha = CompareAlpha
	c.Stats = compareStats(c.Rows, a.Unit, b.Unit, c.Alpha, a.Streaming || b.Streaming)
	return c
}

// compareGrid is the side-by-side table with deltas (B − A).
func compareGrid(c Comparison) grid {
	g := grid{
		Header: []string{"Config", "Capacity A", "Capacity B", "Δ capacity",
			"p95 @ target A", "p95 @ target B", "Δ p95", "Max RPS in SLO A", "Max RPS in SLO B", "Δ max RPS"},
		Numeric: []bool{false, true, true, true, true, true, true, true, true, true},
	}
	for _, r := range c.Rows {
		row := []string{r.Config, "—", "—", "—", "—", "—", "—", "—", "—", "—"}
		row[1], row[7] = sideCells(r.InA, r.CapA)
		row[2], row[8] = sideCells(r.InB, r.CapB)
		if r.InA && r.InB {
			row[3] = delta(r.CapA.Capacity, r.CapB.Capacity, formatCount)
			row[9] = delta(r.CapA.MaxRPSInSLO, r.CapB.MaxRPSInSLO, formatRPS)
		}
		if r.InA {
			row[4] = orNotReached(r.HasP95A, r.NoAnswersA, r.P95A)
		}
		if r.InB {
			row[5] = orNotReached(r.HasP95B, r.NoAnswersB, r.P95B)
		}
		if r.HasP95A && r.HasP95B {
			row[6] = delta(r.P95A, r.P95B, formatMs)
		}
		g.Rows = append(g.Rows, row)
	}
	return g
}

// sideCells are one run's capacity and max-RPS-in-SLO cells of a
// comparison row: the figures when the run measured the configuration,
// else "failed", "not run" or "—" for the capacity and "—" for the RPS.
func sideCells(measured bool, c ConfigResult) (capacity, maxRPS string) {
	switch {
	case measured:
		return capacityShort(c), formatRPS(c.MaxRPSInSLO)
	case c.Failure != "":
		return "failed", "—"
	case c.NotRun:
		return "not run", "—"
	}
	return "—", "—"
}

func capacityShort(c ConfigResult) string {
	if c.CapacityStep < 0 {
		return "none"
	}
	if c.CapacityLowerBound {
		return "≥ " + formatCount(c.Capacity)
	}
	return formatCount(c.Capacity)
}

// orNotReached renders a p95 at the target: the value, "no answers" when
// the target step had none, "not reached" when there was no such step.
func orNotReached(ok, noAnswers bool, ms float64) string {
	switch {
	case noAnswers:
		return NoAnswersText
	case !ok:
		return "not reached"
	}
	return formatMs(ms)
}

// delta renders b − a with its sign and relative change: "+2,000 (+33 %)".
func delta(a, b float64, f func(float64) string) string {
	d := b - a
	sign := "+"
	if d < 0 {
		sign = "−"
	}
	if d == 0 {
		return "0"
	}
	s := sign + f(math.Abs(d))
	if a != 0 {
		s += fmt.Sprintf(" (%s%.0f %%)", sign, math.Abs(100*d/a))
	}
	return s
}

// WriteCompareTable renders the comparison for the terminal: which run is
// A and B, the side-by-side table, each run's recommendation and the
// statistics across repeats.
func WriteCompareTable(w io.Writer, c Comparison) error {
	var b strings.Builder
	fmt.Fprintf(&b, "A: %s — %s (SLO %s, target %s %s)\n", c.NameA, c.A.Title, sloText(c.A), formatCount(c.A.Target), c.A.Unit)
	fmt.Fprintf(&b, "B: %s — %s (SLO %s, target %s %s)\n\n", c.NameB, c.B.Title, sloText(c.B), formatCount(c.B.Target), c.B.Unit)
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write comparison: %w", err)
	}
	if err := renderGrid(w, compareGrid(c), 20); err != nil {
		return err
	}
	b.Reset()
	b.WriteString("\nΔ is B − A. ≥: the configuration never breached the SLO within the tested loads.\n")
	if c.A.SLO != c.B.SLO || c.A.Target != c.B.Target {
		b.WriteString("Note: the runs were judged by different SLOs or targets; compare with care.\n")
	}
	fmt.Fprintf(&b, "\nA: %s\nB: %s\n", c.A.Recommendation.Sentence, c.B.Recommendation.Sentence)
	if err := writeStatsTable(&b, c); err != nil {
		return err
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write comparison: %w", err)
	}
	return nil
}

// WriteCompareMarkdown renders compare.md: the table, both
// recommendations, the statistics across repeats and links to the
// comparison plots under plotDir.
func WriteCompareMarkdown(w io.Writer, c Comparison, plotDir string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Comparison — %s vs %s\n\n", mdEscape(c.NameA), mdEscape(c.NameB))
	fmt.Fprintf(&b, "- **A:** %s — %s\n- **B:** %s — %s\n\n", mdEscape(c.NameA), runLine(c.A, mdCode), mdEscape(c.NameB), runLine(c.B, mdCode))
	b.WriteString(markdownGrid(compareGrid(c)))
	b.WriteString("\nΔ is B − A. ≥: the configuration never breached the SLO within the tested loads.\n\n")
	fmt.Fprintf(&b, "**A:** %s\n\n**B:** %s\n\n", mdEscape(c.A.Recommendation.Sentence), mdEscape(c.B.Recommendation.Sentence))
	b.WriteString(statsMarkdown(c))
	for _, name := range ComparePlots {
		fmt.Fprintf(&b, "![%s](%s/%s.png)\n\n", PlotTitles[name], plotDir, "compare_"+name)
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write compare.md: %w", err)
	}
	return nil
}

// ComparePlots are the plots drawn for two runs together.
var ComparePlots = []string{PlotRPS, PlotLatency}

// WriteComparePlot renders one of ComparePlots for both runs: run A solid,
// run B dashed, one colour per configuration.
func WriteComparePlot(w io.Writer, c Comparison, name, format string) error {
	colors := map[string]int{}
	for i, r := range c.Rows {
		colors[r.Config] = i
	}
	views := []runView{
		{a: c.A, prefix: "A: ", colors: colors},
		{a: c.B, prefix: "B: ", dashed: true, colors: colors},
	}
	var f figure
	switch name {
	case PlotRPS:
		f = rpsFigure(views)
	case PlotLatency:
		f = latencyFigure(views)
		f.panels[0].ylabel = "p95 latency (ms, log scale)"
	default:
		return fmt.Errorf("unknown comparison plot %q (one of %s)", name, strings.Join(ComparePlots, ", "))
	}
	title := PlotTitles[name]
	if name == PlotLatency {
		title = "p95 latency vs load"
	}
	f.title = fmt.Sprintf("%s — A: %s vs B: %s", title, c.NameA, c.NameB)
	if !hasData(f) {
		f.note = "no measured steps"
	}
	return writeFigure(w, f, format)
}

// WriteCompareAll writes compare.md and plots/compare_<name>.png and .svg
// into dir, returning the paths written.
func WriteCompareAll(ctx context.Context, dir string, c Comparison) (files []string, err error) {
	if err := os.MkdirAll(filepath.Join(dir, PlotDir), 0o755); err != nil {
		return nil, fmt.Errorf("create comparison folder %s: %w", dir, err)
	}
	write := func(name string, render func(io.Writer) error) error {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("write comparison: %w", err)
		}
		path := filepath.Join(dir, name)
		if err := writeFileAtomic(path, render); err != nil {
			return err
		}
		files = append(files, path)
		return nil
	}
	if err := write("compare.md", func(w io.Writer) error { return WriteCompareMarkdown(w, c, PlotDir) }); err != nil {
		return files, err
	}
	for _, name := range ComparePlots {
		for _, format := range []string{"png", "svg"} {
			if err := write(filepath.Join(PlotDir, "compare_"+name+"."+format), func(w io.Writer) error {
				return WriteComparePlot(w, c, name, format)
			}); err != nil {
				return files, err
			}
		}
	}
	return files, nil
}

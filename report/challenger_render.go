package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/loadlab/loadlab/report/significance"
)

// challengerGrid is the per-step table of one champion/challenger pair:
// each version's offered load, p95, error rate and CPU per request
// (medians of the repeats) with the challenger's change against the
// champion (p95, CPU per request), and the challenger's share of the
// requests answered or not (its RPS against both; RPS themselves differ
// by the split, so their change says nothing).
func challengerGrid(c Challenger, unit string) grid {
	g := grid{
		Header: []string{"Step", "Offered (" + unit + ")", "p95 champion", "p95 challenger", "p95 change",
			"Errors champion", "Errors challenger", "Challenger's requests",
			"CPU/req champion", "CPU/req challenger", "CPU/req change"},
		Numeric: []bool{true, true, true, true, false, true, true, true, true, true, false},
	}
	for _, s := range c.Steps {
		row := []string{fmt.Sprint(s.Step + 1), offeredPair(s)}
		for _, name := range []string{"p95", "error_rate", "rps", "cpu_per_request"} {
			vm := s.metric(name)
			if name == "rps" {
				row = append(row, requestShareCell(vm))
				continue
			}
			row = append(row, versionCell(vm.Champion, vm.MissingChampion, name), versionCell(vm.Challenger, vm.MissingChallenger, name))
			if name != "error_rate" { // a rate's relative change says little: both values are shown
				row = append(row, changeCell(vm))
			}
		}
		g.Rows = append(g.Rows, row)
	}
	return g
}

// challengerStreamGrid is the table of the streamed responses of one
// champion/challenger pair (Challenger.Streaming), one row per step and
// metric as compare's statistics table has them: TTFT p95, TPOT p95,
// output tokens/s and goodput, each version's median of the repeats (or
// why it has none) and the challenger's change against the champion, per
// offered load for the metrics that grow with the load
// (VersionMetric.PerOffered).
func challengerStreamGrid(c Challenger, unit string) grid {
	g := grid{
		Header:  []string{"Step", "Offered (" + unit + ")", "Metric", "Champion", "Challenger", "Change"},
		Numeric: []bool{true, true, false, true, true, false},
	}
	for _, s := range c.Steps {
		for _, m := range challengerStreamMetrics {
			vm := s.metric(m.name)
			label := statLabel(m)
			if vm.PerOffered {
				label += ", change " + perLoadText(unit)
			}
			g.Rows = append(g.Rows, []string{fmt.Sprint(s.Step + 1), offeredPair(s), label,
				versionCell(vm.Champion, vm.MissingChampion, m.name), versionCell(vm.Challenger, vm.MissingChallenger, m.name), changeCell(vm)})
		}
	}
	return g
}

// perLoadText is "per user", "per req/s" or, for a mixed run, "per unit
// of load": what a PerOffered change divides by.
func perLoadText(unit string) string {
	switch unit {
	case "users":
		return "per user"
	case "req/s":
		return "per req/s"
	}
	return "per unit of load"
}

// challengerStreamNote explains the streaming table of a pair.
func challengerStreamNote(unit string) string {
	return "Streamed responses: TTFT is the time to the first token, TPOT the time per output token after the first, goodput the requests per second that met every goodput condition. " +
		"Output tokens/s and goodput grow with the share of the load a version ran, so their change compares each repeat's value " + perLoadText(unit) + " offered."
}

// changeCell is the challenger's change as compare prints it when its
// test can decide ("~ (p=0.42 n=5+5)", "+26.1% [+22.0%, +30.5%] p=0.008
// n=5+5"), else the plain change of the medians with the sizes
// ("+12.0% (n=3+3, no test)"); "—" when a side has no value.
func changeCell(vm VersionMetric) string {
	switch {
	case !vm.Tested:
		return "—"
	case vm.Change.Testable:
		return vm.Change.String()
	}
	return fmt.Sprintf("%s (n=%d+%d, no test)", significance.FormatPercent(vm.Change.Delta), vm.Change.Base.N, vm.Change.Cur.N)
}

// requestShareCell is the challenger's share of both versions' RPS
// (medians of the repeats), "—" when a side has none.
func requestShareCell(vm VersionMetric) string {
	if !vm.Tested {
		return "—"
	}
	a, b := median(vm.Champion), median(vm.Challenger)
	if a+b <= 0 {
		return "—"
	}
	return formatPct(b / (a + b))
}

// offeredPair is "8 + 2": the champion's and the challenger's offered load.
func offeredPair(s ChallengerStep) string {
	cell := func(v float64) string {
		if v == 0 {
			return "—"
		}
		return formatCount(v)
	}
	return cell(s.OfferedChampion) + " + " + cell(s.OfferedChallenger)
}

// versionCell is the median of a version's per-repeat values of metric
// name, or why it has none.
func versionCell(vs []float64, missing, name string) string {
	if len(vs) == 0 {
		if missing == "" {
			missing = "—"
		}
		return missing
	}
	return formatKind(statMetricNamed(name).kind, median(vs))
}

// challengerNote explains the section once.
const challengerNote = "Each version ran its share of every step at the same time as the other (one load generator per version, " +
	"a user sticks to one version); change is the challenger against the champion as loadlab compare computes it " +
	"(medians of the repeats, Mann-Whitney U test, ~ for no significant change; 4 repeats or more for a test at α=0.05)."

// writeChallengerTable writes the champion vs challenger section of the
// terminal report; nothing when the run has no challenger.
func writeChallengerTable(w io.Writer, a Analysis) error {
	cs := Challengers(a)
	if len(cs) == 0 {
		return nil
	}
	for _, c := range cs {
		if _, err := fmt.Fprintf(w, "\nChampion vs challenger — %s (%s vs %s)\n", c.Config, c.Champion, orDash(c.Challenger)); err != nil {
			return fmt.Errorf("write table: %w", err)
		}
		if len(c.Steps) > 0 {
			if err := renderGrid(w, challengerGrid(c, a.Unit), 40); err != nil {
				return err
			}
		}
		if c.Streaming && len(c.Steps) > 0 {
			if _, err := fmt.Fprintf(w, "%s\n", challengerStreamNote(a.Unit)); err != nil {
				return fmt.Errorf("write table: %w", err)
			}
			if err := renderGrid(w, challengerStreamGrid(c, a.Unit), 40); err != nil {
				return err
			}
		}
		if _, err := fmt.Fprintf(w, "%s\n", c.Verdict); err != nil {
			return fmt.Errorf("write table: %w", err)
		}
	}
	return nil
}

// writeChallengerMarkdown adds the "Champion vs challenger" section to
// report.md; nothing when the run has no challenger.
func writeChallengerMarkdown(b *strings.Builder, a Analysis) {
	cs := Challengers(a)
	if len(cs) == 0 {
		return
	}
	b.WriteString("## Champion vs challenger\n\n" + challengerNote + "\n")
	for _, c := range cs {
		fmt.Fprintf(b, "\n### %s\n\n**%s**\n\n", mdEscape(c.Config), mdEscape(c.Verdict))
		if len(c.Steps) > 0 {
			b.WriteString(markdownGrid(challengerGrid(c, a.Unit)))
		}
		if c.Streaming && len(c.Steps) > 0 {
			b.WriteString("\n" + mdEscape(challengerStreamNote(a.Unit)) + "\n\n")
			b.WriteString(markdownGrid(challengerStreamGrid(c, a.Unit)))
		}
	}
}

// orDash is s, or "—" when empty.
func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// htmlChallengers is the "Champion vs challenger" section of report.html:
// one table per configuration, its verdict as the note, and for a pair
// that streamed a second table of its streamed responses; nil when the
// run has no challenger.
func htmlChallengers(a Analysis) []htmlTitled {
	var out []htmlTitled
	for _, c := range Challengers(a) {
		t := htmlTitled{Title: c.Config + " — " + c.Champion + " vs " + orDash(c.Challenger), Notes: []string{c.Verdict}}
		if len(c.Steps) > 0 {
			t.Grid = challengerGrid(c, a.Unit)
		}
		out = append(out, t)
		if c.Streaming && len(c.Steps) > 0 {
			out = append(out, htmlTitled{Title: c.Config + " — streamed responses", Notes: []string{challengerStreamNote(a.Unit)}, Grid: challengerStreamGrid(c, a.Unit)})
		}
	}
	return out
}

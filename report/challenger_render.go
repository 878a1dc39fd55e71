package report

import (
	"fmt"
	"io"
	"strings"
)

// challengerGrid is the per-step table of one champion/challenger pair:
// each version's offered load, p95, error rate, rps and CPU per request
// (medians of the repeats), and the challenger's change against the
// champion where compare's statistics apply (p95, rps, CPU per request).
func challengerGrid(c Challenger, unit string) grid {
	g := grid{
		Header: []string{"Step", "Offered (" + unit + ")", "p95 champion", "p95 challenger", "p95 change",
			"Errors champion", "Errors challenger", "RPS champion", "RPS challenger", "RPS change",
			"CPU/req champion", "CPU/req challenger", "CPU/req change"},
		Numeric: []bool{true, true, true, true, false, true, true, true, true, false, true, true, false},
	}
	for _, s := range c.Steps {
		row := []string{fmt.Sprint(s.Step + 1), offeredPair(s)}
		for _, name := range []string{"p95", "error_rate", "rps", "cpu_per_request"} {
			vm := s.metric(name)
			row = append(row, versionCell(vm.Champion, vm.MissingChampion, name), versionCell(vm.Challenger, vm.MissingChallenger, name))
			if name == "error_rate" {
				continue // a rate's relative change says little: both values are shown
			}
			change := "—"
			if vm.Tested {
				change = vm.Change.String()
			}
			row = append(row, change)
		}
		g.Rows = append(g.Rows, row)
	}
	return g
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
	"a user sticks to one version); change is the challenger against the champion as `loadlab compare` computes it " +
	"(medians of the repeats, Mann-Whitney U test, ~ for no significant change)."

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
	}
	b.WriteString("\n")
}

// orDash is s, or "—" when empty.
func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

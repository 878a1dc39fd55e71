package rollout

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

// Note is what the table's figures mean, for its renderers.
const Note = "A second that straddles a rollout's start or end counts whole. Versions are estimated from the running tasks: each second's successes are split in proportion to its tasks per version."

// Numeric says which of Table's columns hold numbers (right-aligned).
var Numeric = []bool{false, true, false, true, true, false, true, true, true, false}

// Table is the verdicts as rows of text, one per rollout, under header:
// how long it took and how it ended, the requests and the failed ones by
// kind, the worst one-second p95 against the level before, the seconds
// without any success, and the successes per version. WriteMarkdown
// writes it; report.html shows it.
func Table(vs []Verdict) (header []string, rows [][]string) {
	header = []string{"rollout", "took", "ended", "requests", "failed", "failed by kind", "worst 1 s p95", "p95 before", "seconds without success", "served per version (estimated)"}
	for _, v := range vs {
		rows = append(rows, []string{
			cell(v.Name), fmt.Sprintf("%.1f s", v.DurationS), ended(v), fmt.Sprint(v.Requests), failed(v), kinds(v.FailedByKind),
			ms(v.WorstP95Ms), ms(v.BeforeP95Ms), fmt.Sprint(v.SilentSeconds), served(v.ServedByVersion),
		})
	}
	return header, rows
}

// WriteMarkdown writes the verdicts as a Markdown table (see Table) and
// its note. No verdict writes a sentence saying so.
func WriteMarkdown(w io.Writer, vs []Verdict) error {
	var b strings.Builder
	if len(vs) == 0 {
		b.WriteString("No rollout was measured.\n")
	} else {
		header, rows := Table(vs)
		b.WriteString("| " + strings.Join(header, " | ") + " |\n")
		for i := range header {
			if Numeric[i] {
				b.WriteString("|---:")
			} else {
				b.WriteString("|---")
			}
		}
		b.WriteString("|\n")
		for _, row := range rows {
			for _, c := range row {
				b.WriteString("| " + strings.ReplaceAll(c, "|", `\|`) + " ")
			}
			b.WriteString("|\n")
		}
		b.WriteString("\n" + Note + "\n")
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write the rollout table: %w", err)
	}
	return nil
}

func cell(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func ended(v Verdict) string {
	if !v.Ended {
		return "not ended when measured"
	}
	if v.State == "" {
		return "yes"
	}
	return v.State
}

func failed(v Verdict) string {
	if v.Requests == 0 {
		return "no requests"
	}
	return fmt.Sprintf("%d (%.2f %%)", v.Failed, 100*float64(v.Failed)/float64(v.Requests))
}

func kinds(m map[string]int64) string {
	if len(m) == 0 {
		return "—"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

func ms(p *float64) string {
	if p == nil {
		return "no answers"
	}
	return fmt.Sprintf("%.1f ms", *p)
}

func served(m map[string]float64) string {
	if len(m) == 0 {
		return "—"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s %.0f", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

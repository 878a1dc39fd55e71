package rollout

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

// WriteMarkdown writes the verdicts as a Markdown table, one row per
// rollout: how long it took and how it ended, the requests and the failed
// ones by kind, the worst one-second p95 against the level before, the
// seconds without any success, and the successes per version. No verdict
// writes a sentence saying so.
func WriteMarkdown(w io.Writer, vs []Verdict) error {
	var b strings.Builder
	if len(vs) == 0 {
		b.WriteString("No rollout was measured.\n")
	} else {
		b.WriteString("| rollout | took | ended | requests | failed | failed by kind | worst 1 s p95 | p95 before | seconds without success | served per version (estimated) |\n")
		b.WriteString("|---|---:|---|---:|---:|---|---:|---:|---:|---|\n")
		for _, v := range vs {
			fmt.Fprintf(&b, "| %s | %.1f s | %s | %d | %s | %s | %s | %s | %d | %s |\n",
				cell(v.Name), v.DurationS, ended(v), v.Requests, failed(v), kinds(v.FailedByKind),
				ms(v.WorstP95Ms), ms(v.BeforeP95Ms), v.SilentSeconds, served(v.ServedByVersion))
		}
		b.WriteString("\nA second that straddles a rollout's start or end counts whole. Versions are estimated from the running tasks: each second's successes are split in proportion to its tasks per version.\n")
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
	return strings.ReplaceAll(s, "|", `\|`)
}

func ended(v Verdict) string {
	if !v.Ended {
		return "not ended when measured"
	}
	if v.State == "" {
		return "yes"
	}
	return cell(v.State)
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
		parts = append(parts, fmt.Sprintf("%s %d", cell(k), m[k]))
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
		parts = append(parts, fmt.Sprintf("%s %.0f", cell(k), m[k]))
	}
	return strings.Join(parts, ", ")
}

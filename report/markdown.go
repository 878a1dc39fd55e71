package report

import (
	"github.com/loadlab/loadlab/record"

	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
)

// WriteMarkdown renders report.md: why the run is incomplete (when it
// is), the recommendation, the searches (when the run had any: their
// answers, paths, the trials plot and any projection), the comparison
// table, champion vs challenger (when the run had one), the resource table, warnings, the replicas' events, links to the plots (plotDir relative to the
// report, e.g. "plots"), a per-step table per configuration, the
// environment and the experiment definition.
func WriteMarkdown(w io.Writer, a Analysis, plotDir string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Capacity report — %s\n\n", mdEscape(a.Title))
	if len(a.Incomplete) > 0 {
		fmt.Fprintf(&b, "> **Incomplete run:** %s.\n\n", mdEscape(strings.Join(a.Incomplete, "; ")))
	}
	fmt.Fprintf(&b, "> **Recommendation:** %s\n\n", mdEscape(a.Recommendation.Sentence))
	b.WriteString(runLine(a, mdCode) + "\n\n")
	writeSearchMarkdown(&b, a, plotDir)

	b.WriteString("## Comparison\n\n")
	b.WriteString(markdownGrid(comparisonGrid(a)))
	if a.Streaming {
		b.WriteString("\n" + streamNote + "\n")
	}
	writeChallengerMarkdown(&b, a)
	b.WriteString("\n## Cost and resources\n\n")
	b.WriteString(markdownGrid(resourceGrid(a)))
	b.WriteString("\nCost is CPUs × replicas and memory × replicas. RPS/CPU is the highest throughput within the SLO per CPU. " +
		"Scaling compares a replica configuration's throughput within the SLO with replicas × the single-replica configuration of the same limits (≥: it never breached the SLO).\n")

	if len(a.Warnings) > 0 {
		b.WriteString("\n## Warnings\n\n")
		for _, x := range a.Warnings {
			fmt.Fprintf(&b, "- %s\n", mdEscape(x))
		}
	}

	if hasEvents(a) {
		b.WriteString("\n## Events\n\n")
		b.WriteString(markdownGrid(eventGrid(a)))
		b.WriteString("\n" + eventsNote + "\n")
	}

	b.WriteString("\n## Plots\n\n")
	for _, name := range ReportPlots(a) {
		fmt.Fprintf(&b, "### %s\n\n![%s](%s/%s.png)\n\n[SVG](%s/%s.svg)\n\n", PlotTitles[name], PlotTitles[name], plotDir, name, plotDir, name)
	}

	b.WriteString("## Steps per configuration\n")
	for _, c := range a.Configs {
		fmt.Fprintf(&b, "\n### %s — %s\n\n%s\n\n", mdEscape(c.Name), c.Config.Describe(), mdEscape(configHeadline(a, c, "min–max in parentheses")))
		if len(c.Steps) > 0 {
			b.WriteString(markdownGrid(stepGrid(a, c)))
		}
	}

	if len(a.Environment) > 0 {
		b.WriteString("\n## Environment\n\n")
		b.WriteString(markdownGrid(environmentGrid(a.Environment)))
	}
	if strings.TrimSpace(a.Experiment) != "" {
		b.WriteString("\n## Experiment\n\n```yaml\n" + strings.TrimRight(a.Experiment, "\n") + "\n```\n")
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write report.md: %w", err)
	}
	return nil
}

// runLine states what was measured: runs, time span, SLO, target; code
// marks up identifiers and expressions for the output format.
func runLine(a Analysis, code func(string) string) string {
	var parts []string
	if len(a.Runs) > 0 {
		runs := make([]string, len(a.Runs))
		for i, r := range a.Runs {
			runs[i] = code(r)
		}
		parts = append(parts, "Run "+strings.Join(runs, ", "))
	}
	if !a.StartedAt.IsZero() {
		parts = append(parts, a.StartedAt.UTC().Format("2006-01-02 15:04")+"–"+a.EndedAt.UTC().Format("15:04")+" UTC")
	}
	slo := "recorded verdicts"
	if a.SLO != "" {
		slo = code(a.SLO)
		if a.SLOSource != "slo" {
			slo += " (from recorded verdicts)"
		}
	}
	parts = append(parts, "SLO "+slo)
	target := "target " + formatCount(a.Target) + " " + a.Unit
	if !a.TargetGiven {
		target += " (the highest load tested; no target_users given)"
	}
	parts = append(parts, target)
	return strings.Join(parts, " · ")
}

// markdownGrid renders g as a GitHub-flavoured Markdown table.
func markdownGrid(g grid) string {
	var b strings.Builder
	row := func(cells []string) {
		b.WriteString("|")
		for _, c := range cells {
			b.WriteString(" " + mdCell(c) + " |")
		}
		b.WriteString("\n")
	}
	row(g.Header)
	b.WriteString("|")
	for i := range g.Header {
		if i < len(g.Numeric) && g.Numeric[i] {
			b.WriteString("---:|")
		} else {
			b.WriteString("---|")
		}
	}
	b.WriteString("\n")
	for _, r := range g.Rows {
		row(r)
	}
	return b.String()
}

func mdCell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}

// mdEscape escapes what would start Markdown markup inside running text:
// emphasis stars, backticks and HTML tags.
func mdEscape(s string) string {
	s = strings.NewReplacer(`*`, `\*`, "`", "\\`").Replace(s)
	return htmlTagStart.ReplaceAllString(s, "&lt;$1")
}

var htmlTagStart = regexp.MustCompile(`<([A-Za-z/!?])`)

// mdCode renders s as a code span.
func mdCode(s string) string { return "`" + strings.ReplaceAll(s, "`", "'") + "`" }

// environmentGrid renders environment.json as key/value rows, sizes in
// binary units.
func environmentGrid(env map[string]any) grid {
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	g := grid{Header: []string{"Key", "Value"}, Numeric: []bool{false, false}}
	for _, k := range keys {
		label := k
		if _, isNum := env[k].(float64); isNum {
			label = strings.TrimSuffix(label, "_bytes")
		}
		g.Rows = append(g.Rows, []string{strings.ReplaceAll(label, "_", " "), envValue(k, env[k])})
	}
	return g
}

func envValue(k string, v any) string {
	switch x := v.(type) {
	case float64:
		if strings.HasSuffix(k, "_bytes") {
			return record.FormatBytes(x)
		}
		return trimZeros(fmt.Sprintf("%.3f", x))
	case string:
		return x
	case nil:
		return "—"
	}
	return fmt.Sprint(v)
}

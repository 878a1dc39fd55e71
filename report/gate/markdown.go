package gate

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
)

// WriteMarkdown renders the verdict as a Markdown section short enough for
// a pull-request comment ($GITHUB_STEP_SUMMARY, --summary): the verdict
// first; then only the changed checks (failed, or a significant change
// against the baseline) with their statistics; then the passing checks
// that carry a note (a configuration or metric accepted as missing,
// another experiment's or machine's baseline, a change beyond the
// tolerance judged noise); then a table of every gate, folded, without
// links.
func WriteMarkdown(w io.Writer, v Verdict) error {
	var b strings.Builder
	fmt.Fprintf(&b, "### loadlab gate: %s\n\n", summaryLine(v))
	var changed, notes []string
	for _, c := range v.Checks {
		switch {
		case !c.Pass || c.Significant:
			changed = append(changed, mdCheck(c))
		case c.Message != "":
			notes = append(notes, mdCheck(c))
		}
	}
	if len(changed) > 0 {
		b.WriteString("Changed:\n\n" + strings.Join(changed, "\n") + "\n\n")
	} else {
		b.WriteString("No gate failed and no metric changed significantly.\n\n")
	}
	if len(notes) > 0 {
		b.WriteString("Passed with a note:\n\n" + strings.Join(notes, "\n") + "\n\n")
	}
	fmt.Fprintf(&b, "<details><summary>All %d gates</summary>\n\n", len(v.Checks))
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	t := tablewriter.NewTable(w, tablewriter.WithRenderer(renderer.NewMarkdown()))
	t.Header(tableHeader)
	if err := t.Bulk(rows(v)); err != nil {
		return fmt.Errorf("gate summary: %w", err)
	}
	if err := t.Render(); err != nil {
		return fmt.Errorf("gate summary: %w", err)
	}
	_, err := io.WriteString(w, "\n</details>\n\n")
	return err
}

// mdCheck is one check as a Markdown list item: result, name, measured vs
// baseline, delta, limit and its message.
func mdCheck(c Check) string {
	res := "PASS"
	if !c.Pass {
		res = "FAIL"
	}
	line := fmt.Sprintf("- **%s** %s: %s", res, mdText(c.Name), mdText(c.Measured))
	if c.Baseline != "" {
		line += " vs " + mdText(c.Baseline)
	}
	if c.Delta != "" {
		line += ", " + mdText(c.Delta)
	}
	line += " (limit " + mdText(c.Limit) + ")"
	if c.Message != "" {
		line += " — " + mdText(c.Message)
	}
	return line
}

// mdText escapes the characters of s that Markdown would read as markup
// (emphasis, code, links, HTML) so that it shows as written.
func mdText(s string) string {
	return mdEscaper.Replace(s)
}

var mdEscaper = strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`, "<", "&lt;", ">", "&gt;", "|", `\|`)

// AppendStepSummary appends the Markdown verdict to the file named by
// $GITHUB_STEP_SUMMARY; it does nothing when the variable is unset.
func AppendStepSummary(v Verdict) error {
	path := os.Getenv("GITHUB_STEP_SUMMARY")
	if path == "" {
		return nil
	}
	return writeVerdict(path, os.O_APPEND, "GITHUB_STEP_SUMMARY", WriteMarkdown, v)
}

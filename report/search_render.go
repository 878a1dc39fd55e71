package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/loadlab/loadlab/record"
)

// The "Search" section of the reports: the tables every renderer draws
// from a SearchReport, and its Markdown and terminal renderings (the HTML
// template draws the same grids).

// capacitySearchGrid has one row per capacity search: its answer.
func capacitySearchGrid(sr *SearchReport, unit string) grid {
	g := grid{
		Header:  []string{"Config", "Capacity (" + unit + ")", "First failing load", "Probes", "Confirmed", "Reason"},
		Numeric: []bool{false, true, true, true, false, false},
	}
	for _, cs := range sr.Capacity {
		name := cs.Config
		if cs.Repeat > 0 {
			name += fmt.Sprintf(" (repeat %d)", cs.Repeat+1)
		}
		capacity, fail := "none", "—"
		if cs.Capacity > 0 {
			capacity = formatCount(cs.Capacity)
		}
		if cs.FirstFail > 0 {
			fail = formatCount(cs.FirstFail)
		}
		if !cs.Complete {
			capacity = "≥ " + capacity
			if cs.Capacity == 0 {
				capacity = "—"
			}
		}
		g.Rows = append(g.Rows, []string{name, capacity, fail, fmt.Sprint(cs.Probes), yesNo(cs.Confirmed), cs.Reason})
	}
	return g
}

// probeGrid is the path of one capacity search, probe by probe.
func probeGrid(cs CapacitySearch, unit string) grid {
	g := grid{
		Header:  []string{"Probe", "Phase", "Load (" + unit + ")", "p95", "Errors", "Verdict", "Note"},
		Numeric: []bool{true, false, true, true, true, false, false},
	}
	for _, p := range cs.Path {
		p95 := NoAnswersText
		if p.P95Ms != nil {
			p95 = formatMs(*p.P95Ms)
		}
		g.Rows = append(g.Rows, []string{fmt.Sprint(p.Probe), p.Phase, formatCount(p.Load), p95, formatPct(p.ErrorRate), orDefault(p.Verdict, "—"), p.Note})
	}
	return g
}

// minimalGrid has one row per replica count of a limit search: the
// minimal configuration it found.
func minimalGrid(ls *LimitSearch, unit string) grid {
	g := grid{
		Header:  []string{"Replicas", "Minimal per replica", "Trials", "Finished", "Capacity at the largest limits (" + unit + ")", "Fails just below"},
		Numeric: []bool{true, false, true, false, true, false},
	}
	for _, r := range ls.Replicas {
		minimal, below, capacity := "none served the target", "—", "—"
		switch {
		case r.MinimalCPUs != nil:
			minimal = record.FormatCPUs(*r.MinimalCPUs) + " × " + record.FormatBytes(float64(r.MemoryBytes))
			switch {
			case !r.Complete:
				minimal += " (so far)"
			case r.Truncated:
				minimal += " (so far: the trial budget ran out)"
			}
			if r.Undecided != "" {
				minimal += " (memory undecided)"
			}
		case r.Undecided != "":
			minimal = "undecided"
		case r.Truncated:
			minimal = "none so far: the trial budget ran out"
		}
		if r.FailCPUsBelow != nil {
			below = record.FormatCPUs(*r.FailCPUsBelow) + ": " + r.FailWhy
		}
		if r.Capacity > 0 {
			capacity = formatCount(r.Capacity)
		}
		g.Rows = append(g.Rows, []string{fmt.Sprint(r.Replicas), minimal, fmt.Sprint(r.Trials), yesNo(r.Complete), capacity, below})
	}
	return g
}

// trialGrid is the path of the trials of one replica count.
func trialGrid(r ReplicaSearch) grid {
	g := grid{
		Header:  []string{"Trial", "Phase", "CPUs", "Memory", "Verdict", "Why"},
		Numeric: []bool{true, false, true, true, false, false},
	}
	for _, t := range r.Path {
		mem := "unlimited"
		if t.MemoryBytes > 0 {
			mem = record.FormatBytes(float64(t.MemoryBytes))
		}
		g.Rows = append(g.Rows, []string{fmt.Sprint(t.Trial), t.Phase, record.FormatCPUs(t.CPUs), mem, t.Verdict, t.Why})
	}
	return g
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// capacitySearchNote explains the capacity-search table.
const capacitySearchNote = "A capacity search brackets the load (×2 while probes pass), bisects between the last pass and the first breach, and confirms the capacity with a longer hold; a probe near the SLO's limit is repeated and decided by the median. Its loads go up and down, so a configuration's capacity is the search's answer, not its highest passing probe."

// writeSearchMarkdown appends the "Search" section of report.md to b;
// nothing when the run had no search.
func writeSearchMarkdown(b *strings.Builder, a Analysis, plotDir string) {
	sr := a.Search
	if sr == nil {
		return
	}
	b.WriteString("## Search\n\n")
	if len(sr.Capacity) > 0 {
		b.WriteString("### Capacity searches\n\n")
		b.WriteString(markdownGrid(capacitySearchGrid(sr, a.Unit)))
		b.WriteString("\n" + capacitySearchNote + "\n")
		for _, cs := range sr.Capacity {
			fmt.Fprintf(b, "\n#### %s — probe path\n\n", mdEscape(cs.Config))
			b.WriteString(markdownGrid(probeGrid(cs, a.Unit)))
		}
		b.WriteString("\n")
	}
	if ls := sr.Limits; ls != nil {
		b.WriteString("### Limit search\n\n")
		fmt.Fprintf(b, "**%s**\n\n", mdEscape(ls.Sentence))
		b.WriteString(mdEscape(ls.Assumption) + "\n\n")
		b.WriteString(markdownGrid(minimalGrid(ls, a.Unit)))
		if hasTrials(ls) {
			fmt.Fprintf(b, "\n![%s](%s/%s.png)\n\n[SVG](%s/%s.svg)\n", PlotTitles[PlotSearch], plotDir, PlotSearch, plotDir, PlotSearch)
		}
		for _, r := range ls.Replicas {
			fmt.Fprintf(b, "\n#### %s: path of trials\n\n", record.ReplicasText(r.Replicas))
			if len(r.Path) == 0 {
				b.WriteString("No trial was run.\n")
				continue
			}
			b.WriteString(markdownGrid(trialGrid(r)))
			for _, c := range r.Contradictions {
				fmt.Fprintf(b, "\n- Contradiction: %s", mdEscape(c))
			}
			if len(r.Contradictions) > 0 {
				b.WriteString("\n")
			}
		}
		if ls.ProjectionProblem != "" {
			fmt.Fprintf(b, "\nNo projection: %s.\n", mdEscape(ls.ProjectionProblem))
		}
		b.WriteString("\n")
	}
	if p := a.Projection; p != nil {
		fmt.Fprintf(b, "### Projection beyond this machine (%s)\n\n", p.Label)
		fmt.Fprintf(b, "> **%s**\n\n", mdEscape(p.Sentence))
		b.WriteString("Model: " + mdEscape(p.Model) + "\n\nFigures it rests on:\n\n")
		for _, f := range p.Figures {
			fmt.Fprintf(b, "- %s\n", mdEscape(f))
		}
		b.WriteString("\n")
	}
}

// hasTrials reports whether a limit search has a trial to plot.
func hasTrials(ls *LimitSearch) bool {
	for _, r := range ls.Replicas {
		if len(r.Path) > 0 {
			return true
		}
	}
	return false
}

// writeSearchTable renders the terminal's "Search" section; nothing when
// the run had no search.
func writeSearchTable(w io.Writer, a Analysis) error {
	sr := a.Search
	if sr == nil {
		return nil
	}
	put := func(s string) error {
		if _, err := io.WriteString(w, s); err != nil {
			return fmt.Errorf("write table: %w", err)
		}
		return nil
	}
	if len(sr.Capacity) > 0 {
		if err := put("\nCapacity searches:\n"); err != nil {
			return err
		}
		if err := renderGrid(w, capacitySearchGrid(sr, a.Unit), 48); err != nil {
			return err
		}
	}
	if ls := sr.Limits; ls != nil {
		head := "\nLimit search: " + ls.Sentence + "\n"
		if strings.HasPrefix(a.Recommendation.Sentence, ls.Sentence) {
			head = "\nLimit search (its answer is the recommendation below):\n"
		}
		if err := put(head); err != nil {
			return err
		}
		if err := renderGrid(w, minimalGrid(ls, a.Unit), 48); err != nil {
			return err
		}
		var b strings.Builder
		for _, r := range ls.Replicas {
			for _, c := range r.Contradictions {
				fmt.Fprintf(&b, "  contradiction (%s): %s\n", record.ReplicasText(r.Replicas), c)
			}
		}
		b.WriteString("  " + ls.Assumption + "\n")
		if err := put(b.String()); err != nil {
			return err
		}
	}
	if p := a.Projection; p != nil {
		var b strings.Builder
		fmt.Fprintf(&b, "\n%s\n", p.Sentence)
		for _, f := range p.Figures {
			fmt.Fprintf(&b, "  - %s\n", f)
		}
		if err := put(b.String()); err != nil {
			return err
		}
	}
	return nil
}

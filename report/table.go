package report

import (
	"github.com/loadlab/loadlab/record"

	"fmt"
	"io"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
)

// grid is a rendered table: a header, rows of cells and which columns hold
// numbers (right-aligned).
type grid struct {
	Header  []string
	Rows    [][]string
	Numeric []bool
}

// comparisonGrid is the main comparison table: one row per configuration;
// for a run with streamed responses, with TTFT p95, TPOT p95 and output
// tokens/s at the target after the errors.
func comparisonGrid(a Analysis) grid {
	at := "@ " + formatCount(a.Target)
	g := grid{
		Header:  []string{"Config", "Limits", "Capacity (" + a.Unit + ")", "Max RPS in SLO", "p95 " + at, "Errors " + at, "CPU @ cap", "Mem @ cap", "Verdict"},
		Numeric: []bool{false, false, true, true, true, true, true, true, false},
	}
	for _, c := range a.Configs {
		row := []string{c.Name, limitsCell(c), "—", "—", "—", "—", "—", "—", c.Verdict}
		if c.NotRun {
			row[2] = "not run"
		}
		if len(c.Steps) > 0 {
			row[2] = capacityCell(c)
			row[3] = "—"
			if c.MaxRPSInSLO > 0 {
				row[3] = formatRPS(c.MaxRPSInSLO)
			}
			if st, ok := c.Step(c.TargetStep); ok {
				row[4] = latencyCell(st.P95, NoAnswersText)
				row[5] = errorsCell(st)
			} else {
				row[4] = "not reached"
				for _, st := range c.Steps {
					if st.Untrustworthy && st.Offered >= a.Target {
						row[4] = "untrustworthy"
						break
					}
				}
			}
			if st, ok := c.Step(c.CapacityStep); ok && st.HasTarget {
				row[6] = cpuCell(st)
				row[7] = formatPercent(st.MemPct.Median)
			}
		}
		g.Rows = append(g.Rows, row)
	}
	if !a.Streaming {
		return g
	}
	return insertColumns(g, 6, streamTargetHeader(at), func(r int) []string {
		st, _ := a.Configs[r].Step(a.Configs[r].TargetStep)
		return streamCells(st, "ttft_p95", "tpot_p95", "tokens")
	})
}

// resourceGrid is the cost and resources table: one row per configuration.
func resourceGrid(a Analysis) grid {
	g := grid{
		Header:  []string{"Config", "Cost (CPUs)", "Cost (memory)", "RPS/CPU", "Scaling", "Saturation", "Throttled @ cap", "OOM kills", "Restarts"},
		Numeric: []bool{false, true, true, true, true, true, true, true, true},
	}
	for _, c := range a.Configs {
		row := []string{c.Name, "unlimited", "unlimited", "—", "—", "—", "—", fmt.Sprint(c.OOMKills), fmt.Sprint(c.Restarts)}
		if c.CostCPUs > 0 {
			row[1] = trimZeros(fmt.Sprintf("%.2f", c.CostCPUs))
		}
		if c.CostMemoryBytes > 0 {
			row[2] = record.FormatBytes(float64(c.CostMemoryBytes))
		}
		if c.Efficiency > 0 {
			row[3] = formatRPS(c.Efficiency)
		}
		if c.Scaling != nil {
			row[4] = fmt.Sprintf("%.0f %% of %d × %s", 100*c.Scaling.Efficiency, c.Config.Replicas, c.Scaling.Base)
			if c.Scaling.LowerBound {
				row[4] = "≥ " + row[4]
			}
		}
		if st, ok := c.Step(c.SaturationStep); ok {
			row[5] = formatCount(st.Offered) + " " + unitOf(c.Steps)
		} else if len(c.Steps) > 0 {
			row[5] = "none seen"
		}
		if st, ok := c.Step(c.CapacityStep); ok && st.HasTarget {
			row[6] = formatSeconds(st.ThrottledS.Median)
		}
		if len(c.Steps) == 0 {
			row[7], row[8] = "—", "—"
		}
		g.Rows = append(g.Rows, row)
	}
	return g
}

// limitsCell renders a configuration's limits: "2 × 1 CPU / 1 GiB".
func limitsCell(c ConfigResult) string {
	return fmt.Sprintf("%d × %s", max(c.Config.Replicas, 1), c.Config.Limits(" / "))
}

// capacityCell renders capacity: "6,000", "≥ 10,000", "3,000 (2,500–3,000)", "none".
func capacityCell(c ConfigResult) string {
	if c.CapacityStep < 0 {
		return "none"
	}
	s := formatCount(c.Capacity)
	if c.CapacityLowerBound {
		s = "≥ " + s
	}
	if c.CapacityMin != c.CapacityMax {
		s += " (" + formatCount(c.CapacityMin) + "–" + formatCount(c.CapacityMax) + ")"
	}
	return s
}

// WriteTable renders the terminal comparison: the SLO and target, one row
// per configuration, the searches (when the run had any), the
// recommendation and the warnings.
func WriteTable(w io.Writer, a Analysis) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s — SLO %s, target %s %s\n\n", a.Title, sloText(a), formatCount(a.Target), a.Unit)
	if len(a.Incomplete) > 0 {
		b.WriteString("INCOMPLETE RUN: " + strings.Join(a.Incomplete, "; ") + ".\n\n")
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	if err := renderGrid(w, comparisonGrid(a), 36); err != nil {
		return err
	}
	if err := writeSearchTable(w, a); err != nil {
		return err
	}
	if err := writeChallengerTable(w, a); err != nil {
		return err
	}
	b.Reset()
	fmt.Fprintf(&b, "\nRecommendation: %s\n", a.Recommendation.Sentence)
	if len(a.Warnings) > 0 {
		b.WriteString("\nWarnings:\n")
		for _, x := range a.Warnings {
			fmt.Fprintf(&b, "  ! %s\n", x)
		}
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return nil
}

// renderGrid draws g as a box table; the last column wraps at wrapLast.
func renderGrid(w io.Writer, g grid, wrapLast int) error {
	align := make([]tw.Align, len(g.Header))
	for i, n := range g.Numeric {
		align[i] = tw.AlignLeft
		if n {
			align[i] = tw.AlignRight
		}
	}
	t := tablewriter.NewTable(w,
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowConfig(tw.CellConfig{
			Formatting:   tw.CellFormatting{AutoWrap: tw.WrapNormal},
			Padding:      tw.CellPadding{Global: tw.PaddingDefault},
			Alignment:    tw.CellAlignment{PerColumn: align},
			ColMaxWidths: tw.CellWidth{PerColumn: tw.NewMapper[int, int]().Set(len(g.Header)-1, wrapLast)},
		}),
	)
	t.Header(g.Header)
	if err := t.Bulk(g.Rows); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	if err := t.Render(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return nil
}

// sloText is the SLO as shown to people.
func sloText(a Analysis) string {
	switch {
	case a.SLOSource == "slo":
		return a.SLO
	case a.SLO != "":
		return a.SLO + " (from recorded verdicts)"
	}
	return "(recorded verdicts)"
}

// WriteTerminal analyses in and renders the terminal comparison
// (WriteTable); the experiments runner and `loadlab report` print it.
func WriteTerminal(w io.Writer, in Input) error {
	return WriteTable(w, Analyze(in))
}

// errorsCell renders a step's error rate; "—" when not a single request
// completed (0 of 0 is no rate, least of all 0 %).
func errorsCell(st StepResult) string {
	if st.NoAnswers && st.Requests.Max == 0 {
		return "—"
	}
	return withRange(st.ErrorRate, formatPct)
}

package report

import (
	"fmt"
	"math"
	"strings"

	"github.com/loadlab/loadlab/slo"
)

// stepGrid is the per-step table of one configuration: medians with the
// min–max across repeats in parentheses; for a run with streamed
// responses, with TTFT p50 and p95, ITL p95, TPOT p95, output tokens/s
// and goodput (req/s) after the errors.
func stepGrid(a Analysis, c ConfigResult) grid {
	unit := unitOf(c.Steps)
	title := strings.ToUpper(unit[:1]) + unit[1:]
	g := grid{
		Header:  []string{title, "Requests", "RPS", "p50", "p95", "p99", "Errors", "CPU", "Memory", "Throttled", "SLO", "Notes"},
		Numeric: []bool{true, true, true, true, true, true, true, true, true, true, false, false},
	}
	for i, st := range c.Steps {
		row := []string{
			formatCount(st.Offered),
			formatCount(math.Round(st.Requests.Median)),
			withRange(st.RPS, formatRPS),
			latencyCell(st.P50, "—"),
			latencyCell(st.P95, NoAnswersText),
			latencyCell(st.P99, "—"),
			errorsCell(st),
			"—", "—", "—",
			"pass",
			strings.Join(stepNotes(c, i), "; "),
		}
		if st.HasTarget {
			row[7] = cpuCell(st)
			row[8] = formatPercent(st.MemPct.Median)
			row[9] = formatSeconds(st.ThrottledS.Median)
		}
		if st.Untrustworthy {
			row[10] = "untrustworthy"
			if st.Cut > 0 && st.Excluded == 0 {
				row[10] = "cut short"
			}
		} else if !st.Pass {
			row[10] = "fail: " + breachSummary(st, a.sloConds)
		}
		g.Rows = append(g.Rows, row)
	}
	if !a.Streaming {
		return g
	}
	return insertColumns(g, 7, streamStepHeader, func(r int) []string {
		return streamCells(c.Steps[r], "ttft_p50", "ttft_p95", "itl_p95", "tpot_p95", "tokens", "goodput")
	})
}

// cpuCell renders a step's target CPU: the median percentage of the limit,
// and the median CPU time per request when measured ("12 % · 35.2µs/req").
func cpuCell(st StepResult) string {
	cell := formatPercent(st.CPUPct.Median)
	if st.CPUPerRequestMs != nil {
		cell += " · " + slo.FormatValue(slo.KindCPU, st.CPUPerRequestMs.Median) + "/req"
	}
	return cell
}

// stepNotes marks the notable steps of a configuration.
func stepNotes(c ConfigResult, i int) []string {
	st := c.Steps[i]
	var n []string
	if i == c.CapacityStep {
		n = append(n, "capacity")
	}
	if i == c.BreakStep {
		n = append(n, "first breach")
	}
	if i == c.SaturationStep {
		n = append(n, "saturation")
	}
	if i == c.TargetStep {
		n = append(n, "target")
	}
	if st.OOMKills > 0 {
		n = append(n, fmt.Sprintf("OOM kills: %d", st.OOMKills))
	}
	if st.Restarts > 0 && st.Restarts != st.OOMKills {
		n = append(n, fmt.Sprintf("restarts: %d", st.Restarts))
	}
	all := st.Excluded + st.Cut
	if !st.Untrustworthy {
		all += st.Repeats
	}
	switch {
	case st.Untrustworthy && st.Cut == 0:
		n = append(n, "generator saturated in every repeat: excluded")
	case st.Excluded > 0:
		n = append(n, fmt.Sprintf("generator saturated in %d of %d repeats (excluded)", st.Excluded, all))
	}
	switch {
	case st.Cut > 0 && all == 1:
		n = append(n, "cut short: decides nothing")
	case st.Cut > 0:
		n = append(n, fmt.Sprintf("cut short in %d of %d repeats (excluded)", st.Cut, all))
	}
	return n
}

// configHeadline summarises a configuration in one line: capacity,
// saturation and where it breaks; rangeNote says where the repeats' ranges
// are shown.
func configHeadline(a Analysis, c ConfigResult, rangeNote string) string {
	if c.NotRun {
		return "Not run: planned, but the run ended before this configuration was measured"
	}
	if len(c.Steps) == 0 {
		return "Could not be measured: " + c.Failure
	}
	unit := unitOf(c.Steps)
	var parts []string
	if c.CapacityStep >= 0 {
		parts = append(parts, "capacity "+capacityCell(c)+" "+unit)
	} else {
		parts = append(parts, "no step meets the SLO")
	}
	if st, ok := c.Step(c.SaturationStep); ok {
		parts = append(parts, fmt.Sprintf("saturates at %s %s (%s)", formatCount(st.Offered), unit, c.SaturationReason))
	} else {
		parts = append(parts, "no saturation within the tested loads")
	}
	parts = append(parts, c.Verdict)
	if c.Repeats > 1 {
		parts = append(parts, fmt.Sprintf("%d repeats (medians; %s)", c.Repeats, rangeNote))
	}
	if c.Failure != "" {
		parts = append(parts, c.Failure)
	}
	return strings.Join(parts, " · ")
}

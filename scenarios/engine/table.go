package engine

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/loadlab/loadlab/record"
)

// RenderTable writes one row per step: offered load, measured throughput,
// errors, latency percentiles (all requests; open-loop steps also show p95
// from the scheduled send time), the generator's CPU and the SLO verdict.
// Notes flag partial steps, saturated generators and the stop reason, and
// give the first error message of each error kind.
func RenderTable(w io.Writer, recs []record.Record) error {
	t := tablewriter.NewTable(w, tablewriter.WithHeaderAutoFormat(tw.Off))
	openLoop := false
	for _, r := range recs {
		if r.Load.Model == record.ModelRate {
			openLoop = true
		}
	}
	header := []any{"step", "load", "window", "requests", "rps", "ok rps", "errors", "p50 ms", "p95 ms", "p99 ms"}
	if openLoop {
		header = append(header, "p95 sched ms", "dropped")
	}
	header = append(header, "conns", "gen cpu", "slo", "notes")
	t.Header(header...)
	for _, r := range recs {
		row := []any{
			strconv.Itoa(r.Step),
			loadText(r.Load),
			fmt.Sprintf("%.1fs", r.WindowS),
			strconv.FormatInt(r.Requests, 10),
			fmt.Sprintf("%.1f", r.RPS),
			fmt.Sprintf("%.1f", r.OKRPS),
			errorsText(r),
			latText(r.Latency, "p50"),
			latText(r.Latency, "p95"),
			latText(r.Latency, "p99"),
		}
		if openLoop {
			sched := "-"
			if r.LatencyScheduled != nil {
				sched = fmtMs(r.LatencyScheduled.P95)
			}
			row = append(row, sched, strconv.FormatInt(r.Dropped, 10))
		}
		verdict := "pass"
		if !r.SLO.Pass {
			verdict = "FAIL"
		}
		row = append(row,
			strconv.Itoa(r.OpenConnections),
			fmt.Sprintf("%.0f%%/%.0f%%", r.Generator.CPUPct, r.Generator.CPUAvailablePct),
			verdict,
			notes(r),
		)
		if err := t.Append(row...); err != nil {
			return fmt.Errorf("render step table: %w", err)
		}
	}
	if err := t.Render(); err != nil {
		return fmt.Errorf("render step table: %w", err)
	}
	return nil
}

func loadText(l record.Load) string {
	if l.Model == record.ModelRate {
		return strconv.FormatFloat(l.Rate, 'f', -1, 64) + "/s"
	}
	return strconv.Itoa(l.Users) + " users"
}

func errorsText(r record.Record) string {
	if r.Errors == 0 {
		return "0"
	}
	return fmt.Sprintf("%d (%.2f%%)", r.Errors, r.ErrorRate*100)
}

func fmtMs(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// latText is the named statistic of l in milliseconds, or "-" when no
// response was measured.
func latText(l *record.Latency, name string) string {
	v, ok := l.Value(name)
	if !ok {
		return "-"
	}
	return fmtMs(v)
}

func notes(r record.Record) string {
	var n []string
	if s := r.Search; s != nil {
		n = append(n, searchNote(*s))
	}
	if r.Partial {
		n = append(n, "partial")
	}
	if r.Generator.Saturated {
		n = append(n, "generator saturated")
	}
	if r.Stable != nil && !*r.Stable {
		n = append(n, "unstable")
	}
	if !r.SLO.Pass && len(r.SLO.Breaches) > 0 {
		n = append(n, strings.Join(r.SLO.Breaches, "; "))
	}
	if r.StopReason != "" {
		n = append(n, "stop: "+r.StopReason)
	}
	kinds := make([]string, 0, len(r.ErrorSamples))
	for k := range r.ErrorSamples {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		n = append(n, "first "+k+": "+r.ErrorSamples[k])
	}
	return strings.Join(n, "; ")
}

// searchNote is a search step's part of the notes: "bisect: pass",
// "confirm: repeat", "approach", "trial: fail".
func searchNote(s record.Search) string {
	text := s.Phase
	if s.Verdict != "" {
		text += ": " + s.Verdict
	}
	return text
}

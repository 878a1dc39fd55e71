// The summary of loadlab ramp's results folder: summary.json.

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/redact"
	"github.com/loadlab/loadlab/report"
	"github.com/loadlab/loadlab/rundir"
	"github.com/loadlab/loadlab/scenarios"
	"github.com/loadlab/loadlab/scenarios/engine"
	"github.com/loadlab/loadlab/slo"
)

// writeRampSummary writes DIR/summary.json in the report's layout, with
// the ramp's own facts in its environment; outs holds one outcome per
// repeat (the report combines the repeats of each step).
func writeRampSummary(dir string, outs []engine.Outcome, verdict slo.SLO, sc scenarios.Scenario, urls []string, addrs [][]string, started time.Time, saved bool, red *redact.Redactor) error {
	out := allSteps(outs)
	env := map[string]any{
		"tool":        "loadlab ramp",
		"version":     version,
		"scenario":    sc.Describe(),
		"urls":        redactURLs(urls),
		"addresses":   addrs,
		"started_at":  started.UTC(),
		"finished_at": time.Now().UTC(),
		"stop_reason": red.String(out.StopReason),
		"interrupted": out.Interrupted,
		"repeats":     len(outs),
	}
	if len(outs) > 1 {
		env["stop_reasons"] = redactAll(red, stopReasons(outs))
	}
	if saved {
		env["results"] = rundir.ResultsFile
	}
	steps := make([]record.Record, len(out.Steps))
	for i, rec := range out.Steps {
		steps[i] = rec.Redacted(red)
	}
	a := report.Analyze(report.Input{Records: steps, SLO: verdict, Environment: env, Title: steps[0].Run})
	f, err := os.Create(filepath.Join(dir, report.SummaryFile))
	if err != nil {
		return fmt.Errorf("write summary: %w", err)
	}
	if err := report.WriteSummary(f, a); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write summary: %w", err)
	}
	return nil
}

// redactAll is ss with red applied to each.
func redactAll(red *redact.Redactor, ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = red.String(s)
	}
	return out
}

// redactURLs is urls as results may show them (see redact.URL).
func redactURLs(urls []string) []string {
	out := make([]string, len(urls))
	for i, u := range urls {
		out[i] = redact.URL(u)
	}
	return out
}

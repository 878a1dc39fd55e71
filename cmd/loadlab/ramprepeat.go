package main

import (
	"context"
	"fmt"
	"io"

	"github.com/loadlab/loadlab/scenarios"
	"github.com/loadlab/loadlab/scenarios/engine"
)

// This file runs loadlab ramp's --repeat: the whole ramp (ladder or
// search) once per repeat against the same URLs, as an experiment runs
// each configuration once per repeat, so that reports and gates combine
// the repeats of a step (its median, and a gate's statistics).

// rampRepeats runs the ramp sc against urls n times, one after the other
// with the same seed (the same requests, measured again). Every record of
// repeat rep (0-based) carries Repeat rep (opt.Template); the progress
// line says the repeat when n > 1. It returns one outcome per repeat
// started and stops at the first error (an interruption, whose outcome is
// the last one, or a write error).
func rampRepeats(ctx context.Context, sc scenarios.Scenario, urls []string, opt engine.Options, n int, prog *progress) ([]engine.Outcome, error) {
	var outs []engine.Outcome
	for rep := range n {
		opt.Template.Repeat = rep
		opt.Progress = func(pr engine.Progress) { prog.show(repeatPrefix(rep, n)+progressLine(pr), pr) }
		out, err := engine.Run(ctx, sc, urls, opt)
		outs = append(outs, out)
		if err != nil {
			return outs, err
		}
	}
	return outs, nil
}

// repeatPrefix is "repeat 2/5 · " for the 0-based repeat rep of n, and ""
// for a single run (whose lines stay as they were).
func repeatPrefix(rep, n int) string {
	if n <= 1 {
		return ""
	}
	return fmt.Sprintf("repeat %d/%d · ", rep+1, n)
}

// allSteps is every step record of outs, repeat after repeat, and the
// last outcome's stop reason and interruption: the whole ramp as one
// outcome for the summary.
func allSteps(outs []engine.Outcome) engine.Outcome {
	var all engine.Outcome
	for _, o := range outs {
		all.Steps = append(all.Steps, o.Steps...)
		all.StopReason, all.Interrupted = o.StopReason, o.Interrupted
	}
	return all
}

// renderRepeatTables writes each repeat's step table, headed "repeat 2 of
// 5:" when there are several (a step number recurs in every repeat).
func renderRepeatTables(w io.Writer, outs []engine.Outcome) error {
	for i, o := range outs {
		if len(o.Steps) == 0 {
			continue
		}
		if len(outs) > 1 {
			if _, err := fmt.Fprintf(w, "repeat %d of %d:\n", i+1, len(outs)); err != nil {
				return fmt.Errorf("write the step table: %w", err)
			}
		}
		if err := engine.RenderTable(w, o.Steps); err != nil {
			return err
		}
	}
	return nil
}

// rampEnd is the sentence saying how one repeat's ramp ended, or "" when
// it ran every step: a search's answer ("search done: capacity …", from
// the engine) or the stop condition that ended a ladder early. It is
// prefixed "repeat 2 of 5: " when there are several.
func rampEnd(out engine.Outcome, rep, n int) string {
	var s string
	switch {
	case out.Interrupted || len(out.Steps) == 0:
		return ""
	case searchResult(out) != nil:
		s = out.StopReason
	case out.StopReason != "":
		s = fmt.Sprintf("ramp stopped after step %d: %s", out.Steps[len(out.Steps)-1].Step, out.StopReason)
	default:
		return ""
	}
	if n > 1 {
		s = fmt.Sprintf("repeat %d of %d: %s", rep+1, n, s)
	}
	return s
}

// stopReasons is each repeat's stop reason, for summary.json ("" for a
// repeat that ran every step).
func stopReasons(outs []engine.Outcome) []string {
	out := make([]string, len(outs))
	for i, o := range outs {
		out[i] = o.StopReason
	}
	return out
}

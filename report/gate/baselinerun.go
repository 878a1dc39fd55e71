package gate

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/loadlab/loadlab/report"
)

// OpenBaseline reads the baseline at path: a baseline JSON (LoadBaseline)
// or, when path is a folder, the results of a complete run taken at the
// point cur is gated at (BaselineFromDir).
func OpenBaseline(path string, cur Input) (*Baseline, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return BaselineFromDir(path, cur)
	}
	return LoadBaseline(path)
}

// BaselineFromDir builds a baseline from results folder dir at the point
// cur is gated at (cur.At, AtLoad, TargetLoad). The folder must hold a
// complete run, judged by its own plan.json and steps.jsonl as
// SaveBaseline judges it; otherwise the error is an *ExitError with
// ExitUntrustworthy.
func BaselineFromDir(dir string, cur Input) (*Baseline, error) {
	in, err := report.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("baseline run: %w", err)
	}
	g := cur
	g.Records, g.Plan, g.Torn, g.Experiment, g.Machine = in.Records, in.Plan, in.Torn, experimentOf(in), machineOf(in.Environment)
	if err := complete(dir, g); err != nil {
		return nil, err
	}
	g.Capacity, g.Step = report.Capacities(in)
	b, err := NewBaseline(g, time.Now())
	if err == nil {
		err = b.missingLevels("it", cur.Records)
	}
	if err != nil {
		return nil, fmt.Errorf("baseline run %s: %w", dir, err)
	}
	return &b, nil
}

// SaveBaseline keeps the figures of the run in results folder dir, at the
// point o selects (o.AtLoad or o.At; thresholds, baseline and tolerance
// are ignored), as a baseline JSON at path, and says so on stderr. The
// run must be complete: an incomplete one, or one with a failed
// configuration or repeat, is refused with an *ExitError carrying
// ExitUntrustworthy; options or a folder that cannot be read are
// ExitUsage.
func SaveBaseline(ctx context.Context, dir, path string, o Options, stderr io.Writer) error {
	o.SLO = "p95<1h" // thresholds are irrelevant to a baseline; any valid one selects the point
	in, err := FromDir(dir, o)
	if err != nil {
		return usage(err)
	}
	if err := complete(dir, in); err != nil {
		return err
	}
	b, err := NewBaseline(in, time.Now())
	if err != nil {
		return err
	}
	for _, m := range b.missingText() {
		if _, err := fmt.Fprintf(stderr, "loadlab: left out of the baseline: %s\n", m); err != nil {
			return err
		}
	}
	if err := b.Save(path); err != nil {
		return err
	}
	_, err = fmt.Fprintf(stderr, "loadlab: baseline of %s (%d configurations, %s) saved to %s\n",
		b.Run, len(b.Configs), strconv.Quote(in.At), path)
	return err
}

// complete refuses, with ExitUntrustworthy, the run of results folder dir
// read into in when it cannot serve as a baseline: an incomplete run or
// one with a failed configuration or repeat (Untrusted).
func complete(dir string, in Input) error {
	if why := Untrusted(in.Records, in.Plan, in.Torn); len(why) > 0 {
		return &ExitError{Code: ExitUntrustworthy, Err: fmt.Errorf("%s cannot serve as a baseline (%s): a baseline must come from a complete run without failures",
			dir, strings.Join(why, "; "))}
	}
	return nil
}

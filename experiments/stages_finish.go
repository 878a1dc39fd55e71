package experiments

import (
	"context"
	"fmt"

	"github.com/loadlab/loadlab/report"
	"github.com/loadlab/loadlab/report/gate"
)

// reportStage writes the report (report.md, report.html, plots,
// summary.json, steps.csv, and the terminal tables) from whatever was
// measured, also after an interruption or a failure: a run cut short is
// reported as incomplete. Only a run that measured nothing has no report.
type reportStage struct{}

func (reportStage) String() string { return "report" }
func (reportStage) final()         {}

func (reportStage) Run(ctx context.Context, s *runState) error {
	if !s.measured {
		return nil
	}
	if s.loopErr != nil && s.res.Steps == 0 && len(s.res.Failed) == 0 {
		// Interrupted (or broken) before anything was measured: there is
		// nothing to report.
		fmt.Fprintf(s.Stderr, "loadlab: no step was measured: no report written (results folder %s)\n", s.dir)
		return nil
	}
	in, err := report.LoadDir(s.dir)
	if err != nil {
		return fmt.Errorf("read results for the report: %w", err)
	}
	// The report is written in full even after Ctrl-C.
	files, err := report.WriteAll(context.WithoutCancel(ctx), s.dir, in)
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if err := report.WriteTerminal(s.Stdout, in); err != nil {
		return err
	}
	fmt.Fprintf(s.Stderr, "loadlab: report: %s/report.html (%d files)\n", s.dir, len(files))
	for _, f := range s.res.Failed {
		fmt.Fprintf(s.Stderr, "loadlab: configuration failed: %s\n", f)
	}
	return nil
}

// outcomeStage ends a run whose report is complete but that still failed:
// interrupted while the report was written (the run ends as interrupted),
// or every configuration and repeat failed.
type outcomeStage struct{}

func (outcomeStage) String() string { return "outcome" }

func (outcomeStage) Run(ctx context.Context, s *runState) error {
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted after the run (report complete): %w", ctx.Err())
	}
	runs := len(s.e.Expand()) * s.e.Repeat
	if s.e.Search != nil {
		runs = s.res.Trials // a failed trial of a search is one that could not be measured
	}
	if runs > 0 && len(s.res.Failed) == runs {
		return fmt.Errorf("every configuration failed; see %s", s.dir)
	}
	return nil
}

// gateStage gates the fresh run when Session.Gate is set (gate.Run): on
// the experiment's gates (else the slo recorded with the run), with the
// session's baseline and tolerance; the table goes to Stdout.
type gateStage struct{}

func (gateStage) String() string { return "gate" }

func (gateStage) Run(ctx context.Context, s *runState) error {
	if s.Gate == nil {
		return nil
	}
	o := *s.Gate
	o.SLO = s.e.Gates
	return gate.Run(ctx, s.dir, o, s.Stdout, s.Stderr)
}

// releaseStage closes the runtime's client, whatever happened before.
type releaseStage struct{}

func (releaseStage) String() string { return "release runtime" }
func (releaseStage) final()         {}

func (releaseStage) Run(_ context.Context, s *runState) error {
	if s.rt == nil {
		return nil
	}
	// Closing the client cannot lose a measurement; as before, a failure
	// to close it does not fail the run.
	_ = s.rt.Close()
	return nil
}

package gate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// ExitError is an error of Run, OpenBaseline or SaveBaseline that decides
// the process exit code: ExitUsage for bad options or unreadable input,
// ExitFail for a failed gate, ExitUntrustworthy for a run that cannot be
// judged. Err, when set, is what to tell the user; it is nil when the
// verdict was already written.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// usage wraps err as an ExitUsage error, unless it already carries a code.
func usage(err error) error {
	if ee := (*ExitError)(nil); errors.As(err, &ee) {
		return err
	}
	return &ExitError{Code: ExitUsage, Err: err}
}

// Run gates the recorded run in results folder dir with o: it evaluates
// the thresholds (and the baseline, when o.Baseline is set), writes the
// verdict's table to stdout, its JUnit XML to o.JUnit (default
// <dir>/gate.junit.xml), appends the Markdown summary to
// $GITHUB_STEP_SUMMARY when that is set, and says the outcome on stderr.
// It returns nil when every gate passed, else an *ExitError carrying the
// exit code (ExitFail, ExitUntrustworthy, or ExitUsage for bad options
// or unreadable input); write errors are returned as they are.
func Run(ctx context.Context, dir string, o Options, stdout, stderr io.Writer) error {
	// Options are checked before any folder is judged: a usage error is
	// exit 2 whatever the runs hold.
	tol, err := o.ParseTolerance()
	if err != nil {
		return usage(err)
	}
	in, err := FromDir(dir, o)
	if err != nil {
		return usage(err)
	}
	if o.Against != "" {
		if in, err = AgainstVersion(in, o.Against, time.Now()); err != nil {
			return usage(err)
		}
		in.Tolerance = tol
		if o.Tolerance == "" {
			in.Tolerance = tol.withStreaming(in)
		}
	}
	if o.Baseline != "" {
		b, err := OpenBaseline(o.Baseline, in)
		if err != nil {
			return usage(err)
		}
		in.Baseline, in.Tolerance = b, tol
		if o.Tolerance == "" {
			in.Tolerance = tol.withStreaming(in)
		}
		if err := Refusal(in); err != nil {
			return usage(fmt.Errorf("baseline %s: %w", o.Baseline, err))
		}
	}
	v := Evaluate(in)
	if err := WriteTable(stdout, v); err != nil {
		return err
	}
	junit := o.JUnit
	if junit == "" {
		junit = filepath.Join(dir, "gate.junit.xml")
	}
	if err := writeVerdict(junit, os.O_TRUNC, "JUnit", WriteJUnit, v); err != nil {
		return err
	}
	if err := AppendStepSummary(v); err != nil {
		return err
	}
	if o.Summary != "" {
		if err := writeVerdict(o.Summary, os.O_TRUNC, "--summary", WriteMarkdown, v); err != nil {
			return err
		}
	}
	code := v.ExitCode()
	if _, err := fmt.Fprintf(stderr, "loadlab: gate: %s (JUnit: %s)\n", [...]string{"pass", "FAIL", "usage", "UNTRUSTWORTHY"}[code], junit); err != nil {
		return err
	}
	if code != ExitPass {
		return &ExitError{Code: code}
	}
	return nil
}

// ParseTolerance parses o.Tolerance (DefaultTolerance when empty) when
// there is a baseline to compare with; a tolerance without a baseline is
// an error. Run checks it first; a command may check it earlier.
func (o Options) ParseTolerance() (Tolerance, error) {
	switch {
	case o.Baseline != "" && o.Against != "":
		return Tolerance{}, errors.New("give --baseline or --against, not both")
	case o.Baseline != "" || o.Against != "":
		text := o.Tolerance
		if text == "" {
			text = DefaultTolerance
		}
		tol, err := ParseTolerance(text)
		if err != nil {
			return Tolerance{}, fmt.Errorf("--tolerance: %w", err)
		}
		return tol, nil
	case o.Tolerance != "":
		return Tolerance{}, errors.New("--tolerance needs --baseline (or --against champion)")
	}
	return Tolerance{}, nil
}

// writeVerdict writes v with render into the file at path, created if
// missing and opened with flag: os.O_TRUNC replaces what it held
// (gate.junit.xml, --summary), os.O_APPEND adds to it
// ($GITHUB_STEP_SUMMARY). what names the file in errors.
func writeVerdict(path string, flag int, what string, render func(io.Writer, Verdict) error, v Verdict) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|flag, 0o644)
	if err != nil {
		return fmt.Errorf("write %s: %w", what, err)
	}
	if err := render(f, v); err != nil {
		f.Close()
		return fmt.Errorf("write %s %s: %w", what, path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s %s: %w", what, path, err)
	}
	return nil
}

package gate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fixture copies the report's recorded run name (../testdata) to a
// temporary folder, for Run to write its JUnit file into.
func fixture(t *testing.T, name string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("..", "testdata", name))); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestRun gates recorded runs end to end: the exit code travels as an
// *ExitError (nil for a pass), with the words to show for a usage or
// baseline problem and none when the verdict was written; the verdict's
// table goes to stdout, its JUnit file next to the run (or to
// Options.JUnit), its outcome to stderr, and its Markdown to
// $GITHUB_STEP_SUMMARY.
func TestRun(t *testing.T) {
	for _, c := range []struct {
		name, run string
		o         Options
		code      int
		err       string // the ExitError's words; "" when none
		said      string // on stderr, for a written verdict
	}{
		{name: "pass", run: "no-answers", o: Options{SLO: "rps>=0", At: AtCapacity}, code: ExitPass, said: "loadlab: gate: pass (JUnit: "},
		{name: "fail", run: "no-answers", code: ExitFail, said: "loadlab: gate: FAIL (JUnit: "},
		{name: "untrustworthy", run: "interrupted", code: ExitUntrustworthy, said: "loadlab: gate: UNTRUSTWORTHY (JUnit: "},
		{name: "tolerance without baseline", run: "no-answers", o: Options{Tolerance: "p95=10%"}, code: ExitUsage, err: "--tolerance needs --baseline"},
		{name: "bad tolerance", run: "no-answers", o: Options{Baseline: "b.json", Tolerance: "bogus"}, code: ExitUsage, err: `--tolerance: tolerance "bogus"`},
		{name: "bad --at", run: "no-answers", o: Options{At: "bogus"}, code: ExitUsage, err: `--at "bogus": use target or capacity`},
		{name: "missing baseline", run: "no-answers", o: Options{Baseline: "nonexistent.json"}, code: ExitUsage, err: "read baseline: open nonexistent.json"},
		{name: "incomplete baseline run", run: "no-answers", o: Options{Baseline: filepath.Join("..", "testdata", "interrupted")}, code: ExitUntrustworthy,
			err: "cannot serve as a baseline (incomplete run: "},
		{name: "baseline run", run: "no-answers", o: Options{SLO: "rps>=0", At: AtCapacity, Baseline: filepath.Join("..", "testdata", "no-answers"), Tolerance: "capacity=0step"},
			code: ExitPass, said: "loadlab: gate: pass (JUnit: "},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := fixture(t, c.run)
			summary := filepath.Join(t.TempDir(), "summary.md")
			t.Setenv("GITHUB_STEP_SUMMARY", summary)
			var stdout, stderr bytes.Buffer
			err := Run(context.Background(), dir, c.o, &stdout, &stderr)
			var ee *ExitError
			switch {
			case c.code == ExitPass && err != nil:
				t.Fatalf("err = %v, want none\n%s", err, stderr.String())
			case c.code != ExitPass && (!errors.As(err, &ee) || ee.Code != c.code):
				t.Fatalf("err = %#v, want an ExitError with code %d", err, c.code)
			}
			if c.err != "" {
				if ee.Err == nil || !strings.Contains(ee.Err.Error(), c.err) {
					t.Errorf("err = %v, want one saying %q", ee.Err, c.err)
				}
				if stdout.Len() > 0 || stderr.Len() > 0 {
					t.Errorf("a refused gate wrote a verdict:\n%s%s", stdout.String(), stderr.String())
				}
				return
			}
			if ee != nil && ee.Err != nil {
				t.Errorf("a written verdict's error has words: %v", ee.Err)
			}
			junit := filepath.Join(dir, "gate.junit.xml")
			if got := stderr.String(); got != c.said+junit+")\n" {
				t.Errorf("stderr = %q, want %q", got, c.said+junit+")\n")
			}
			if !strings.Contains(stdout.String(), "RESULT") {
				t.Errorf("no verdict table on stdout:\n%s", stdout.String())
			}
			for _, f := range []string{junit, summary} {
				if st, err := os.Stat(f); err != nil || st.Size() == 0 {
					t.Errorf("%s not written: %v", f, err)
				}
			}
		})
	}
}

// TestSaveBaseline keeps a complete run's figures as a baseline JSON that
// LoadBaseline reads back, and refuses an incomplete run with
// ExitUntrustworthy and bad options with ExitUsage, writing nothing.
func TestSaveBaseline(t *testing.T) {
	path := filepath.Join(t.TempDir(), "b", "base.json")
	var stderr bytes.Buffer
	if err := SaveBaseline(context.Background(), filepath.Join("..", "testdata", "no-answers"), path, Options{}, &stderr); err != nil {
		t.Fatal(err)
	}
	b, err := LoadBaseline(path)
	if err != nil || len(b.Configs) == 0 || b.At != AtTarget {
		t.Fatalf("saved baseline %+v, %v", b, err)
	}
	if want := fmt.Sprintf("loadlab: baseline of %s (%d configurations, \"target\") saved to %s\n", b.Run, len(b.Configs), path); stderr.String() != want {
		t.Errorf("stderr = %q, want %q", stderr.String(), want)
	}
	for _, c := range []struct {
		run  string
		o    Options
		code int
		err  string
	}{
		{"interrupted", Options{}, ExitUntrustworthy, "cannot serve as a baseline (incomplete run: "},
		{"no-answers", Options{At: "bogus"}, ExitUsage, `--at "bogus"`},
		{"nonexistent", Options{}, ExitUsage, "steps.jsonl does not exist"},
	} {
		out := filepath.Join(t.TempDir(), "b.json")
		stderr.Reset()
		err := SaveBaseline(context.Background(), filepath.Join("..", "testdata", c.run), out, c.o, &stderr)
		var ee *ExitError
		if !errors.As(err, &ee) || ee.Code != c.code || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%s %+v: err = %v, want exit %d saying %q", c.run, c.o, err, c.code, c.err)
		}
		if _, serr := os.Stat(out); !errors.Is(serr, os.ErrNotExist) || stderr.Len() > 0 {
			t.Errorf("%s: a refused baseline was written (%v) or announced: %q", c.run, serr, stderr.String())
		}
	}
}

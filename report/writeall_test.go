package report

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteFileAtomicLeavesNoTmp(t *testing.T) {
	for name, render := range map[string]func(io.Writer) error{
		"error": func(w io.Writer) error { _, _ = io.WriteString(w, "half"); return errors.New("boom") },
		"panic": func(w io.Writer) error {
			_, _ = io.WriteString(w, "half")
			panic("Values must be greater than 0 for a log scale.")
		},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "report.html")
			err := writeFileAtomic(path, render)
			if err == nil || !strings.Contains(err.Error(), "report.html") {
				t.Errorf("err = %v, want one naming the file", err)
			}
			if left, _ := filepath.Glob(filepath.Join(dir, "*")); len(left) > 0 {
				t.Errorf("left behind: %v", left)
			}
		})
	}
}

func TestWriteAllWritesTheSummaryFirstAndGoesOn(t *testing.T) {
	in := fixture(t, "interrupted")
	dir := t.TempDir()
	// A directory where report.md should be makes that one file fail.
	if err := os.MkdirAll(filepath.Join(dir, MarkdownFile+".tmp"), 0o755); err != nil {
		t.Fatal(err)
	}
	files, err := WriteAll(context.Background(), dir, in)
	if err == nil || !strings.Contains(err.Error(), MarkdownFile) {
		t.Fatalf("err = %v, want the report.md failure", err)
	}
	if len(files) < 2 || filepath.Base(files[0]) != SummaryFile || filepath.Base(files[1]) != StepsCSVFile {
		t.Errorf("files %v: want summary.json and steps.csv first", files)
	}
	for _, f := range []string{SummaryFile, StepsCSVFile, HTMLFile, filepath.Join(PlotDir, PlotTimeline+".svg")} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s not written after report.md failed: %v", f, err)
		}
	}
}

package report

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Names of the files WriteAll writes, relative to its directory.
const (
	MarkdownFile = "report.md"
	HTMLFile     = "report.html"
	SummaryFile  = "summary.json"
	StepsCSVFile = "steps.csv"
	PlotDir      = "plots"
)

// WriteAll analyses in and writes every rendering into dir: report.md,
// report.html, summary.json, steps.csv and plots/<name>.png and .svg for
// each of Plots. Each file is written to a temporary name and renamed, so
// a reader never sees half a report. It returns the paths written, in
// order, and stops at the first error or when ctx is done.
func WriteAll(ctx context.Context, dir string, in Input) (files []string, err error) {
	a := Analyze(in)
	if err := os.MkdirAll(filepath.Join(dir, PlotDir), 0o755); err != nil {
		return nil, fmt.Errorf("create report folder %s: %w", dir, err)
	}
	write := func(name string, render func(io.Writer) error) error {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("write report: %w", err)
		}
		path := filepath.Join(dir, name)
		if err := writeFileAtomic(path, render); err != nil {
			return err
		}
		files = append(files, path)
		return nil
	}
	steps := []struct {
		name   string
		render func(io.Writer) error
	}{
		{MarkdownFile, func(w io.Writer) error { return WriteMarkdown(w, a, PlotDir) }},
		{HTMLFile, func(w io.Writer) error { return WriteHTML(w, a) }},
		{SummaryFile, func(w io.Writer) error { return WriteSummary(w, a) }},
		{StepsCSVFile, func(w io.Writer) error { return WriteStepsCSV(w, in.Records) }},
	}
	for _, name := range Plots {
		for _, format := range []string{"png", "svg"} {
			steps = append(steps, struct {
				name   string
				render func(io.Writer) error
			}{filepath.Join(PlotDir, name+"."+format), func(w io.Writer) error { return WritePlot(w, a, name, format) }})
		}
	}
	for _, s := range steps {
		if err := write(s.name, s.render); err != nil {
			return files, err
		}
	}
	return files, nil
}

// writeFileAtomic renders into path.tmp, syncs and renames it to path.
func writeFileAtomic(path string, render func(io.Writer) error) (err error) {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	if err := render(f); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("rename %s: %w", path, err)
	}
	return nil
}

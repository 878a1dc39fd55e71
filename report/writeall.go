package report

import (
	"context"
	"errors"
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

// WriteAll analyses in and writes every rendering into dir: summary.json
// and steps.csv first (they need no drawing), then report.md (ending with
// the rollout section when the run measured rollouts), report.html and
// plots/<name>.png and .svg for each of ReportPlots and SearchPlots (and
// plots/rollout-<name>.png and .svg for each rollout). Each file is written to
// a temporary name and renamed, so a reader never sees half a report and
// no temporary file stays behind. A file that fails to render does not
// stop the others: WriteAll returns the paths written, in order, and every
// failure joined. It stops when ctx is done.
func WriteAll(ctx context.Context, dir string, in Input) (files []string, err error) {
	a := Analyze(in)
	if err := os.MkdirAll(filepath.Join(dir, PlotDir), 0o755); err != nil {
		return nil, fmt.Errorf("create report folder %s: %w", dir, err)
	}
	steps := []struct {
		name   string
		render func(io.Writer) error
	}{
		{SummaryFile, func(w io.Writer) error { return WriteSummary(w, a) }},
		{StepsCSVFile, func(w io.Writer) error { return WriteStepsCSV(w, in.Records) }},
		{MarkdownFile, func(w io.Writer) error {
			if err := WriteMarkdown(w, a, PlotDir); err != nil {
				return err
			}
			if in.Rollouts == nil {
				return nil
			}
			return WriteRolloutsMarkdown(w, *in.Rollouts, PlotDir)
		}},
		{HTMLFile, func(w io.Writer) error { return WriteHTML(w, a) }},
	}
	for _, name := range append(ReportPlots(a), SearchPlots(a)...) {
		for _, format := range []string{"png", "svg"} {
			steps = append(steps, struct {
				name   string
				render func(io.Writer) error
			}{filepath.Join(PlotDir, name+"."+format), func(w io.Writer) error { return WritePlot(w, a, name, format) }})
		}
	}
	if r := in.Rollouts; r != nil {
		for _, win := range r.Windows {
			for _, format := range []string{"png", "svg"} {
				steps = append(steps, struct {
					name   string
					render func(io.Writer) error
				}{filepath.Join(PlotDir, rolloutPlotName(win.Name, format)), func(w io.Writer) error { return WriteRolloutPlot(w, r.Seconds, win, format) }})
			}
		}
	}
	var errs []error
	for _, s := range steps {
		if err := ctx.Err(); err != nil {
			return files, errors.Join(append(errs, fmt.Errorf("write report: %w", err))...)
		}
		path := filepath.Join(dir, s.name)
		if err := writeFileAtomic(path, s.render); err != nil {
			errs = append(errs, err)
			continue
		}
		files = append(files, path)
	}
	return files, errors.Join(errs...)
}

// writeFileAtomic renders into path.tmp, syncs and renames it to path. On
// any failure, a panic of the renderer included (a plotting library's
// internal error), path.tmp is removed and the error names path.
func writeFileAtomic(path string, render func(io.Writer) error) (err error) {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s: internal error while rendering: %v", path, r)
		}
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

package report

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/report/rollout"
	"github.com/loadlab/loadlab/rundir"
)

// Rollouts is a rollout experiment's data: the per-second timeline and
// the rollouts measured in it.
type Rollouts struct {
	Seconds []record.Second
	Windows []rollout.Window
}

// Verdicts judges every rollout (see rollout.Judge).
func (r Rollouts) Verdicts() []rollout.Verdict {
	vs := make([]rollout.Verdict, 0, len(r.Windows))
	for _, w := range r.Windows {
		vs = append(vs, rollout.Judge(r.Seconds, w))
	}
	return vs
}

// readRollouts reads dir's timeline.jsonl and rollouts.json; nil when the
// run measured no rollout (neither file exists).
func readRollouts(dir string) (*Rollouts, error) {
	f, err := os.Open(filepath.Join(dir, rundir.RolloutsFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read rollouts: %w", err)
	}
	defer f.Close()
	ws, err := rollout.ReadWindows(f)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", f.Name(), err)
	}
	secs, err := record.ReadTimelineFile(filepath.Join(dir, rundir.TimelineFile))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	return &Rollouts{Seconds: secs, Windows: ws}, nil
}

// WriteRolloutsMarkdown writes the rollout section of report.md: the
// verdict table and a plot per rollout (under plotDir, as WriteAll names
// them).
func WriteRolloutsMarkdown(w io.Writer, r Rollouts, plotDir string) error {
	if _, err := io.WriteString(w, "\n## Rollouts under load\n\nEach rollout was measured on a fresh deployment under the same held load; the failed requests, the worst one-second p95 and the duration count the seconds from the update's start to its end.\n\n"); err != nil {
		return fmt.Errorf("write the rollout section: %w", err)
	}
	if err := rollout.WriteMarkdown(w, r.Verdicts()); err != nil {
		return err
	}
	for _, win := range r.Windows {
		name := rolloutPlotName(win.Name, "png")
		if _, err := fmt.Fprintf(w, "\n![rollout %s](%s)\n", win.Name, filepath.ToSlash(filepath.Join(plotDir, name))); err != nil {
			return fmt.Errorf("write the rollout section: %w", err)
		}
	}
	return nil
}

package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/schollz/progressbar/v3"

	"github.com/loadlab/loadlab/experiments"
	"github.com/loadlab/loadlab/redact"
	"github.com/loadlab/loadlab/scenarios/engine"
)

// progress shows the engine's progress for ramp and run: on a terminal a
// progress bar that log lines print above; otherwise (or with CI=true)
// plain lines every 10 s and at each step end. It is also a log writer.
type progress struct {
	mu   sync.Mutex
	w    io.Writer
	bar  *progressbar.ProgressBar
	last time.Time
	// red redacts log lines (nil: by pattern only).
	red *redact.Redactor
}

// newProgress returns the progress display and the function that ends it.
func newProgress(w io.Writer) (*progress, func()) {
	p := &progress{w: w}
	if f, ok := w.(*os.File); ok && isatty.IsTerminal(f.Fd()) && os.Getenv("CI") != "true" {
		p.bar = progressbar.NewOptions64(1000,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetWidth(25),
			progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionSetPredictTime(false),
			progressbar.OptionClearOnFinish(),
		)
	}
	return p, func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.bar != nil {
			_ = p.bar.Finish()
		}
	}
}

// Write prints a log line above the bar.
func (p *progress) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		_ = p.bar.Clear()
	}
	if _, err := io.WriteString(p.w, "loadlab: "+p.red.String(string(b))); err != nil {
		return 0, err
	}
	return len(b), nil
}

// show displays line, with the bar at the ramp's elapsed fraction.
func (p *progress) show(line string, pr engine.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		if total := pr.Elapsed + pr.Remaining; total > 0 {
			_ = p.bar.Set64(int64(1000 * pr.Elapsed / total))
		}
		p.bar.Describe(line)
		if pr.Done {
			_ = p.bar.Clear()
			fmt.Fprintln(p.w, "loadlab: "+line)
		}
		return
	}
	if pr.Done || time.Since(p.last) >= 10*time.Second {
		p.last = time.Now()
		fmt.Fprintln(p.w, "loadlab: "+line)
	}
}

// update shows a run's progress (see runProgressLine).
func (p *progress) update(rp experiments.RunProgress) {
	p.show(runProgressLine(rp), rp.Step)
}

// runProgressLine is a run's progress line: the configuration, the step,
// and the whole run's time left (see runLeft): "config 1/2 cpu1-x1 · step
// 2/4 · … · run ≤ 3m0s left". A limit search does not know how many
// trials it takes: its line names the trial within its replica count,
// with the time left in the trial only, "trial 3 (1 replica)
// cpu0.4-mem512m-x1 · step 2/4 · … · 40s left".
func runProgressLine(rp experiments.RunProgress) string {
	line := rp.Where() + " · " + progressLine(rp.Step)
	if rp.Trial > 0 {
		return line
	}
	return fmt.Sprintf("%s · run ≤ %s left", line, runLeft(rp).Round(time.Second))
}

// runLeft estimates the time left in the whole run: the rest of this ramp
// plus a full ramp for every configuration (and repeat) still to come. It
// is an upper bound on load time (a ramp may stop early on a breach) and
// leaves out deploy, teardown and cooldown, a few seconds each. In a
// limit search (Configs 0: the trials to come are not known) it is the
// rest of this trial.
func runLeft(rp experiments.RunProgress) time.Duration {
	ramp := rp.Step.Elapsed + rp.Step.Remaining
	later := (rp.Configs-rp.Config)*rp.Repeats + (rp.Repeats - 1 - rp.Repeat)
	return rp.Step.Remaining + time.Duration(max(later, 0))*ramp
}

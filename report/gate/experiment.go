package gate

import (
	"fmt"

	"github.com/loadlab/loadlab/report"
	"github.com/loadlab/loadlab/rundir"
)

// experimentOf is the experiment of results folder in: the name in its
// experiment.yaml, else the one its run ID carries; "" when neither says.
func experimentOf(in report.Input) string {
	if in.Title != "" {
		return in.Title
	}
	for _, r := range in.Records {
		if r.Run != "" {
			return rundir.ExperimentOf(r.Run)
		}
	}
	return ""
}

// experiment is the experiment b was recorded from: its own field, or for
// a baseline saved before it had one, the name in its run ID.
func (b Baseline) experiment() string {
	if b.Experiment != "" {
		return b.Experiment
	}
	return rundir.ExperimentOf(b.Run)
}

// otherExperiment says that in's baseline comes from another experiment
// than its run ("" when they are the same or either is unknown).
func otherExperiment(in Input) string {
	if in.Baseline == nil {
		return ""
	}
	base := in.Baseline.experiment()
	if base == "" || in.Experiment == "" || base == in.Experiment {
		return ""
	}
	return fmt.Sprintf("the baseline is of experiment %q (run %s), this run of %q", base, in.Baseline.Run, in.Experiment)
}

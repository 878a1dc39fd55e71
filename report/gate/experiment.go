package gate

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/loadlab/loadlab/report"
)

// runIDSuffix is the random suffix rundir.NewRunID ends a run ID with
// ("-3fa9c2"); run IDs made before it have none.
var runIDSuffix = regexp.MustCompile(`-[0-9a-f]{6}$`)

// ExperimentOf derives the experiment name from a run ID of
// rundir.NewRunID, "<UTC time>-<name>-<6 hex>" ("20261122T120000Z-quick-3fa9c2"
// → "quick"), or of the earlier form without the suffix
// ("20261122T155504Z-quick" → "quick"). It is "" when runID does not start
// with such a time. A name that itself ends in a dash and 6 hex digits
// cannot be told from a suffixed ID: baselines store their experiment for
// that reason.
func ExperimentOf(runID string) string {
	stamp, rest, ok := strings.Cut(runID, "-")
	if !ok || rest == "" {
		return ""
	}
	if _, err := time.Parse("20060102T150405Z", stamp); err != nil {
		return ""
	}
	if name := runIDSuffix.ReplaceAllString(rest, ""); name != "" {
		return name
	}
	return rest
}

// experimentOf is the experiment of results folder in: the name in its
// experiment.yaml, else the one its run ID carries; "" when neither says.
func experimentOf(in report.Input) string {
	if in.Title != "" {
		return in.Title
	}
	for _, r := range in.Records {
		if r.Run != "" {
			return ExperimentOf(r.Run)
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
	return ExperimentOf(b.Run)
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

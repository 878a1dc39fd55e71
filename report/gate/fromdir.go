package gate

import (
	"errors"
	"fmt"
	"math"

	"github.com/loadlab/loadlab/report"
	"github.com/loadlab/loadlab/slo"
)

// Options say what a recorded run is gated on and where: the flags of
// `loadlab gate`, `baseline save` and `run --gate`.
type Options struct {
	// SLO is the thresholds' expression; "" means the experiment's
	// gates:, else its slo: (report.Input.Thresholds).
	SLO string
	// AtLoad, when > 0, evaluates at the step with this offered load
	// (users, or requests per second for an open-loop run); it excludes At.
	AtLoad float64
	// At is AtTarget (also when empty) or AtCapacity.
	At string
	// Baseline, when set, is a baseline JSON (from SaveBaseline) or a
	// results folder of a complete run to compare with (OpenBaseline);
	// Tolerance the allowed regressions (ParseTolerance; "" means
	// DefaultTolerance, and is the only value allowed without Baseline).
	Baseline  string
	Tolerance string
	// Against, when set (record.VersionChampion, the one value), gates a
	// champion/challenger run's challengers against their champions of
	// the same run instead of a Baseline (AgainstVersion); it excludes
	// Baseline and takes Tolerance as Baseline does.
	Against string
	// Alpha is the significance level of the baseline comparison (0
	// means DefaultAlpha; else between 0 and 1 exclusive).
	Alpha float64
	// AllowMissing accepts configurations that the run or the baseline
	// lacks (a passing check with a note instead of a failure);
	// AllowOtherExperiment accepts a baseline of another experiment
	// (noted in the verdict instead of refused with ExitUsage).
	AllowMissing         bool
	AllowOtherExperiment bool
	// JUnit is where Run writes its JUnit XML ("" means
	// <results folder>/gate.junit.xml); Summary, when set, is a file Run
	// writes the Markdown summary to (WriteMarkdown), as well as
	// appending it to $GITHUB_STEP_SUMMARY when that is set.
	JUnit   string
	Summary string
}

// FromDir builds the gate input of results folder dir: its records, plan
// and torn line (report.ReadDir: a run without any step is read, not
// refused, for Evaluate to call incomplete), the thresholds, where to
// evaluate them, and each configuration's capacity and ramp step
// (report.Capacities), its experiment's name and the baseline options.
// Every error is a usage error (ExitUsage): the
// folder cannot be read, or the options are wrong.
func FromDir(dir string, o Options) (Input, error) {
	in, err := report.ReadDir(dir)
	if err != nil {
		return Input{}, err
	}
	expr := o.SLO
	if expr == "" {
		expr = in.Thresholds()
	}
	conds, err := slo.Parse(expr)
	if err != nil {
		return Input{}, fmt.Errorf("--slo: %w", err)
	}
	if len(conds) == 0 {
		return Input{}, errors.New("no thresholds: give --slo, or gates:/slo: in the experiment file")
	}
	if o.Alpha < 0 || o.Alpha >= 1 || math.IsNaN(o.Alpha) {
		return Input{}, fmt.Errorf("--alpha %g: want a significance level between 0 and 1, e.g. 0.05", o.Alpha)
	}
	g := Input{Records: in.Records, SLO: conds, TargetLoad: float64(in.TargetLoad), Plan: in.Plan, Torn: in.Torn,
		Experiment: experimentOf(in), Machine: machineOf(in.Environment), Alpha: o.Alpha, AllowMissing: o.AllowMissing, AllowOtherExperiment: o.AllowOtherExperiment}
	switch {
	case o.AtLoad > 0 && o.At != "":
		return Input{}, errors.New("give --at-users or --at, not both")
	case o.AtLoad > 0:
		g.At, g.AtLoad = AtUsers, o.AtLoad
	case o.At == "" || o.At == AtTarget:
		g.At = AtTarget
	case o.At == AtCapacity:
		g.At = AtCapacity
	default:
		return Input{}, fmt.Errorf("--at %q: use target or capacity (or --at-users N)", o.At)
	}
	g.Capacity, g.Step = report.Capacities(in)
	return g, nil
}

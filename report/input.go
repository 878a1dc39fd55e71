// Package report turns recorded steps (steps.jsonl) into the capacity answer
// of a run: pure analysis functions (capacity, saturation, cost, scaling,
// recommendation) and renderers for the terminal, Markdown, HTML, plots,
// summary.json and steps.csv. Renderers are func(io.Writer, ...) error and
// never print on their own; WriteAll writes every artefact into a directory.
package report

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/rundir"
	"github.com/loadlab/loadlab/search"
	"github.com/loadlab/loadlab/slo"
)

// Input is everything a report is computed from.
type Input struct {
	// Records are the run's steps in any order (repeats and failed
	// configurations included).
	Records []record.Record
	// SLO judges every step. When empty, the verdicts recorded in each
	// step (record.SLO) are used instead.
	SLO slo.SLO
	// TargetLoad is the offered load the capacity question asks about, in
	// the run's unit: users for closed-loop runs, requests per second for
	// open-loop runs. 0 means the highest offered load of the run.
	TargetLoad int
	// Gates is the experiment's gates: expression ("" when none); see
	// Thresholds.
	Gates string
	// Experiment is the resolved experiment definition (YAML text), shown
	// verbatim in the report; optional.
	Experiment []byte
	// Environment describes where the run happened (loadlab version,
	// runtime, Docker version, host CPUs and memory, Go version); optional.
	Environment map[string]any
	// Title heads the report; empty means the experiment's name or the run id.
	Title string
	// Plan is what the run set out to measure (plan.json; nil when
	// unknown): planned configurations without a record are shown as
	// "not run" and make the run incomplete.
	Plan *record.Plan
	// Torn is the torn last line of steps.jsonl (nil when the file is
	// whole): the step it held is lost and the run is incomplete.
	Torn *record.TornLine
	// Search is the experiment's limit search (its search: key); nil when
	// the run had none or it could not be read (SearchProblem says why).
	// A run whose steps are a limit search's trials is reported as one
	// either way.
	Search        *search.Limits
	SearchProblem string
	// Rollouts is a rollout experiment's timeline and rollouts
	// (timeline.jsonl, rollouts.json); nil for other runs.
	Rollouts *Rollouts
}

// LoadDir reads a results directory: steps.jsonl (required; a torn last
// line is kept in Torn), plan.json, experiment.yaml and environment.json
// (all optional), through package rundir. The SLO, gates and target
// load come from experiment.yaml's top-level slo, gates and target_users
// keys when present (and a limit search's bounds from its search: key); otherwise the records' own verdicts are used and the
// target is the highest offered load.
func LoadDir(dir string) (Input, error) {
	in, err := ReadDir(dir)
	if err == nil && len(in.Records) == 0 {
		err = fmt.Errorf("read %s: %w", filepath.Join(dir, record.FileName), ErrNoSteps)
	}
	return in, err
}

// ErrNoSteps is LoadDir's error for a steps.jsonl without any step (a run
// interrupted before its first step ended).
var ErrNoSteps = errors.New("no steps recorded yet")

// ReadDir is LoadDir without requiring a step: a steps.jsonl that is
// empty, or holds only a torn line, gives an Input without records (but
// with the plan, the torn line and the experiment), for gates to refuse
// as an incomplete run. A missing steps.jsonl is still an error.
func ReadDir(dir string) (Input, error) {
	var in Input
	recs, torn, err := record.ReadFileChecked(filepath.Join(dir, rundir.StepsFile))
	if err != nil {
		return in, err
	}
	in.Records, in.Torn = recs, torn
	if in.Plan, err = record.ReadPlan(dir); err != nil {
		return in, err
	}

	exp, err := rundir.ReadExperiment(dir)
	if err != nil {
		return in, err
	}
	in.Experiment, in.SLO, in.Gates, in.TargetLoad, in.Title = exp.Text, exp.SLO, exp.Gates, exp.TargetLoad, exp.Name
	in.Search, in.SearchProblem = exp.Search, exp.SearchProblem
	if in.Environment, err = rundir.ReadEnvironment(dir); err != nil {
		return in, err
	}
	if in.Rollouts, err = readRollouts(dir); err != nil {
		return in, err
	}
	return in, nil
}

// Thresholds is what a gate checks when it is given none: the
// experiment's gates:, else its slo: (see rundir.Experiment.Thresholds).
func (in Input) Thresholds() string {
	return rundir.Experiment{Gates: in.Gates, SLO: in.SLO}.Thresholds()
}

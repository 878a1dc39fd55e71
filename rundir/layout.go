// Package rundir owns the results folder of one run, results/<run ID>/:
// its layout (the file names below), run IDs, creating a run's folder
// (never an existing one), the environment record (environment.json) and
// the resolved experiment (experiment.yaml). experiments and cmd write it;
// report reads it (and report/gate through report).
//
// It imports record and slo, never experiments or scenarios: readers
// (report, gates) get what they need of experiment.yaml through the small
// Experiment struct, decoded leniently, so that a report of an old run
// never depends on today's experiment schema.
package rundir

import (
	"fmt"

	"github.com/loadlab/loadlab/record"
)

// The files of a results folder. Steps and plan are record's contract
// files, named there because record's writer and readers open them; the
// report's own artefacts (summary.json, report.md, …) are named in report.
const (
	StepsFile       = record.FileName // every measured step, appended as it ends
	PlanFile        = record.PlanFile // what the run set out to measure
	ExperimentFile  = "experiment.yaml"
	EnvironmentFile = "environment.json"
	// ResultsFile holds every request of `loadlab ramp --save-results`, in
	// vegeta's gob format (read with vegeta report/plot).
	ResultsFile = "results.gob"
	// TimelineFile holds a rollout experiment's per-second timeline
	// (record.Second lines), written as each second ends.
	TimelineFile = record.TimelineFile
	// RolloutsFile lists a rollout experiment's rollouts (name, start,
	// end, Swarm's final state), read with report/rollout.ReadWindows.
	RolloutsFile = "rollouts.json"
)

// WriteFile writes and syncs a file of the results folder before load
// starts, so that an unwritable folder or a full disk stops the run there
// with the path and what to do in the message.
func WriteFile(path string, data []byte) error {
	if err := record.WriteSynced(path, data); err != nil {
		return fmt.Errorf("%w (is the results folder writable and the disk not full? choose another with --out)", err)
	}
	return nil
}

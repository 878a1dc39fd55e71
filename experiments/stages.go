package experiments

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/loadlab/loadlab/report/gate"
)

// Session is what a run needs besides its experiment: where it writes,
// how it talks to the user, and the command's hooks. The command fills it
// from its flags; Execute runs the stages with it.
type Session struct {
	// RuntimeMode is auto, docker, local or swarm (see SelectRuntime).
	RuntimeMode string
	// Out is the folder that receives <run ID>/.
	Out string
	// Seed makes request generation reproducible.
	Seed int64
	// Version is loadlab's version, recorded in environment.json.
	Version string
	// Stdout receives the report's terminal tables; Stderr the run's
	// messages. Both must already redact the experiment's secrets.
	Stdout, Stderr io.Writer
	// Log receives the runner's log lines and Progress its progress (see
	// Runner); EndProgress, when set, ends the progress display before
	// anything else is printed.
	Log         io.Writer
	Progress    func(RunProgress)
	EndProgress func()
	// OnForcedExit, when set, registers a cleanup to run if the process
	// is forced to exit without its deferred teardown (a second Ctrl-C)
	// and returns the function that unregisters it.
	OnForcedExit func(cleanup func(context.Context)) (remove func())
	// Gate, when set, gates the finished run on the experiment's gates
	// with these options' baseline and tolerance (`loadlab run --gate`,
	// see gateStage); its *gate.ExitError is the run's error.
	Gate *gate.Options
}

// stage is one named stage of a run. Run reads and fills the run's shared
// state; an error stops the stages after it except those that must run
// anyway (see finalStage).
type stage interface {
	fmt.Stringer
	Run(ctx context.Context, s *runState) error
}

// finalStage is a stage that runs even after an earlier stage failed: it
// releases what was acquired or keeps what was measured, so that nothing
// measured is ever lost and an interrupted run is still reported.
type finalStage interface {
	stage
	final()
}

// runStages is the run of an experiment, in order.
var runStages = []stage{
	runtimeStage{}, // choose the runtime; warn about leftovers of earlier runs
	resultsStage{}, // create the results folder: experiment.yaml, plan.json, environment.json
	measureStage{}, // every configuration × repeat, each step appended as measured
	sweepStage{},   // final: remove what an interrupted deploy left behind
	reportStage{},  // final: the report of whatever was measured
	outcomeStage{}, // interrupted after the report, or every configuration failed
	gateStage{},    // --gate: the experiment's gates on the fresh run
	releaseStage{}, // final: close the runtime's client
}

// StageError is the error of one stage of a run. Its text is the stage's
// error unchanged (the console shows what the stage said); Stage names
// the stage for errors.As.
type StageError struct {
	Stage string
	Err   error
}

func (e *StageError) Error() string { return e.Err.Error() }
func (e *StageError) Unwrap() error { return e.Err }

// runState is what the stages of one run share.
type runState struct {
	Session
	e  Experiment
	rt *Runtime
	// runID and dir are the run's ID and results folder (resultsStage).
	runID, dir string
	// measured says the configuration loop ran: its result res and error
	// loopErr (measureStage) are what sweep and report look at.
	measured bool
	res      Result
	loopErr  error
	// removeHook unregisters the forced-exit cleanup (nil: none).
	removeHook func()
}

// Execute runs experiment e, already loaded, validated and with its target
// resolved: the runtime is chosen, the results folder created, every
// configuration measured, the report written from whatever was measured
// (also after an interruption or a failure), and the gates judged when
// the session asks. The error of the first failing stage comes first,
// joined with those of the final stages that failed after it; each is a
// *StageError.
func Execute(ctx context.Context, e Experiment, sess Session) error {
	s := &runState{Session: sess, e: e}
	return execute(ctx, runStages, s)
}

// execute runs stages in order: after a stage fails only final stages
// run.
func execute(ctx context.Context, stages []stage, s *runState) error {
	var err error
	for _, st := range stages {
		if _, final := st.(finalStage); err != nil && !final {
			continue
		}
		if serr := st.Run(ctx, s); serr != nil {
			serr = &StageError{Stage: st.String(), Err: serr}
			if err == nil {
				err = serr
			} else {
				err = errors.Join(err, serr)
			}
		}
	}
	return err
}

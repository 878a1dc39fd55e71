package experiments

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/loadlab/loadlab/report/gate"
)

// fakeStage records that it ran and returns err.
type fakeStage struct {
	name string
	err  error
	ran  *[]string
}

func (f fakeStage) String() string { return f.name }
func (f fakeStage) Run(context.Context, *runState) error {
	*f.ran = append(*f.ran, f.name)
	return f.err
}

// fakeFinal is a fakeStage that must run after a failure.
type fakeFinal struct{ fakeStage }

func (fakeFinal) final() {}

func TestExecuteRunsFinalStagesAfterAFailure(t *testing.T) {
	measureErr, reportErr := errors.New("configuration c: context canceled"), errors.New("write report: disk full")
	for _, tt := range []struct {
		name    string
		stages  func(ran *[]string) []stage
		wantRan string
		wantErr string
		stage   string // of the first error
	}{
		{
			name: "no failure runs every stage",
			stages: func(ran *[]string) []stage {
				return []stage{fakeStage{"a", nil, ran}, fakeFinal{fakeStage{"b", nil, ran}}, fakeStage{"c", nil, ran}}
			},
			wantRan: "a,b,c",
		},
		{
			name: "a failure skips all but the final stages",
			stages: func(ran *[]string) []stage {
				return []stage{fakeStage{"measure", measureErr, ran}, fakeFinal{fakeStage{"report", nil, ran}},
					fakeStage{"gate", nil, ran}, fakeFinal{fakeStage{"release", nil, ran}}}
			},
			wantRan: "measure,report,release",
			wantErr: measureErr.Error(),
			stage:   "measure",
		},
		{
			name: "a final stage's error joins the first",
			stages: func(ran *[]string) []stage {
				return []stage{fakeStage{"measure", measureErr, ran}, fakeFinal{fakeStage{"report", reportErr, ran}}}
			},
			wantRan: "measure,report",
			wantErr: measureErr.Error() + "\n" + reportErr.Error(),
			stage:   "measure",
		},
		{
			name: "a final stage's failure stops the stages after it",
			stages: func(ran *[]string) []stage {
				return []stage{fakeFinal{fakeStage{"report", reportErr, ran}}, fakeStage{"gate", nil, ran}}
			},
			wantRan: "report",
			wantErr: reportErr.Error(),
			stage:   "report",
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var ran []string
			err := execute(context.Background(), tt.stages(&ran), &runState{})
			if got := strings.Join(ran, ","); got != tt.wantRan {
				t.Errorf("ran %s, want %s", got, tt.wantRan)
			}
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("err = %v, want none", err)
				}
				return
			}
			// The console shows the stages' own words; the stage is named
			// for errors.As.
			if err == nil || err.Error() != tt.wantErr {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			var se *StageError
			if !errors.As(err, &se) || se.Stage != tt.stage {
				t.Errorf("first stage error = %+v, want stage %q", se, tt.stage)
			}
		})
	}
}

// TestInterruptedRunIsReported: a run interrupted in its ramp keeps every
// step, tears down, still writes its report (incomplete) and skips the
// gate; the error is the interruption, named by the measure stage.
func TestInterruptedRunIsReported(t *testing.T) {
	rt := &fakeRuntime{}
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	junit := filepath.Join(t.TempDir(), "gate.junit.xml")
	e := testExperiment(t, 2*time.Second)
	e.Gates = "p95<1h"
	s := &runState{
		Session: Session{Stdout: &stdout, Stderr: &stderr, Log: &bytes.Buffer{}, Seed: 1,
			Gate: &gate.Options{JUnit: junit}},
		e:     e,
		rt:    &Runtime{Runtime: rt},
		runID: "run-interrupted",
		dir:   dir,
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(3*time.Second, cancel) // inside the second step of the first configuration
	stages := []stage{measureStage{}, sweepStage{}, reportStage{}, outcomeStage{}, gateStage{}, releaseStage{}}
	err := execute(ctx, stages, s)
	var se *StageError
	if !errors.Is(err, context.Canceled) || !errors.As(err, &se) || se.Stage != "measure" {
		t.Fatalf("err = %v (%+v), want the measure stage's interruption", err, se)
	}
	if _, err := os.Stat(junit); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("an interrupted run was gated (JUnit %s: %v)", junit, err)
	}
	if rt.live.Load() != 0 {
		t.Error("deployment left running after the interruption")
	}
	if _, err := os.Stat(filepath.Join(dir, "report.html")); err != nil {
		t.Errorf("no report after the interruption: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "loadlab: report: "+dir+"/report.html") {
		t.Errorf("stderr does not name the report:\n%s", stderr.String())
	}
	if !strings.Contains(strings.ToLower(stdout.String()), "incomplete") {
		t.Errorf("the terminal report does not call the run incomplete:\n%s", stdout.String())
	}
}

// TestEveryConfigurationFailedIsAnError: when nothing could be measured
// the report is still written (it lists the failures) and the run fails
// in its outcome stage, before any gate.
func TestEveryConfigurationFailedIsAnError(t *testing.T) {
	e := testExperiment(t, 500*time.Millisecond)
	e.Configs = e.Configs[1:2] // only "broken"
	e.Gates = "p95<1h"
	var stderr bytes.Buffer
	junit := filepath.Join(t.TempDir(), "gate.junit.xml")
	s := &runState{
		Session: Session{Stdout: &bytes.Buffer{}, Stderr: &stderr, Log: &bytes.Buffer{}, Seed: 1,
			Gate: &gate.Options{JUnit: junit}},
		e: e, rt: &Runtime{Runtime: &fakeRuntime{failing: "broken"}}, runID: "run-failed", dir: t.TempDir(),
	}
	from := slices.IndexFunc(runStages, func(st stage) bool { return st.String() == "measure" })
	err := execute(context.Background(), runStages[from:], s)
	var se *StageError
	if err == nil || !strings.HasPrefix(err.Error(), "every configuration failed; see ") || !errors.As(err, &se) || se.Stage != "outcome" {
		t.Fatalf("err = %v, want every configuration failed from the outcome stage", err)
	}
	if _, err := os.Stat(junit); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a run without measurements was gated (JUnit %s: %v)", junit, err)
	}
	if !strings.Contains(stderr.String(), "loadlab: configuration failed: broken: deploy: container exited") {
		t.Errorf("the failure is not listed:\n%s", stderr.String())
	}
}

// TestGateStageGatesTheRun: with Session.Gate set, a finished run is gated
// on the experiment's gates: the table on stdout, the JUnit file where
// the options say, the outcome on stderr, and a failed gate is the run's
// error, carrying exit code 1 (gate.ExitError) from the gate stage.
func TestGateStageGatesTheRun(t *testing.T) {
	for _, tt := range []struct {
		gates    string
		wantCode int // 0: no error
		wantSaid string
	}{
		{"p95<1h", 0, "loadlab: gate: pass (JUnit: "},
		{"p95<1ns", gate.ExitFail, "loadlab: gate: FAIL (JUnit: "},
	} {
		t.Run(tt.gates, func(t *testing.T) {
			e := testExperiment(t, 500*time.Millisecond)
			e.Configs = e.Configs[:1] // only "good1"
			e.Gates = tt.gates
			var stdout, stderr bytes.Buffer
			junit := filepath.Join(t.TempDir(), "gate.junit.xml")
			s := &runState{
				Session: Session{Stdout: &stdout, Stderr: &stderr, Log: &bytes.Buffer{}, Seed: 1,
					Gate: &gate.Options{JUnit: junit}},
				e: e, rt: &Runtime{Runtime: &fakeRuntime{}}, runID: "run-gated", dir: t.TempDir(),
			}
			from := slices.IndexFunc(runStages, func(st stage) bool { return st.String() == "measure" })
			err := execute(context.Background(), runStages[from:], s)
			var ge *gate.ExitError
			var se *StageError
			switch {
			case tt.wantCode == 0 && err != nil:
				t.Fatalf("err = %v, want none\n%s", err, stderr.String())
			case tt.wantCode != 0 && (!errors.As(err, &ge) || ge.Code != tt.wantCode || !errors.As(err, &se) || se.Stage != "gate"):
				t.Fatalf("err = %v, want exit %d from the gate stage\n%s", err, tt.wantCode, stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.wantSaid+junit+")") {
				t.Errorf("stderr does not say %q:\n%s", tt.wantSaid, stderr.String())
			}
			if !strings.Contains(stdout.String(), "good1: "+tt.gates) {
				t.Errorf("the gate table does not show good1's %s:\n%s", tt.gates, stdout.String())
			}
			if _, err := os.Stat(junit); err != nil {
				t.Errorf("no JUnit file: %v", err)
			}
		})
	}
}

// TestRunStagesOrderAndFinality: the run's stage list itself, in order,
// with the stages that must run after a failure (so that what was measured
// is swept, reported and released even when measuring failed).
func TestRunStagesOrderAndFinality(t *testing.T) {
	want := []struct {
		name  string
		final bool
	}{
		{"runtime", false}, {"results folder", false}, {"measure", false}, {"sweep", true},
		{"report", true}, {"outcome", false}, {"gate", false}, {"release runtime", true},
	}
	if len(runStages) != len(want) {
		t.Fatalf("%d stages %v, want %d", len(runStages), runStages, len(want))
	}
	for i, w := range want {
		_, final := runStages[i].(finalStage)
		if got := runStages[i].String(); got != w.name || final != w.final {
			t.Errorf("stage %d: %q final=%v, want %q final=%v", i, got, final, w.name, w.final)
		}
	}
}

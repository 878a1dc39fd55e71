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
	gated := false
	s := &runState{
		Session: Session{Stdout: &stdout, Stderr: &stderr, Log: &bytes.Buffer{}, Seed: 1,
			Gate: func(context.Context, string) error { gated = true; return nil }},
		e:     testExperiment(t, 2*time.Second),
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
	if gated {
		t.Error("an interrupted run was gated")
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
	var stderr bytes.Buffer
	gated := false
	s := &runState{
		Session: Session{Stdout: &bytes.Buffer{}, Stderr: &stderr, Log: &bytes.Buffer{}, Seed: 1,
			Gate: func(context.Context, string) error { gated = true; return nil }},
		e: e, rt: &Runtime{Runtime: &fakeRuntime{failing: "broken"}}, runID: "run-failed", dir: t.TempDir(),
	}
	from := slices.IndexFunc(runStages, func(st stage) bool { return st.String() == "measure" })
	err := execute(context.Background(), runStages[from:], s)
	var se *StageError
	if err == nil || !strings.HasPrefix(err.Error(), "every configuration failed; see ") || !errors.As(err, &se) || se.Stage != "outcome" {
		t.Fatalf("err = %v, want every configuration failed from the outcome stage", err)
	}
	if gated {
		t.Error("a run without measurements was gated")
	}
	if !strings.Contains(stderr.String(), "loadlab: configuration failed: broken: deploy: container exited") {
		t.Errorf("the failure is not listed:\n%s", stderr.String())
	}
}

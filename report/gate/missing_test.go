package gate

import (
	"strings"
	"testing"
	"time"

	"github.com/loadlab/loadlab/rundir"
)

// TestMissingConfigurations: a run configuration the baseline lacks, and
// a baseline configuration the run lacks, each fail saying so, unless
// AllowMissing, which keeps the note on a passing check.
func TestMissingConfigurations(t *testing.T) {
	tol, err := ParseTolerance("p95=10%")
	if err != nil {
		t.Fatal(err)
	}
	base := &Baseline{Version: 1, Run: "20261122T155504Z-q", Configs: map[string]BaselineMetrics{
		"a": {Load: 200, Metrics: map[string]float64{"p95": 300}},
		"z": {Load: 200, Metrics: map[string]float64{"p95": 300}},
	}}
	for _, allow := range []bool{false, true} {
		v := Evaluate(Input{Records: run(), SLO: mustSLO(t, "p95<1h"), TargetLoad: 200, Baseline: base, Tolerance: tol, AllowMissing: allow})
		got := map[string]Check{}
		for _, c := range v.Checks {
			got[c.Name] = c
		}
		for name, why := range map[string]string{
			"b: baseline": "configuration not in the baseline (it holds a, z): nothing to compare",
			"z: baseline": "configuration in the baseline but not in this run",
		} {
			c, ok := got[name]
			switch {
			case !ok:
				t.Errorf("allow %v: no check %q in %+v", allow, name, v.Checks)
			case c.Pass != allow || !strings.HasPrefix(c.Message, why):
				t.Errorf("allow %v: %+v, want pass %v saying %q", allow, c, allow, why)
			case allow && !strings.Contains(c.Message, "accepted by --allow-missing"):
				t.Errorf("allowed without a note: %q", c.Message)
			case !allow && !strings.Contains(c.Message, "pass --allow-missing"):
				t.Errorf("failure without the way out: %q", c.Message)
			}
		}
		if want := map[bool]int{false: ExitFail, true: ExitPass}[allow]; v.ExitCode() != want {
			t.Errorf("allow %v: exit %d, want %d: %+v", allow, v.ExitCode(), want, v.Checks)
		}
	}
}

// TestOtherExperiment: a baseline of another experiment (stored, or
// derived from an old baseline's run ID) is refused unless
// AllowOtherExperiment; then the verdict notes it.
func TestOtherExperiment(t *testing.T) {
	tol, _ := ParseTolerance("p95=10%")
	cfgs := map[string]BaselineMetrics{"a": {Load: 200, Metrics: map[string]float64{"p95": 300}},
		"b": {Load: 200, Metrics: map[string]float64{"p95": 120}}}
	for _, c := range []struct {
		name       string
		base       Baseline
		experiment string
		refused    string
	}{
		{"same experiment", Baseline{Run: "20261122T155504Z-quick", Experiment: "quick"}, "quick", ""},
		{"old baseline of the same experiment", Baseline{Run: "20261122T155504Z-quick"}, "quick", ""},
		{"stored other experiment", Baseline{Run: "20261122T155504Z-quick-3fa9c2", Experiment: "workshop"}, "quick",
			`the baseline is of experiment "workshop" (run 20261122T155504Z-quick-3fa9c2), this run of "quick"`},
		{"old baseline of another experiment", Baseline{Run: "20261122T155504Z-workshop"}, "quick",
			`the baseline is of experiment "workshop"`},
		{"run of unknown experiment", Baseline{Run: "20261122T155504Z-workshop"}, "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := c.base
			b.Version, b.Configs = 1, cfgs
			in := Input{Records: run(), SLO: mustSLO(t, "p95<1h"), TargetLoad: 200, Baseline: &b, Tolerance: tol, Experiment: c.experiment}
			err := Refusal(in)
			if c.refused == "" {
				if err != nil {
					t.Errorf("refused: %v", err)
				}
				if v := Evaluate(in); v.ExitCode() != ExitPass {
					t.Errorf("exit %d: %+v", v.ExitCode(), v.Checks)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.refused) || !strings.Contains(err.Error(), "--allow-other-experiment") {
				t.Errorf("refusal %v, want one saying %q", err, c.refused)
			}
			in.AllowOtherExperiment = true
			if err := Refusal(in); err != nil {
				t.Errorf("allowed, still refused: %v", err)
			}
			v := Evaluate(in)
			if v.ExitCode() != ExitPass || v.Checks[0].Name != "baseline experiment" || !v.Checks[0].Pass ||
				!strings.Contains(v.Checks[0].Message, c.refused) {
				t.Errorf("allowed: exit %d, first check %+v, want a passing note", v.ExitCode(), v.Checks[0])
			}
		})
	}
}

func TestExperimentOf(t *testing.T) {
	for id, want := range map[string]string{
		"20261122T155504Z-quick":              "quick",
		"20261122T120000Z-workshop-3fa9c2":    "workshop",
		"20261122T120000Z-gate-cpu-a1b2c3":    "gate-cpu",
		"20261122T120000Z-my-exp":             "my-exp",
		"20261122T120000Z-3fa9c2":             "3fa9c2",
		"r1":                                  "",
		"2026-quick":                          "",
		"":                                    "",
		"20261122T120000Z-":                   "",
		"20261122T120000Z-workshop-3FA9C2zz1": "workshop-3FA9C2zz1",
	} {
		if got := ExperimentOf(id); got != want {
			t.Errorf("ExperimentOf(%q) = %q, want %q", id, got, want)
		}
	}
	// The run IDs that runs make today carry their experiment's name.
	for _, name := range []string{"quick", "gate", "cpu-per-request"} {
		if got := ExperimentOf(rundir.NewRunID(time.Now(), name)); got != name {
			t.Errorf("ExperimentOf(NewRunID(%q)) = %q", name, got)
		}
	}
}

package report

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loadlab/loadlab/record"
)

// quickPlan is experiments/quick.yaml's plan: three configurations, one
// repeat each.
var quickPlan = &record.Plan{Repeat: 1, Configs: []record.Config{
	dockerConfig("cpu0.05-mem128m-x1", 0.05, 128, 1), dockerConfig("cpu0.05-mem128m-x2", 0.05, 128, 2), dockerConfig("cpu0.1-mem128m-x1", 0.1, 128, 1),
}}

// interrupted is a quick run stopped by SIGTERM 1.1 s into its second
// step (25 users) of the first configuration; p95 of that partial window
// is p95Cut ms.
func interrupted(t *testing.T, p95Cut float64) Input {
	t.Helper()
	recs := rampRecords(quickPlan.Configs[0], 0, []stepSpec{{users: 10, p95: 5}, {users: 25, p95: p95Cut}})
	recs[1].Partial, recs[1].StopReason, recs[1].WindowS = true, "interrupted", 1.1
	return Input{Records: recs, Plan: quickPlan, SLO: mustSLO(t, "p95<250ms,error_rate<1%"), TargetLoad: 400}
}

func TestInterruptedRunDecidesNothingItDidNotMeasure(t *testing.T) {
	for _, p95Cut := range []float64{900, 8} { // "fails at 25 users" in one run, "holds 25 users" in the next
		a := Analyze(interrupted(t, p95Cut))
		want := []string{
			"cpu0.05-mem128m-x1: the step at 25 users was cut short after 1.1 s (interrupted)",
			"cpu0.05-mem128m-x2 was planned but not run",
			"cpu0.1-mem128m-x1 was planned but not run",
		}
		if strings.Join(a.Incomplete, "\n") != strings.Join(want, "\n") {
			t.Errorf("p95 %v: incomplete\n%q\nwant\n%q", p95Cut, a.Incomplete, want)
		}
		if len(a.Configs) != 3 {
			t.Fatalf("p95 %v: %d configurations, want the 3 planned", p95Cut, len(a.Configs))
		}
		c := a.Configs[0]
		if c.Capacity != 10 || !c.CapacityLowerBound || c.BreakStep != -1 || c.CapacityMin != 10 || c.CapacityMax != 10 {
			t.Errorf("p95 %v: capacity %v (lower bound %v, break %d, repeats %v–%v), want ≥ 10 decided by the complete step only",
				p95Cut, c.Capacity, c.CapacityLowerBound, c.BreakStep, c.CapacityMin, c.CapacityMax)
		}
		if c.Verdict != "not tested beyond 10 users: cut short at 25 users (interrupted); approximate (local runtime)" &&
			c.Verdict != "not tested beyond 10 users: cut short at 25 users (interrupted)" {
			t.Errorf("p95 %v: verdict %q", p95Cut, c.Verdict)
		}
		if st := c.Steps[1]; !st.Untrustworthy || !st.Partial {
			t.Errorf("p95 %v: the partial step takes part: %+v", p95Cut, st)
		}
		for _, nr := range a.Configs[1:] {
			if !nr.NotRun || nr.Verdict != "not run" || len(nr.Steps) != 0 || nr.Config.Replicas == 0 {
				t.Errorf("p95 %v: %s: %+v, want a not-run row with its planned limits", p95Cut, nr.Name, nr)
			}
		}
		s := a.Recommendation.Sentence
		if a.Recommendation.Meets || strings.Contains(s, "No configuration serves") || !strings.Contains(s, "not run") ||
			!strings.Contains(s, "cut short at 25 users") {
			t.Errorf("p95 %v: recommendation claims what it cannot know: %s", p95Cut, s)
		}
	}
}

func TestInterruptedRunRendered(t *testing.T) {
	a := Analyze(interrupted(t, 900))
	var md, tbl, page bytes.Buffer
	if err := WriteMarkdown(&md, a, "plots"); err != nil {
		t.Fatal(err)
	}
	if err := WriteTable(&tbl, a); err != nil {
		t.Fatal(err)
	}
	if err := WriteHTML(&page, a); err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitN(md.String(), "\n", 4)
	if !strings.HasPrefix(lines[2], "> **Incomplete run:**") {
		t.Errorf("report.md does not say the run is incomplete at the top:\n%s", md.String()[:400])
	}
	for _, want := range []string{"| cpu0.05-mem128m-x2 | 2 × 0.05 CPU / 128 MiB | not run |", "| 25 | ", "cut short"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("report.md lacks %q", want)
		}
	}
	if !strings.Contains(strings.SplitN(tbl.String(), "┌", 2)[0], "INCOMPLETE RUN") || !strings.Contains(tbl.String(), "not run") {
		t.Errorf("terminal table does not say the run is incomplete above the table:\n%s", tbl.String())
	}
	if i, j := strings.Index(page.String(), `id="incomplete"`), strings.Index(page.String(), `id="recommendation"`); i < 0 || i > j {
		t.Errorf("report.html has no incomplete notice before the recommendation (%d, %d)", i, j)
	}
}

func TestLoadDirReadsThePlanAndATornLine(t *testing.T) {
	dir := t.TempDir()
	w, err := record.Create(filepath.Join(dir, record.FileName))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rampRecords(quickPlan.Configs[0], 0, []stepSpec{{users: 10, p95: 5}, {users: 25, p95: 6}}) {
		if err := w.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(filepath.Join(dir, record.FileName), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(`{"run":"synthetic","repeat":0,"step":2,"config":{"na`); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := record.WritePlan(dir, *quickPlan); err != nil {
		t.Fatal(err)
	}
	in, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if in.Plan == nil || len(in.Plan.Configs) != 3 || in.Torn == nil || in.Torn.Line != 3 {
		t.Fatalf("plan %+v, torn %+v", in.Plan, in.Torn)
	}
	a := Analyze(in)
	if len(a.Incomplete) != 3 || !strings.Contains(a.Incomplete[0], "steps.jsonl line 3 was cut mid-write") {
		t.Errorf("incomplete %q", a.Incomplete)
	}
}

// TestKilledBetweenStepsIsIncomplete: a 10→50 ramp killed (SIGKILL, OOM
// kill of loadlab, a CI hard timeout) after its step at 20 users leaves
// no partial step and no torn line, only a ramp that ends early without
// a stop reason. The run is incomplete, and no verdict claims the ramp
// was finished.
func TestKilledBetweenStepsIsIncomplete(t *testing.T) {
	cfg := dockerConfig("cpu1", 1, 512, 1)
	plan := &record.Plan{Repeat: 1, Configs: []record.Config{cfg}, Model: record.ModelUsers, Steps: []float64{10, 20, 30, 40, 50}}
	recs := rampRecords(cfg, 0, []stepSpec{{users: 10, p95: 5}, {users: 20, p95: 6}})
	a := Analyze(Input{Records: recs, Plan: plan, SLO: mustSLO(t, "p95<250ms,error_rate<1%"), TargetLoad: 50})
	want := "cpu1: measured steps 1–2 of 5 (up to 20 users) and no stop reason: the run ended without finishing this ramp"
	if len(a.Incomplete) != 1 || a.Incomplete[0] != want {
		t.Errorf("incomplete %q, want [%q]", a.Incomplete, want)
	}
	c := a.Configs[0]
	if c.Verdict != "not tested beyond 20 users: cut off after 20 users (the run ended between steps)" {
		t.Errorf("verdict %q", c.Verdict)
	}
	s := a.Recommendation.Sentence
	if a.Recommendation.Meets || a.Recommendation.ShortBy != 0 || strings.Contains(s, "short.") || !strings.Contains(s, "cut off after 20 users") {
		t.Errorf("recommendation claims what it cannot know (short by %v): %s", a.Recommendation.ShortBy, s)
	}
	// Stopped by its stop conditions after 20 users, the same records are a
	// finished ramp.
	recs[1].StopReason = "slo breached: p95 6ms breaches p95<5ms"
	if a := Analyze(Input{Records: recs, Plan: plan, SLO: mustSLO(t, "p95<250ms,error_rate<1%"), TargetLoad: 50}); len(a.Incomplete) != 0 || a.Configs[0].CutShort != "" {
		t.Errorf("a ramp stopped with a reason: incomplete %q, cut short %q", a.Incomplete, a.Configs[0].CutShort)
	}
}

// TestAFailedRepeatIsSaid: with repeat: 2, repeat 2 of the only
// configuration failed to deploy. Its verdict, the warnings and the
// recommendation say which repeat failed and that the figures rest on the
// other one; none reads as if both were measured.
func TestAFailedRepeatIsSaid(t *testing.T) {
	cfg := dockerConfig("cpu1", 1, 512, 1)
	recs := rampRecords(cfg, 0, []stepSpec{{users: 10, p95: 5}, {users: 20, p95: 6}})
	recs = append(recs, record.Record{Run: "synthetic", Repeat: 1, Step: -1, Config: cfg, Failure: "deploy: container exited with code 1"})
	a := Analyze(Input{Records: recs, Plan: &record.Plan{Repeat: 2, Configs: []record.Config{cfg}}, SLO: mustSLO(t, "p95<250ms"), TargetLoad: 20})
	c := a.Configs[0]
	if c.Failure != "repeat 2 of 2 failed: deploy: container exited with code 1" {
		t.Errorf("failure %q", c.Failure)
	}
	if c.Verdict != "repeat 2 of 2 failed; from repeat 1 alone: serves 20 users" {
		t.Errorf("verdict %q", c.Verdict)
	}
	if s := a.Recommendation.Sentence; !strings.Contains(s, "repeat 2 of 2 failed") {
		t.Errorf("recommendation does not say a repeat failed: %s", s)
	}
	w := strings.Join(a.Warnings, "\n")
	if strings.Contains(w, "could not be measured") || !strings.Contains(w, "cpu1: repeat 2 of 2 failed (deploy: container exited with code 1): its figures come from 1 of 2 repeats") {
		t.Errorf("warnings:\n%s", w)
	}
}

// TestTargetDefaultsToThePlansLastStep: without target_users the question
// is the highest load the run set out to offer, so a run that measured
// nothing (or stopped early) does not ask about "0 users" or a lower step.
func TestTargetDefaultsToThePlansLastStep(t *testing.T) {
	cfg := dockerConfig("cpu1", 1, 512, 1)
	failed := []record.Record{{Run: "synthetic", Step: -1, Config: cfg, Failure: "deploy: image not found"}}
	stopped := rampRecords(cfg, 0, []stepSpec{{users: 10, p95: 5}, {users: 20, p95: 900}})
	stopped[1].StopReason = "slo breached"
	plan := &record.Plan{Repeat: 1, Configs: []record.Config{cfg}, Model: record.ModelUsers, Steps: []float64{10, 20, 40}}
	for name, recs := range map[string][]record.Record{"nothing measured": failed, "stopped early": stopped} {
		a := Analyze(Input{Records: recs, Plan: plan, SLO: mustSLO(t, "p95<250ms")})
		if a.Target != 40 || a.TargetGiven {
			t.Errorf("%s: target %v (given %v), want the plan's last step 40", name, a.Target, a.TargetGiven)
		}
	}
	if a := Analyze(Input{Records: stopped, SLO: mustSLO(t, "p95<250ms")}); a.Target != 20 {
		t.Errorf("without a plan: target %v, want the highest measured step 20", a.Target)
	}
}

package gate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loadlab/loadlab/record"
)

// repeats builds one step of config "a" at 100 users per value, repeat i
// having p95 values[i] ms (see step), set(&record) applying the rest.
func repeats(values []float64, set func(r *record.Record, x float64)) []record.Record {
	recs := make([]record.Record, len(values))
	for i, x := range values {
		r := step("a", 100, x, 0, 90)
		r.Repeat = i
		if set != nil {
			set(&r, x)
		}
		recs[i] = r
	}
	return recs
}

// withCost sets a repeat's CPU time per request to x ms (and
// requests_per_cpu_s to its inverse).
func withCost(r *record.Record, x float64) {
	r.Target = &record.Target{CPUCores: x * r.RPS / 1000}
	r.Target.SetCost(r.RPS)
}

// TestRegressionStatistics: a toleranced metric fails when its medians'
// change is beyond the tolerance in the bad direction and, when both
// sides have repeats enough to test (Mann-Whitney U at α), significant;
// with one value on a side, or too few repeats for α, it is judged on
// the medians alone and says so.
func TestRegressionStatistics(t *testing.T) {
	const beyondMsg = "significantly beyond the tolerance at α=0.05 (p=0.004)"
	five := []float64{100, 101, 102, 103, 104}
	p95 := func(r *record.Record, x float64) { r.Latency.P95 = x }
	for _, c := range []struct {
		name        string
		tolerance   string
		base        BaselineMetrics
		cur         []record.Record
		check       string
		pass        bool
		significant bool
		delta       string
		message     string
	}{
		{name: "significant and beyond the tolerance fails", tolerance: "p95=10%",
			base: BaselineMetrics{Samples: map[string][]float64{"p95": five}}, cur: repeats([]float64{126, 130, 127, 129, 128}, p95),
			check: "p95", pass: false, significant: true, delta: "+25.5% [+22.3%, +28.7%] p=0.008 n=5+5", message: beyondMsg},
		{name: "beyond the tolerance but not significant passes as noise", tolerance: "p95=10%",
			base: BaselineMetrics{Samples: map[string][]float64{"p95": {90, 140, 100, 130, 95}}}, cur: repeats([]float64{85, 150, 120, 118, 125}, p95),
			check: "p95", pass: true, delta: "~ (p=0.84 n=5+5)", message: "beyond the tolerance, but the change itself is not significant at α=0.05: noise"},
		{name: "significantly beyond the limit one-sided, but the change prints ~: passes", tolerance: "p95=10%",
			// A wide baseline: the one-sided test against the limit reaches p=0.03,
			// the two-sided test against no change only 0.06. A failing check never
			// prints "~".
			base: BaselineMetrics{Samples: map[string][]float64{"p95": {50, 100, 150, 200, 250}}}, cur: repeats([]float64{112, 300, 301, 302, 303}, p95),
			check: "p95", pass: true, delta: "~ (p=0.06 n=5+5)", message: "beyond the tolerance, but the change itself is not significant at α=0.05: noise"},
		{name: "significant, median beyond the tolerance, but not significantly beyond it passes (CI's false alarm)", tolerance: "cpu_per_request=10%",
			// make gate-check on a loaded CI machine: a fresh baseline, then an unmodified run whose
			// median drifted +12.4 % with a wide spread; a test against no change (p=0.006) called it
			// a regression, though nothing says that the change exceeds the 10 % tolerance.
			base:  BaselineMetrics{Samples: map[string][]float64{"cpu_per_request": {0.0210, 0.0215, 0.0217, 0.0217, 0.0220, 0.0225, 0.0235}}},
			cur:   repeats([]float64{0.0218, 0.0230, 0.0240, 0.0244, 0.0255, 0.0270, 0.0280}, withCost),
			check: "cpu_per_request", pass: true, significant: true, delta: "+12.4% [+2.2%, +24.4%] p=0.006 n=7+7",
			message: "beyond the tolerance, but not significantly beyond it at α=0.05 (p=0.32): noise"},
		{name: "significant within the tolerance passes, marked significant", tolerance: "p95=10%",
			base: BaselineMetrics{Samples: map[string][]float64{"p95": five}}, cur: repeats([]float64{105, 106, 107, 108, 109}, p95),
			check: "p95", pass: true, significant: true, delta: "+4.9% [+1.9%, +7.9%] p=0.008 n=5+5"},
		{name: "an old baseline has one value: threshold only", tolerance: "p95=10%",
			base: BaselineMetrics{Metrics: map[string]float64{"p95": 102}}, cur: repeats([]float64{126, 130, 127, 129, 128}, p95),
			check: "p95", pass: false, delta: "+25.5% (n=1+5: no statistics)"},
		{name: "one repeat in the run: threshold only, within", tolerance: "p95=10%",
			base: BaselineMetrics{Samples: map[string][]float64{"p95": five}}, cur: repeats([]float64{108}, p95),
			check: "p95", pass: true, delta: "+5.9% (n=5+1: no statistics)"},
		{name: "3+3 cannot reach 0.05: threshold only", tolerance: "p95=10%",
			base: BaselineMetrics{Samples: map[string][]float64{"p95": {100, 101, 102}}}, cur: repeats([]float64{126, 127, 128}, p95),
			check: "p95", pass: false, delta: "+25.7% (n=3+3: too few repeats for α=0.05, smallest p 0.10)"},
		{name: "error_rate in absolute points", tolerance: "error_rate=1%",
			base:  BaselineMetrics{Samples: map[string][]float64{"error_rate": {0, 0, 0, 0, 0}}},
			cur:   repeats([]float64{0.02, 0.021, 0.019, 0.022, 0.02}, func(r *record.Record, x float64) { r.ErrorRate = x }),
			check: "error_rate", pass: false, significant: true, delta: "+2.0 pts p=0.008 n=5+5", message: beyondMsg},
		{name: "cpu_per_request: +26% of CPU time per request", tolerance: "cpu_per_request=10%",
			base:  BaselineMetrics{Samples: map[string][]float64{"cpu_per_request": {0.0350, 0.0352, 0.0349, 0.0355, 0.0351}}},
			cur:   repeats([]float64{0.0444, 0.0440, 0.0447, 0.0443, 0.0445}, withCost),
			check: "cpu_per_request", pass: false, significant: true, delta: "+26.5% [+25.0%, +27.5%] p=0.008 n=5+5", message: beyondMsg},
		{name: "requests_per_cpu_s: higher is better", tolerance: "requests_per_cpu_s=10%",
			base:  BaselineMetrics{Samples: map[string][]float64{"requests_per_cpu_s": {28490, 28410, 28650, 28170, 28570}}},
			cur:   repeats([]float64{0.0444, 0.0440, 0.0447, 0.0443, 0.0445}, withCost),
			check: "requests_per_cpu_s", pass: false, significant: true, delta: "-20.9% [-21.6%, -20.0%] p=0.008 n=5+5", message: beyondMsg},
	} {
		t.Run(c.name, func(t *testing.T) {
			tol, err := ParseTolerance(c.tolerance)
			if err != nil {
				t.Fatal(err)
			}
			c.base.Load = 100
			base := &Baseline{Version: 1, Configs: map[string]BaselineMetrics{"a": c.base}}
			v := Evaluate(Input{Records: c.cur, SLO: mustSLO(t, "p95<1h"), TargetLoad: 100, Baseline: base, Tolerance: tol})
			name := "a: " + c.check + " vs baseline at 100 users"
			var got *Check
			for i := range v.Checks {
				if v.Checks[i].Name == name {
					got = &v.Checks[i]
				}
			}
			if got == nil {
				t.Fatalf("no check %q: %+v", name, v.Checks)
			}
			if got.Pass != c.pass || got.Significant != c.significant || got.Delta != c.delta || got.Message != c.message {
				t.Errorf("check %+v\nwant pass %v significant %v delta %q message %q", *got, c.pass, c.significant, c.delta, c.message)
			}
		})
	}
}

// TestRegressionAlpha: a stricter α turns a 4+4 significant regression
// (smallest p 0.03) into a threshold-only verdict that says so.
func TestRegressionAlpha(t *testing.T) {
	tol, _ := ParseTolerance("p95=10%")
	base := &Baseline{Version: 1, Configs: map[string]BaselineMetrics{"a": {Load: 100, Samples: map[string][]float64{"p95": {100, 101, 102, 103}}}}}
	cur := repeats([]float64{126, 127, 128, 129}, func(r *record.Record, x float64) { r.Latency.P95 = x })
	for alpha, delta := range map[float64]string{
		0:    "+25.6% [+22.3%, +29.0%] p=0.03 n=4+4",
		0.01: "+25.6% (n=4+4: too few repeats for α=0.01, smallest p 0.03)",
	} {
		v := Evaluate(Input{Records: cur, SLO: mustSLO(t, "p95<1h"), TargetLoad: 100, Baseline: base, Tolerance: tol, Alpha: alpha})
		if c := v.Checks[1]; c.Pass || c.Delta != delta {
			t.Errorf("α %v: %+v, want a failure with delta %q", alpha, c, delta)
		}
	}
}

// TestBaselineKeepsRepeats: a new baseline stores, per configuration, its
// level's model, each metric's median and its per-repeat values, and the
// experiment; a baseline file of before (no samples, model, experiment)
// still reads, its metrics one value each.
func TestBaselineKeepsRepeats(t *testing.T) {
	recs := repeats([]float64{104, 100, 102}, func(r *record.Record, x float64) {
		r.Latency.P95, r.Run = x, "20261130T080000Z-gate-3fa9c2"
		withCost(r, x/4000)
	})
	b, err := NewBaseline(Input{Records: recs, TargetLoad: 100}, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	a := b.Configs["a"]
	if b.Experiment != "gate" || a.Model != record.ModelUsers || a.Load != 100 || a.Metrics["p95"] != 102 ||
		len(a.Samples["p95"]) != 3 || a.Samples["p95"][0] != 104 || len(a.Samples["cpu_per_request"]) != 3 || a.Metrics["requests_per_cpu_s"] == 0 {
		t.Errorf("baseline %+v", b)
	}
	path := filepath.Join(t.TempDir(), "b.json")
	if err := b.Save(path); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	for _, w := range []string{`"experiment": "gate"`, `"model": "users"`, `"samples": {`, `"p95": [`} {
		if !strings.Contains(string(raw), w) {
			t.Errorf("saved baseline lacks %s:\n%s", w, raw)
		}
	}

	old := `{"version": 1, "run": "20261122T155504Z-quick", "created_at": "2026-11-22T15:56:57Z", "at": "users",
	  "configs": {"a": {"capacity": 200, "step": 15, "load": 10, "metrics": {"p95": 0.806, "rps": 50.2}}}}`
	if err := os.WriteFile(path, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	ob, err := LoadBaseline(path)
	if err != nil {
		t.Fatal(err)
	}
	if s, ok := ob.Configs["a"].samples("rps"); !ok || len(s) != 1 || s[0] != 50.2 || ob.experiment() != "quick" {
		t.Errorf("old baseline: samples %v %v, experiment %q", s, ok, ob.experiment())
	}
}

// TestBaselineFolderKeepsRepeats: --baseline <results folder> builds
// per-repeat samples and the folder's experiment, as `baseline save` does.
func TestBaselineFolderKeepsRepeats(t *testing.T) {
	dir := t.TempDir()
	w, err := record.Create(filepath.Join(dir, record.FileName))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range repeats([]float64{100, 101, 102, 103, 104}, func(r *record.Record, x float64) { r.Latency.P95 = x }) {
		if err := w.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "experiment.yaml"), []byte("name: gate\nslo: p95<1s\ntarget_users: 100\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := BaselineFromDir(dir, Input{At: AtTarget, TargetLoad: 100, Experiment: "other"})
	if err != nil {
		t.Fatal(err)
	}
	if got := b.Configs["a"].Samples["p95"]; len(got) != 5 || b.Experiment != "gate" || b.Configs["a"].Metrics["p95"] != 102 {
		t.Errorf("baseline from a folder: experiment %q, samples %v, metrics %v", b.Experiment, got, b.Configs["a"].Metrics)
	}
	tol, _ := ParseTolerance("p95=10%")
	cur := repeats([]float64{126, 127, 128, 129, 130}, func(r *record.Record, x float64) { r.Latency.P95 = x })
	v := Evaluate(Input{Records: cur, SLO: mustSLO(t, "p95<1h"), TargetLoad: 100, Baseline: b, Tolerance: tol, Experiment: "gate"})
	if c := v.Checks[1]; c.Pass || c.Delta != "+25.5% [+22.3%, +28.7%] p=0.008 n=5+5" {
		t.Errorf("against the folder: %+v", c)
	}
}

// TestBaselineFolderWithoutTheLevel: a results folder that has no step at
// the level the run is gated at, for one of the run's configurations, is
// refused, naming the configuration and the levels it measured, instead
// of the gate calling the configuration missing from the baseline (which
// --allow-missing would wave through). A folder's configuration that the
// run lacks is the comparison's to judge, not a refusal; so is a champion
// without the level under --against.
func TestBaselineFolderWithoutTheLevel(t *testing.T) {
	dir := t.TempDir()
	w, err := record.Create(filepath.Join(dir, record.FileName))
	if err != nil {
		t.Fatal(err)
	}
	folder := []record.Record{step("a", 100, 100, 0, 90), step("a", 200, 110, 0, 95), step("b", 100, 100, 0, 90)}
	for _, r := range folder {
		if err := w.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	both := []record.Record{step("a", 200, 110, 0, 95), step("b", 200, 110, 0, 95)}
	_, err = BaselineFromDir(dir, Input{At: AtUsers, AtLoad: 200, Records: both})
	if err == nil || !strings.Contains(err.Error(), "it has no complete step where the run is gated: b: no complete step at 200 users (it measured 100 users)") ||
		strings.Contains(err.Error(), "a: no complete step") {
		t.Errorf("a folder without b's level: %v, want a refusal naming b and its levels", err)
	}
	if _, err := BaselineFromDir(dir, Input{At: AtUsers, AtLoad: 200, Records: both[:1]}); err != nil {
		t.Errorf("a run without b: %v, want the folder read (b is the comparison's to judge)", err)
	}
	if _, err := BaselineFromDir(dir, Input{At: AtUsers, AtLoad: 300, Records: both[:1]}); err == nil ||
		!strings.Contains(err.Error(), "a: no complete step at 300 users (it measured 100, 200 users)") {
		t.Errorf("no configuration at the level: %v, want the levels named", err)
	}
}

// TestAgainstChampionWithoutTheLevel: under --against, a champion without
// a complete step where its challenger is gated is refused the same way.
func TestAgainstChampionWithoutTheLevel(t *testing.T) {
	version := func(r record.Record, v string) record.Record {
		r.Config.Version = v
		r.Config.Name += "@" + v
		return r
	}
	recs := []record.Record{
		version(step("a", 100, 100, 0, 90), record.VersionChampion), version(step("a", 100, 100, 0, 90), record.VersionChallenger),
		version(step("b", 100, 100, 0, 90), record.VersionChampion), version(step("b", 100, 100, 0, 90), record.VersionChallenger),
		version(step("a", 200, 100, 0, 90), record.VersionChampion), version(step("a", 200, 100, 0, 90), record.VersionChallenger),
	}
	_, err := AgainstVersion(Input{Records: recs, SLO: mustSLO(t, "p95<1h"), At: AtUsers, AtLoad: 200}, record.VersionChampion, time.Unix(0, 0))
	if err == nil || !strings.Contains(err.Error(), "the champion has no complete step where the run is gated: b: no complete step at 200 users (it measured 100 users)") {
		t.Errorf("a champion without b's level: %v", err)
	}
}

// TestToleranceOnMetricTheBaselineLacks: a tolerance on a metric the
// baseline does not hold (a baseline saved before cpu_per_request existed,
// or from a runtime without target telemetry) has nothing to compare with:
// it fails saying so, as a configuration missing from the baseline does,
// unless AllowMissing, which keeps the note on a passing check.
func TestToleranceOnMetricTheBaselineLacks(t *testing.T) {
	tol, _ := ParseTolerance("cpu_per_request=10%")
	base := &Baseline{Version: 1, Configs: map[string]BaselineMetrics{"a": {Load: 100, Metrics: map[string]float64{"p95": 100}}}}
	cur := repeats([]float64{0.05, 0.05, 0.05}, withCost)
	for _, allow := range []bool{false, true} {
		v := Evaluate(Input{Records: cur, SLO: mustSLO(t, "p95<1h"), TargetLoad: 100, Baseline: base, Tolerance: tol, AllowMissing: allow})
		c := v.Checks[len(v.Checks)-1]
		if c.Metric != "cpu_per_request" || c.Pass != allow || c.Baseline != "not measured" ||
			!strings.Contains(c.Message, "the baseline has no cpu_per_request") || !strings.Contains(c.Message, "--allow-missing") {
			t.Errorf("AllowMissing %v: %+v, want pass %v saying the baseline lacks the metric and naming --allow-missing", allow, c, allow)
		}
		if v.Pass != allow {
			t.Errorf("AllowMissing %v: verdict pass %v", allow, v.Pass)
		}
	}
}

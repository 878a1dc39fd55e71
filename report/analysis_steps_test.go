package report

import (
	"strings"
	"testing"

	"github.com/loadlab/loadlab/record"
)

func TestGeneratorSaturatedStepExcluded(t *testing.T) {
	in := fixture(t, "workshop")
	var sat *record.Record
	for i, r := range in.Records {
		if r.Generator.Saturated {
			if sat != nil {
				t.Fatal("fixture has more than one generator-saturated step")
			}
			sat = &in.Records[i]
		}
	}
	if sat == nil || sat.Config.Name != "cpu1-mem1g-x2" || sat.Load.Users != 9500 || sat.Repeat != 1 || sat.SLO.Pass {
		t.Fatalf("fixture: want one saturated, SLO-breaching step of cpu1-mem1g-x2 repeat 2 at 9,500 users, got %+v", sat)
	}

	a := Analyze(in)
	c := mustConfig(t, a, "cpu1-mem1g-x2")
	st := c.Steps[18]
	if st.Offered != 9500 || st.Excluded != 1 || st.Repeats != 1 || st.Untrustworthy || !st.Pass {
		t.Errorf("9,500-user step: %+v; want the saturated repeat excluded and the other passing", st)
	}
	if len(st.Warnings) != 1 || !strings.Contains(st.Warnings[0], "generator saturated (CPU 176 % of 200 %)") {
		t.Errorf("step warnings %q", st.Warnings)
	}
	if !containsPrefix(a.Warnings, "cpu1-mem1g-x2 at 9,500 users: repeat 2: generator saturated") {
		t.Errorf("run warnings %q lack the saturated step", a.Warnings)
	}
	if c.Capacity != 10000 {
		t.Errorf("capacity %v, want 10,000", c.Capacity)
	}

	// The same measurements trusted: the breaching repeat drags the median
	// over the SLO and capacity drops to 9,000.
	sat.Generator.Saturated = false
	trusted := mustConfig(t, Analyze(in), "cpu1-mem1g-x2")
	if trusted.Capacity != 9000 {
		t.Errorf("with the saturated step trusted, capacity %v, want 9,000 (so exclusion is what keeps 10,000)", trusted.Capacity)
	}
}

func TestRepeatsCombinedByMedian(t *testing.T) {
	in := fixture(t, "workshop")
	a := Analyze(in)
	c := mustConfig(t, a, "cpu1-mem1g-x1")
	if c.Repeats != 2 {
		t.Fatalf("repeats %d, want 2", c.Repeats)
	}
	var raw []record.Record
	for _, r := range in.Records {
		if r.Config.Name == "cpu1-mem1g-x1" && r.Load.Users == 3000 {
			raw = append(raw, r)
		}
	}
	if len(raw) != 2 || raw[0].RPS == raw[1].RPS {
		t.Fatalf("fixture: want two differing repeats at 3,000 users, got %d", len(raw))
	}
	var st StepResult
	for _, s := range c.Steps {
		if s.Offered == 3000 {
			st = s
		}
	}
	lo, hi := min(raw[0].RPS, raw[1].RPS), max(raw[0].RPS, raw[1].RPS)
	if st.RPS.Median != (raw[0].RPS+raw[1].RPS)/2 || st.RPS.Min != lo || st.RPS.Max != hi {
		t.Errorf("RPS %+v, want median %v of %v and %v", st.RPS, (lo+hi)/2, lo, hi)
	}
	if st.P95.Median != (raw[0].Latency.P95+raw[1].Latency.P95)/2 {
		t.Errorf("p95 median %v", st.P95.Median)
	}

	// Three repeats: the middle one, not the mean.
	three := append([]record.Record(nil), raw...)
	third := raw[0]
	third.Repeat, third.RPS = 2, 99999
	three = append(three, third)
	s3 := combineStep(three, mustSLO(t, "p95<1s"))
	if s3.RPS.Median != raw[0].RPS && s3.RPS.Median != raw[1].RPS || s3.RPS.Max != 99999 {
		t.Errorf("median of three %+v", s3.RPS)
	}
}

func TestStatOf(t *testing.T) {
	tests := []struct {
		in   []float64
		want Stat
	}{
		{nil, Stat{}},
		{[]float64{5}, Stat{5, 5, 5}},
		{[]float64{3, 1}, Stat{2, 1, 3}},
		{[]float64{9, 1, 4}, Stat{4, 1, 9}},
		{[]float64{4, 1, 3, 10}, Stat{3.5, 1, 10}},
	}
	for _, tc := range tests {
		if got := statOf(tc.in); got != tc.want {
			t.Errorf("statOf(%v) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

func TestOpenLoopRecordedVerdicts(t *testing.T) {
	in := fixture(t, "ramp-local")
	if len(in.SLO) != 0 || in.TargetLoad != 0 || in.Experiment != nil || in.Environment != nil {
		t.Fatalf("ramp-local has no experiment.yaml or environment.json: %+v", in)
	}
	a := Analyze(in)
	if a.Unit != "req/s" || a.Model != record.ModelRate || a.Target != 1000 || a.TargetGiven {
		t.Errorf("unit %q model %q target %v given %v", a.Unit, a.Model, a.Target, a.TargetGiven)
	}
	if a.SLOSource != "recorded verdicts" || a.SLO != "p95<250ms,error_rate<1%" {
		t.Errorf("slo %q from %q, want the conditions recovered from the recorded breaches", a.SLO, a.SLOSource)
	}
	c := mustConfig(t, a, "local")
	if c.Capacity != 700 || c.CapacityLowerBound {
		t.Errorf("capacity %v, want 700 req/s", c.Capacity)
	}
	last := c.Steps[len(c.Steps)-1]
	if !last.Untrustworthy || last.Offered != 1000 {
		t.Errorf("last step %+v, want 1,000 req/s untrustworthy (generator lag)", last)
	}
	if c.TargetStep != -1 || c.ReachesTarget {
		t.Errorf("the only step at the target is untrustworthy: target step %d", c.TargetStep)
	}
	sat, ok := c.Step(c.SaturationStep)
	if !ok || sat.Offered != 900 || !strings.HasPrefix(c.SaturationReason, "error rate rose to ") {
		t.Errorf("saturation at %v (%q), want 900 req/s by errors", sat.Offered, c.SaturationReason)
	}
	if !c.Approximate() || !strings.HasSuffix(c.Verdict, "approximate (local runtime)") {
		t.Errorf("verdict %q, want the local runtime marked approximate", c.Verdict)
	}
	if !strings.Contains(a.Recommendation.Sentence, "(approximate: local runtime)") {
		t.Errorf("sentence %q", a.Recommendation.Sentence)
	}
}

func TestOpenLoopThroughputSaturation(t *testing.T) {
	cfg := dockerConfig("api", 1, 1024, 1)
	var recs []record.Record
	for i, rate := range []float64{100, 200, 300, 400} {
		rps := rate
		if rate == 400 {
			rps = 320 // 80 % of the rate
		}
		recs = append(recs, record.Record{Config: cfg, Step: i, Load: record.Load{Model: record.ModelRate, Rate: rate},
			RPS: rps, Latency: &record.Latency{P95: 50}, SLO: record.SLOResult{Pass: true}})
	}
	c := mustConfig(t, Analyze(Input{Records: recs}), "api")
	sat, ok := c.Step(c.SaturationStep)
	if !ok || sat.Offered != 400 || !strings.Contains(c.SaturationReason, "80 %") {
		t.Errorf("saturation %v %q, want 400 req/s at 80 %% of the rate", sat.Offered, c.SaturationReason)
	}
}

func TestUndecidedRepeatsFailWithoutSLO(t *testing.T) {
	cfg := dockerConfig("api", 1, 1024, 1)
	a := rampRecords(cfg, 0, []stepSpec{{500, 10, 0, 0, false}, {1000, 10, 0, 0, false}})
	b := rampRecords(cfg, 1, []stepSpec{{500, 10, 0, 0, false}, {1000, 10, 0, 0, false}})
	for i := range a {
		a[i].SLO.Pass = true
		b[i].SLO.Pass = i == 0 // the second repeat breached at 1,000
	}
	c := mustConfig(t, Analyze(Input{Records: append(a, b...)}), "api")
	if c.Capacity != 500 || c.CapacityMin != 500 || c.CapacityMax != 1000 {
		t.Errorf("capacity %v (%v–%v), want 500 (a 1–1 tie fails) with repeats 500–1,000", c.Capacity, c.CapacityMin, c.CapacityMax)
	}
}

func containsPrefix(ss []string, prefix string) bool {
	for _, s := range ss {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

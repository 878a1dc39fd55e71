package report

import (
	"math"
	"strings"
	"testing"

	"github.com/loadlab/loadlab/record"
)

func TestAnalyzeWorkshopCapacities(t *testing.T) {
	a := Analyze(fixture(t, "workshop"))
	if a.Target != 10000 || !a.TargetGiven || a.Unit != "users" || a.SLO != "p95<1s,error_rate<1%" {
		t.Fatalf("target %v (given %v) unit %q slo %q; want 10000 users from experiment.yaml, p95<1s,error_rate<1%%", a.Target, a.TargetGiven, a.Unit, a.SLO)
	}
	tests := []struct {
		name           string
		capacity       float64
		lowerBound     bool
		breakAt        float64 // 0: none
		saturationAt   float64 // 0: none
		reachesTarget  bool
		costCPUs       float64
		costMemoryGiB  float64
		satReasonMatch string
	}{
		{"cpu0.5-mem512m-x1", 3000, false, 3500, 3000, false, 0.5, 0.5, "throughput"},
		{"cpu1-mem1g-x1", 6000, false, 6500, 5500, false, 1, 1, "throughput"},
		{"cpu1-mem1g-x2", 10000, true, 0, 0, true, 2, 2, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := mustConfig(t, a, tc.name)
			if c.Capacity != tc.capacity || c.CapacityLowerBound != tc.lowerBound {
				t.Errorf("capacity %v (lower bound %v), want %v (%v)", c.Capacity, c.CapacityLowerBound, tc.capacity, tc.lowerBound)
			}
			if c.CapacityMin != tc.capacity || c.CapacityMax != tc.capacity {
				t.Errorf("per-repeat capacity %v–%v, want both repeats at %v", c.CapacityMin, c.CapacityMax, tc.capacity)
			}
			brk, ok := c.Step(c.BreakStep)
			if (tc.breakAt == 0) == ok || (ok && brk.Offered != tc.breakAt) {
				t.Errorf("break step %+v (found %v), want %v", brk.Offered, ok, tc.breakAt)
			}
			sat, ok := c.Step(c.SaturationStep)
			if (tc.saturationAt == 0) == ok || (ok && sat.Offered != tc.saturationAt) {
				t.Errorf("saturation at %v (found %v), want %v", sat.Offered, ok, tc.saturationAt)
			}
			if !strings.Contains(c.SaturationReason, tc.satReasonMatch) {
				t.Errorf("saturation reason %q, want it to mention %q", c.SaturationReason, tc.satReasonMatch)
			}
			if c.ReachesTarget != tc.reachesTarget {
				t.Errorf("reaches target %v, want %v", c.ReachesTarget, tc.reachesTarget)
			}
			if c.CostCPUs != tc.costCPUs || float64(c.CostMemoryBytes) != tc.costMemoryGiB*(1<<30) {
				t.Errorf("cost %v CPUs / %v bytes, want %v CPUs / %v GiB", c.CostCPUs, c.CostMemoryBytes, tc.costCPUs, tc.costMemoryGiB)
			}
			capStep, _ := c.Step(c.CapacityStep)
			if c.MaxRPSInSLO != capStep.RPS.Median {
				t.Errorf("max RPS in SLO %v, want the capacity step's %v (throughput grows with load)", c.MaxRPSInSLO, capStep.RPS.Median)
			}
			if want := c.MaxRPSInSLO / c.CostCPUs; math.Abs(c.Efficiency-want) > 1e-9 {
				t.Errorf("efficiency %v, want %v", c.Efficiency, want)
			}
			if !capStep.HasTarget || capStep.CPUPct.Median <= 0 || capStep.MemPct.Median <= 0 {
				t.Errorf("no CPU/memory use at capacity: %+v", capStep)
			}
		})
	}

	small := mustConfig(t, a, "cpu0.5-mem512m-x1")
	if small.OOMKills != 2 || small.Restarts != 2 {
		t.Errorf("cpu0.5 OOM kills %d restarts %d, want 2 and 2 (one per repeat at 4,000 users)", small.OOMKills, small.Restarts)
	}
	if !strings.HasPrefix(small.Verdict, "fails at 3,500 users (p95 1.") {
		t.Errorf("verdict %q, want 'fails at 3,500 users (p95 1.x s)'", small.Verdict)
	}

	x2 := mustConfig(t, a, "cpu1-mem1g-x2")
	if x2.Scaling == nil || x2.Scaling.Base != "cpu1-mem1g-x1" || !x2.Scaling.LowerBound {
		t.Fatalf("scaling %+v, want a lower-bound comparison with cpu1-mem1g-x1", x2.Scaling)
	}
	x1 := mustConfig(t, a, "cpu1-mem1g-x1")
	if want := x2.MaxRPSInSLO / (2 * x1.MaxRPSInSLO); math.Abs(x2.Scaling.Efficiency-want) > 1e-9 {
		t.Errorf("scaling efficiency %v, want %v", x2.Scaling.Efficiency, want)
	}
	if x1.Scaling != nil {
		t.Errorf("a single-replica configuration has no scaling figure, got %+v", x1.Scaling)
	}
}

func TestAnalyzeFailedConfiguration(t *testing.T) {
	a := Analyze(fixture(t, "workshop"))
	c := mustConfig(t, a, "cpu0.25-mem256m-x1")
	if len(c.Steps) != 0 || !strings.Contains(c.Failure, "never became healthy") {
		t.Fatalf("failed configuration: %d steps, failure %q", len(c.Steps), c.Failure)
	}
	if !strings.HasPrefix(c.Verdict, "failed: ") || c.ReachesTarget {
		t.Errorf("verdict %q reaches %v", c.Verdict, c.ReachesTarget)
	}
	if !containsPrefix(a.Warnings, "cpu0.25-mem256m-x1 could not be measured") {
		t.Errorf("warnings %q lack the failure", a.Warnings)
	}
	if a.Configs[0].Name != "cpu0.25-mem256m-x1" {
		t.Errorf("configurations keep the order of the run, got %s first", a.Configs[0].Name)
	}
}

func TestRecommendationWorkshop(t *testing.T) {
	rec := Analyze(fixture(t, "workshop")).Recommendation
	if !rec.Meets || rec.Config != "cpu1-mem1g-x2" || rec.ShortBy != 0 {
		t.Fatalf("recommendation %+v, want cpu1-mem1g-x2 meeting the target", rec)
	}
	for _, want := range []string{"2 replicas × 1 CPU × 1 GiB serve 10,000 users at p95 ", " % errors; ", "1 replica × 1 CPU × 1 GiB fails at 6,500 users (p95 1."} {
		if !strings.Contains(rec.Sentence, want) {
			t.Errorf("sentence %q lacks %q", rec.Sentence, want)
		}
	}
}

func TestRecommendationCheapestReachingTarget(t *testing.T) {
	in := fixture(t, "workshop")
	in.TargetLoad = 3000
	rec := Analyze(in).Recommendation
	if rec.Config != "cpu0.5-mem512m-x1" || !rec.Meets {
		t.Fatalf("recommendation %+v, want the 0.5 CPU configuration: it is the cheapest that serves 3,000 users", rec)
	}
	if !strings.HasPrefix(rec.Sentence, "1 replica × 0.5 CPU × 512 MiB serves 3,000 users at p95 ") {
		t.Errorf("sentence %q", rec.Sentence)
	}
	if strings.Contains(rec.Sentence, ";") {
		t.Errorf("no cheaper configuration was measured, yet the sentence contrasts one: %q", rec.Sentence)
	}
}

func TestRecommendationNoneReachesTarget(t *testing.T) {
	in := fixture(t, "workshop")
	in.SLO = mustSLO(t, "p95<300ms,error_rate<1%")
	a := Analyze(in)
	rec := a.Recommendation
	x2 := mustConfig(t, a, "cpu1-mem1g-x2")
	if rec.Meets || rec.Config != "cpu1-mem1g-x2" {
		t.Fatalf("recommendation %+v, want the best (cpu1-mem1g-x2) falling short", rec)
	}
	if x2.Capacity != 9500 || rec.ShortBy != 500 {
		t.Errorf("best capacity %v short by %v, want 9,500 and 500 under p95<300ms", x2.Capacity, rec.ShortBy)
	}
	for _, want := range []string{"No configuration serves 10,000 users within p95<300ms,error_rate<1%", "The best, 2 replicas × 1 CPU × 1 GiB, holds 9,500 users", "500 users (5 %) short", "it fails at 10,000 users (p95 "} {
		if !strings.Contains(rec.Sentence, want) {
			t.Errorf("sentence %q lacks %q", rec.Sentence, want)
		}
	}
	if a.Configs[3].Verdict == "" || a.Configs[3].ReachesTarget {
		t.Errorf("x2 verdict %q", a.Configs[3].Verdict)
	}
}

func TestRecommendationNothingMeetsSLO(t *testing.T) {
	recs := rampRecords(dockerConfig("tiny", 0.1, 128, 1), 0, []stepSpec{{500, 1500, 0, 0, false}, {1000, 3000, 0, 0, false}})
	a := Analyze(Input{Records: recs, SLO: mustSLO(t, "p95<1s"), TargetLoad: 1000})
	c := mustConfig(t, a, "tiny")
	if c.CapacityStep != -1 || c.Capacity != 0 || c.CapacityLowerBound {
		t.Errorf("capacity %+v, want none", c)
	}
	if !strings.HasPrefix(a.Recommendation.Sentence, "No configuration meets p95<1s even at the lowest load: the best, 1 replica × 0.1 CPU × 128 MiB, misses the SLO from 500 users (p95 1.5 s).") {
		t.Errorf("sentence %q", a.Recommendation.Sentence)
	}
}

func TestRecommendationTies(t *testing.T) {
	pass := []stepSpec{{500, 100, 0, 0, false}, {1000, 200, 0, 0, false}}
	var recs []record.Record
	// Same total CPUs (2): less memory wins; then fewer replicas.
	recs = append(recs, rampRecords(dockerConfig("cpu1-mem1g-x2", 1, 1024, 2), 0, pass)...)
	recs = append(recs, rampRecords(dockerConfig("cpu2-mem2g-x1", 2, 2048, 1), 0, pass)...)
	recs = append(recs, rampRecords(dockerConfig("cpu2-mem1g-x1", 2, 1024, 1), 0, pass)...)
	recs = append(recs, rampRecords(dockerConfig("cpu4-mem512m-x1", 4, 512, 1), 0, pass)...)
	recs = append(recs, rampRecords(dockerConfig("cpu0.5-mem4g-x4", 0.5, 4096, 4), 0, pass)...)
	tests := []struct {
		drop string
		want string
	}{
		{"", "cpu2-mem1g-x1"},              // 2 CPUs, 1 GiB beats 2 CPUs × 2 GiB, 1 replica beats 2
		{"cpu2-mem1g-x1", "cpu2-mem2g-x1"}, // 2 CPUs and 2 GiB either way: fewer replicas win
	}
	for _, tc := range tests {
		var in []record.Record
		for _, r := range recs {
			if r.Config.Name != tc.drop {
				in = append(in, r)
			}
		}
		rec := Analyze(Input{Records: in, SLO: mustSLO(t, "p95<1s"), TargetLoad: 1000}).Recommendation
		if rec.Config != tc.want {
			t.Errorf("without %q: recommended %s, want %s", tc.drop, rec.Config, tc.want)
		}
	}
}

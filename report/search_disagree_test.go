package report

import (
	"strings"
	"testing"

	"github.com/loadlab/loadlab/record"
)

// TestLimitSearchProjectionDisagrees: 1 replica at the largest limits
// holds between 5,000 and 10,000 users, so the projection would be 2
// replicas; but 2 replicas at those limits were tried and failed. No
// projection is made: the report says the measurements disagree and that
// the run should be repeated.
func TestLimitSearchProjectionDisagrees(t *testing.T) {
	m := machine{perCPU: 3000, failReplicas: map[int]bool{2: true}}
	f := newFixtureRun(t)
	f.limitSearch(m, workshopLimits, 10000, 0)
	in := readRun(t, f.write(limitsExperiment(10000, workshopLimits), &record.Plan{Repeat: 1, Model: record.ModelUsers}))
	md, s, _ := renderAll(t, in)
	if s.Search == nil || s.Search.Limits == nil || len(s.Search.Limits.Replicas) != 2 {
		t.Fatalf("summary.json search: %+v", s.Search)
	}
	if c := s.Search.Limits.Replicas[0].Capacity; c <= 5000 || c >= 10000 {
		t.Fatalf("fixture: 1 replica's capacity %g, want within (5,000, 10,000) so that 2 replicas are projected", c)
	}
	if s.Projection != nil || strings.Contains(md, "Projection, not measured") {
		t.Errorf("a projection to 2 replicas, which were measured and failed: %+v", s.Projection)
	}
	if s.Recommendation.Meets {
		t.Errorf("recommendation meets the target: %+v", s.Recommendation)
	}
	if !strings.Contains(s.Search.Limits.Disagreement, "2 replicas") {
		t.Errorf("summary.json disagreement %q, want it to name the 2 replicas measured", s.Search.Limits.Disagreement)
	}
	contains(t, "report.md", md, "No projection: the measurements disagree", "repeat the run")
	contains(t, "the recommendation", s.Recommendation.Sentence, "No searched configuration serves 10,000 users", "measurements disagree", "repeat the run")
	contains(t, "the terminal summary", terminal(t, in), "measurements disagree")
}

// TestLimitSearchRestartsServeNothing: every step meets the SLO but a
// replica restarts during each, so every trial fails (search.TrialOf
// counts restarts), while the capacity search at the largest limits,
// which judges the SLO alone, reaches the target. The measurements
// disagree: no projection, and the recommendation, whose generic form is
// blind to restarts, must not claim the target is met.
func TestLimitSearchRestartsServeNothing(t *testing.T) {
	l := workshopLimits
	l.Replicas = []int{1}
	f := newFixtureRun(t)
	f.limitSearch(machine{perCPU: 42000, restarts: true}, l, 10000, 0)
	in := readRun(t, f.write(limitsExperiment(10000, l), &record.Plan{Repeat: 1, Model: record.ModelUsers}))
	md, s, _ := renderAll(t, in)
	if s.Search == nil || s.Search.Limits == nil || len(s.Search.Limits.Replicas) != 1 {
		t.Fatalf("summary.json search: %+v", s.Search)
	}
	if r := s.Search.Limits.Replicas[0]; r.MinimalCPUs != nil || r.Capacity < 10000 {
		t.Fatalf("fixture: %+v, want no minimal and a capacity at the largest limits reaching 10,000", r)
	}
	if s.Recommendation.Meets || s.Recommendation.Config == "" {
		t.Errorf("recommendation %+v: want the best measured configuration, not meeting the target", s.Recommendation)
	}
	if rc, ok := Analyze(in).Config(s.Recommendation.Config); !ok || rc.Config.CPUs != l.CPUs.Max {
		t.Errorf("recommended %q (%+v), want the configuration measured at the largest limits", s.Recommendation.Config, rc.Config)
	}
	if s.Projection != nil || strings.Contains(md, "Projection, not measured") {
		t.Errorf("a projection although the capacity measured reached the target: %+v", s.Projection)
	}
	contains(t, "the recommendation", s.Recommendation.Sentence, "No searched configuration serves 10,000 users", "measurements disagree", "restart", "repeat the run")
	contains(t, "report.md", md, "No projection: the measurements disagree", "its capacity search")
}

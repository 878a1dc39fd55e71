package report

import (
	"strings"
	"testing"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/search"
)

// TestLimitSearchUndecided: the generator saturates in every step of 1
// replica, so its trials cannot be trusted twice in a row and the
// search cannot decide that replica count (search.ReplicaResult.Undecided).
// The report says so in the Search section and summary.json; with 2
// replicas decided, the answer is theirs; with 1 replica alone, nothing
// serves and nothing is projected.
func TestLimitSearchUndecided(t *testing.T) {
	m := machine{perCPU: 42000, saturated: map[int]bool{1: true}}
	f := newFixtureRun(t)
	f.limitSearch(m, workshopLimits, 10000, 0)
	in := readRun(t, f.write(limitsExperiment(10000, workshopLimits), &record.Plan{Repeat: 1, Model: record.ModelUsers}))
	md, s, _ := renderAll(t, in)
	if s.Search == nil || s.Search.Limits == nil || len(s.Search.Limits.Replicas) != 2 {
		t.Fatalf("summary.json search: %+v", s.Search)
	}
	r1, r2 := s.Search.Limits.Replicas[0], s.Search.Limits.Replicas[1]
	if r1.Undecided == nil || *r1.Undecided == "" || r1.MinimalCPUs != nil || r1.Truncated == nil || *r1.Truncated {
		t.Fatalf("1 replica: %+v, want undecided, no minimal, not truncated", r1)
	}
	if r2.MinimalCPUs == nil || r2.Undecided == nil || *r2.Undecided != "" {
		t.Errorf("2 replicas: %+v, want a minimal and undecided \"\"", r2)
	}
	why := strings.TrimSuffix(*r1.Undecided, ".")
	if !s.Recommendation.Meets {
		t.Errorf("recommendation %+v: want 2 replicas' minimal", s.Recommendation)
	}
	contains(t, "the recommendation", s.Recommendation.Sentence, "With 1 replica: undecided ("+why+")")
	contains(t, "report.md", md, "| 1 | undecided |", "With 1 replica: undecided (")

	// 1 replica alone: nothing served, nothing projected.
	l := workshopLimits
	l.Replicas = []int{1}
	f = newFixtureRun(t)
	f.limitSearch(m, l, 10000, 0)
	in = readRun(t, f.write(limitsExperiment(10000, l), &record.Plan{Repeat: 1, Model: record.ModelUsers}))
	md, s, _ = renderAll(t, in)
	if s.Recommendation.Meets || s.Projection != nil {
		t.Errorf("recommendation %+v, projection %+v: want neither", s.Recommendation, s.Projection)
	}
	contains(t, "report.md", md, "With 1 replica the search could not decide: ", "No projection: the search of 1 replica did not decide")
	contains(t, "the recommendation", s.Recommendation.Sentence, "No searched configuration serves", "could not decide")
}

// TestLimitSearchTruncated: a replica count whose trial budget ran out
// (search.ReplicaResult.Truncated) is said to be possibly incomplete, in
// the search's sentence and its table.
func TestLimitSearchTruncated(t *testing.T) {
	cfg := record.Config{CPUs: 0.5, MemoryBytes: 512 << 20, Replicas: 1}
	ls := &LimitSearch{results: []search.ReplicaResult{
		{Replicas: 1, Minimal: &cfg, Complete: true, Truncated: true},
		{Replicas: 2, Complete: true, Truncated: true},
	}}
	contains(t, "the sentence", limitsSentence(ls, ls.results[0], 10000, "users", nil),
		"The smallest configuration found before the trial budget ran out (the answer may be incomplete) that serves 10,000 users",
		"With 2 replicas: no CPU limit searched served it (the trial budget ran out: the answer may be incomplete).")
	cpus := cfg.CPUs
	g := minimalGrid(&LimitSearch{Replicas: []ReplicaSearch{
		{Replicas: 1, MinimalCPUs: &cpus, MemoryBytes: 512 << 20, Complete: true, Truncated: true},
		{Replicas: 2, Complete: true, Truncated: true},
	}}, "users")
	if got := g.Rows[0][1]; !strings.Contains(got, "the trial budget ran out") {
		t.Errorf("1 replica's minimal %q does not say the budget ran out", got)
	}
	if got := g.Rows[1][1]; !strings.Contains(got, "the trial budget ran out") {
		t.Errorf("2 replicas' minimal %q does not say the budget ran out", got)
	}
	ls.Replicas = []ReplicaSearch{{Replicas: 1, Complete: true, Truncated: true}}
	if more, problem := unsettled(ls); !strings.Contains(more, "With 1 replica the trial budget ran out") || problem == "" {
		t.Errorf("unsettled = %q, %q: want the budget named and no projection", more, problem)
	}
}

package report

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/search"
)

// TestReconstructedLimitsResolution: a limit search on a 0.1 CPU grid
// whose experiment.yaml lost its search: key. Its bounds are taken from
// its trials, the grid's resolution too (not the default 0.05, on which
// 0.3 and 0.4 CPU are not neighbours and the search would look
// unfinished); a trial off that grid is flagged, not silently dropped.
func TestReconstructedLimitsResolution(t *testing.T) {
	l := search.Limits{CPUs: search.CPURange{Min: 0.1, Max: 1.6, Resolution: 0.1}, Memory: workshopLimits.Memory, Replicas: []int{1}}
	m := machine{perCPU: 26000}
	want := minimalOnGrid(m, l, 1, 10000)
	if want == 0 || want-0.1 < l.CPUs.Min || math.Abs(want/search.DefaultCPUResolution-math.Round(want/search.DefaultCPUResolution)) > 1e-9 {
		t.Fatalf("fixture: minimal %g, want one inside the grid and on the default grid too", want)
	}
	f := newFixtureRun(t)
	f.limitSearch(m, l, 10000, 0)
	// A trial that fits no grid of the others (a hand-made run, or a
	// changed experiment): its CPU is not a multiple of 0.1 from the rest.
	off := record.Config{CPUs: want - 0.03, MemoryBytes: l.Memory.Max, Replicas: 1}
	f.trial(m, search.TrialDecision{Config: off, Phase: search.TrialCPU}, 10000, 99)
	exp := "name: search-fixture\ntarget_users: 10000\nslo: " + searchSLO + "\n"
	in := readRun(t, f.write(exp, &record.Plan{Repeat: 1, Model: record.ModelUsers}))
	if in.Search != nil {
		t.Fatal("fixture: experiment.yaml should have no search: key")
	}
	md, s, _ := renderAll(t, in)
	if s.Search == nil || s.Search.Limits == nil || !s.Search.Limits.Reconstructed || len(s.Search.Limits.Replicas) != 1 {
		t.Fatalf("summary.json search: %+v", s.Search)
	}
	r := s.Search.Limits.Replicas[0]
	if r.MinimalCPUs == nil || math.Abs(*r.MinimalCPUs-want) > 1e-9 || !r.Complete || r.FailCPUsBelow == nil || math.Abs(*r.FailCPUsBelow-(want-0.1)) > 1e-9 {
		t.Errorf("%+v: want minimal %g, failing at %g just below, complete", r, want, want-0.1)
	}
	offText := record.FormatCPUs(off.CPUs)
	if !slices.ContainsFunc(s.Search.Limits.OffGrid, func(x string) bool { return strings.Contains(x, offText) }) {
		t.Errorf("off_grid = %v, want the trial at %s", s.Search.Limits.OffGrid, offText)
	}
	contains(t, "report.md", md, "a grid of 0.1 CPU", "not on the CPU grid", offText)
}

func TestInferCPUResolution(t *testing.T) {
	tests := []struct {
		name string
		cpus []float64
		want float64
		off  []float64
	}{
		{"a bisection on 0.1", []float64{1.6, 0.8, 0.4, 0.2, 0.3}, 0.1, nil},
		{"a grid on 0.25", []float64{0.5, 0.75, 1, 1.25, 1.5}, 0.25, nil},
		{"gaps of 2 steps and 1", []float64{0.2, 0.6, 0.4, 0.5}, 0.1, nil},
		{"one value: the default", []float64{2, 2}, search.DefaultCPUResolution, nil},
		{"one off the grid", []float64{1.6, 0.8, 0.4, 0.37, 0.2, 0.3}, 0.1, []float64{0.37}},
		{"the maximum is always on it", []float64{0.1, 0.2, 0.3, 0.45}, 0.1, nil},
	}
	for _, tc := range tests {
		res, off := inferCPUGrid(tc.cpus)
		if math.Abs(res-tc.want) > 1e-9 || !slices.Equal(off, tc.off) {
			t.Errorf("%s: resolution %g, off the grid %v; want %g, %v", tc.name, res, off, tc.want, tc.off)
		}
	}
}

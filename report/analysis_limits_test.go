package report

import (
	"testing"

	"github.com/loadlab/loadlab/record"
)

// TestGroupTrials: a trial is the consecutive records of one configuration
// up to its deciding step; the same configuration run again is a new
// trial; only the last trial can be unfinished.
func TestGroupTrials(t *testing.T) {
	mark := func(name, phase, verdict string) record.Record {
		return record.Record{Config: record.Config{Name: name}, Search: &record.Search{Kind: record.SearchLimits, Phase: phase, Verdict: verdict}}
	}
	a, t1, fail := record.PhaseApproach, record.PhaseTrial, record.VerdictFail
	recs := []record.Record{
		mark("x", a, ""), mark("x", a, ""), mark("x", t1, fail), // decided at the target
		mark("x", a, ""), mark("x", t1, "pass"), // the same configuration again: a re-check
		mark("y", a, fail),                      // breached on the way up
		mark("v", a, record.VerdictRepeat),      // untrusted on the way up: ends its trial
		mark("v", a, ""), mark("v", t1, "pass"), // run again
		{Config: record.Config{Name: "z"}, Failure: "deploy: boom"},
		{Config: record.Config{Name: "plain"}}, // not part of the search
		mark("w", a, ""),                       // the run ended here
	}
	groups := groupTrials(recs, true)
	sizes := []int{3, 2, 1, 1, 2, 1, 1}
	if len(groups) != len(sizes) {
		t.Fatalf("%d trials, want %d", len(groups), len(sizes))
	}
	for i, g := range groups {
		if len(g) != sizes[i] {
			t.Errorf("trial %d has %d records, want %d", i+1, len(g), sizes[i])
		}
	}
	if decides(groups[6][0]) || !decides(groups[2][0]) || !decides(groups[3][0]) || !decides(groups[5][0]) {
		t.Error("decides: an approach step that passed decides nothing; a breach on the way up, an untrusted one and a failure do")
	}
	if got := groupTrials(recs, false); len(got) != 6 {
		t.Errorf("outside a limit search run a failure record is no trial: %d trials, want 6", len(got))
	}
}

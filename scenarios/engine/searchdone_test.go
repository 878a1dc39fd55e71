package engine

import (
	"strings"
	"testing"

	"github.com/loadlab/loadlab/record"
)

// TestSearchDoneReason: the stop sentence of a search's last probe says
// the capacity (loads rounded to three decimals, as the search writes
// them), that no load met the SLO when every one breached, and that the
// search is undecided, with its reason, when it found neither a capacity
// nor a breach.
func TestSearchDoneReason(t *testing.T) {
	sum := 0.0
	for range 16 {
		sum += 0.3 // 4.8 with float noise, as a rate search from 0.3 may add it up
	}
	for _, tc := range []struct {
		name  string
		model string
		res   *record.SearchResult
		want  string
		avoid string
	}{
		{"users", record.ModelUsers, &record.SearchResult{Capacity: 4250, FirstFail: 4500, Probes: 11, Reason: "confirmed"},
			"search done: capacity 4,250 users (4,500 breached), 11 probes: confirmed", ""},
		// 4.8 − 4 is 0.7999999999999998 in floating point.
		{"rate", record.ModelRate, &record.SearchResult{Capacity: 4.8, FirstFail: 1234.56789, Probes: 9},
			"search done: capacity 4.8 req/s (1,234.568 breached), 9 probes", ""},
		{"rate added up", record.ModelRate, &record.SearchResult{Capacity: sum, FirstFail: 9.6, Probes: 5},
			"search done: capacity 4.8 req/s (9.6 breached), 5 probes", ""},
		{"nothing passed", record.ModelUsers, &record.SearchResult{FirstFail: 1, Probes: 3, Reason: "no load met the SLO, down to 1 user"},
			"search done: no load met the SLO (1 breached), 3 probes: no load met the SLO, down to 1 user", ""},
		{"undecided", record.ModelUsers, &record.SearchResult{Probes: 3, Undecided: true,
			Reason: "the generator was saturated at 1,000 users 3 times in a row: the search is undecided: no load could be judged"},
			"search undecided after 3 probes: the generator was saturated at 1,000 users 3 times in a row: the search is undecided: no load could be judged", "no load met the SLO"},
		{"undecided above a breach", record.ModelRate, &record.SearchResult{FirstFail: 40, Probes: 4, Undecided: true,
			Reason: "the step was cut short at 20 req/s 3 times in a row: the search is undecided: 40 req/s breached and no load below it could be judged"},
			"search undecided after 4 probes: the step was cut short at 20 req/s 3 times in a row: the search is undecided: 40 req/s breached and no load below it could be judged", "no load met the SLO"},
		{"a capacity of one user", record.ModelUsers, &record.SearchResult{Capacity: 1, FirstFail: 2, Probes: 4},
			"search done: capacity 1 user (2 breached), 4 probes", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := record.Record{Load: record.Load{Model: tc.model}, Search: &record.Search{Kind: record.SearchCapacity, Result: tc.res}}
			got := searchDone(rec, tc.res.Probes)
			if got != tc.want || (tc.avoid != "" && strings.Contains(got, tc.avoid)) {
				t.Errorf("searchDone = %q\n          want %q", got, tc.want)
			}
		})
	}
	if got := searchDone(record.Record{}, 4); got != "search done after 4 probes" {
		t.Errorf("without a result: %q", got)
	}
}

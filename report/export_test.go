package report

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strconv"
	"testing"

	"github.com/loadlab/loadlab/record"
)

// TestStepsCSVSearchColumns: steps.csv carries each step's search mark in
// five columns after the existing ones (whose positions stay), empty for
// the steps of a plain ramp.
func TestStepsCSVSearchColumns(t *testing.T) {
	f := newFixtureRun(t)
	m := machine{perCPU: 42000}
	plain := dockerConfig("plain", 1, 512, 1)
	f.step(m, plain, 100, nil)
	f.limitSearch(m, workshopLimits, 10000, 2)
	var buf bytes.Buffer
	if err := WriteStepsCSV(&buf, f.recs); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	head := rows[0]
	cols := []string{"search_kind", "search_phase", "search_probe", "search_verdict", "search_trial"}
	if len(head) < len(cols) || !slices.Equal(head[len(head)-len(cols):], cols) {
		t.Fatalf("header %v: want it to end with %v", head, cols)
	}
	if slices.Index(head, "failure") != len(head)-len(cols)-1 || head[0] != "run" || slices.Index(head, "target_restarts") != 41 {
		t.Errorf("header %v: the existing columns moved", head)
	}
	col := func(name string) int { return slices.Index(head, name) }
	if len(rows) != len(f.recs)+1 {
		t.Fatalf("%d rows for %d records", len(rows)-1, len(f.recs))
	}
	for i, r := range f.recs {
		row := rows[i+1]
		if len(row) != len(head) {
			t.Fatalf("row %d has %d cells, the header %d", i+1, len(row), len(head))
		}
		s := r.Search
		if s == nil {
			s = &record.Search{}
		}
		probe := ""
		if r.Search != nil {
			probe = strconv.Itoa(s.Probe)
		}
		got := []string{row[col("search_kind")], row[col("search_phase")], row[col("search_probe")], row[col("search_verdict")], row[col("search_trial")]}
		if want := []string{s.Kind, s.Phase, probe, s.Verdict, s.Trial}; !slices.Equal(got, want) {
			t.Errorf("row %d (%s at %g): search columns %v, want %v", i+1, r.Config.Name, r.Offered(), got, want)
		}
	}
	if rows[1][col("search_kind")] != "" || rows[len(rows)-1][col("search_kind")] != record.SearchLimits {
		t.Error("the plain step has a search mark or the trials have none")
	}
}

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
// five columns after the older ones (whose positions stay), empty for the
// steps of a plain ramp.
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
	if at := slices.Index(head, cols[0]); at != 47 || !slices.Equal(head[at:at+len(cols)], cols) {
		t.Fatalf("header %v: want %v from column 47", head, cols)
	}
	if slices.Index(head, "failure") != 46 || head[0] != "run" || slices.Index(head, "target_restarts") != 41 {
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

// TestStepsCSVCostColumns: the target's CPU per request and requests per
// CPU-second are columns 52 and 53, after every older one (whose
// positions stay; the streaming columns follow them), and empty when not measured: no target telemetry, or a
// target whose window had no CPU time or no request.
func TestStepsCSVCostColumns(t *testing.T) {
	cfg := dockerConfig("a", 1, 512, 1)
	recs := rampRecords(cfg, 0, []stepSpec{{users: 10, p95: 5}, {users: 20, p95: 6}, {users: 40, p95: 7}})
	recs[0].Target = &record.Target{CPUCores: 0.1, CPUPctOfLimit: 10}
	recs[0].Target.SetCost(400) // 0.25 ms per request, 4000 requests per CPU-second
	recs[1].Target = &record.Target{CPUPctOfLimit: 0}
	recs[2].Target = nil
	var buf bytes.Buffer
	if err := WriteStepsCSV(&buf, recs); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	head := rows[0]
	if n := len(head); n < 54 || head[52] != "target_cpu_per_request_ms" || head[53] != "target_requests_per_cpu_s" || head[51] != "search_trial" {
		t.Fatalf("header %v: want the 52 older columns, then target_cpu_per_request_ms, target_requests_per_cpu_s", head)
	}
	for i, want := range [][2]string{{"0.25", "4000"}, {"", ""}, {"", ""}} {
		row := rows[i+1]
		if len(row) != len(head) {
			t.Fatalf("row %d has %d cells, the header %d", i+1, len(row), len(head))
		}
		if got := [2]string{row[52], row[53]}; got != want {
			t.Errorf("row %d: cost cells %q, want %q", i+1, got, want)
		}
	}
	if rows[1][slices.Index(head, "target_cpu_cores")] != "0.1" || rows[3][slices.Index(head, "target_cpu_cores")] != "" {
		t.Errorf("target columns: %v, %v", rows[1], rows[3])
	}
}

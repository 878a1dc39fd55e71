package agent

import (
	"strings"
	"testing"
	"time"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/scenarios"
)

func TestShareStep(t *testing.T) {
	cases := []struct {
		users int
		rate  float64
		n     int
		want  []int
	}{
		{7, 0, 3, []int{3, 2, 2}},
		{1, 0, 2, []int{1, 0}},
		{8, 0, 2, []int{4, 4}},
		{0, 10, 4, []int{0, 0, 0, 0}},
	}
	for _, tc := range cases {
		st := scenarios.Step{Index: 3, Users: tc.users, Rate: tc.rate, Hold: time.Second, Settle: time.Millisecond}
		sum, rate := 0, 0.0
		for i := 0; i < tc.n; i++ {
			s := ShareStep(st, i, tc.n)
			if s.Users != tc.want[i] || s.Index != 3 || s.Hold != time.Second || s.Settle != time.Millisecond {
				t.Errorf("%d users over %d, agent %d: %+v, want %d users", tc.users, tc.n, i, s, tc.want[i])
			}
			sum += s.Users
			rate += s.Rate
		}
		if sum != tc.users || rate != tc.rate {
			t.Errorf("%d users / %g rps over %d: shares sum to %d / %g", tc.users, tc.rate, tc.n, sum, rate)
		}
	}
}

// TestMergeCountsAndLost: counts and maps are summed, the first message of
// each error kind is kept, the generator figures are summed or the worst,
// and a lost share makes the step partial naming it.
func TestMergeCountsAndLost(t *testing.T) {
	a := &record.Record{
		WindowS: 10, Requests: 100, Successes: 90, Errors: 10, Dropped: 1, InFlight: 2, BytesIn: 1000, BytesOut: 500, OpenConnections: 3,
		ErrorsByKind: map[string]int64{"http_500": 10}, ErrorSamples: map[string]string{"http_500": "first"},
		StatusCodes: map[string]int64{"200": 90, "500": 10},
		Generator:   record.Generator{CPUPct: 40, CPUAvailablePct: 200, RSSBytes: 10, LagMs: 2},
	}
	b := &record.Record{
		WindowS: 12, Requests: 50, Successes: 45, Errors: 5,
		ErrorsByKind: map[string]int64{"http_500": 3, "timeout": 2}, ErrorSamples: map[string]string{"http_500": "second", "timeout": "slow"},
		StatusCodes: map[string]int64{"200": 45, "500": 3, "0": 2},
		Generator:   record.Generator{CPUPct: 190, CPUAvailablePct: 200, RSSBytes: 20, LagMs: 9, Saturated: true, Warning: "generator CPU 95%"},
	}
	shares := []Share{
		{Agent: Hello{Agent: "a1", Node: "n1"}, Step: scenarios.Step{Users: 2}, Record: a},
		{Agent: Hello{Agent: "a2", Node: "n2"}, Step: scenarios.Step{Users: 2}, Record: b},
	}
	rec, err := Merge(shares)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Requests != 150 || rec.Successes != 135 || rec.Errors != 15 || rec.Dropped != 1 || rec.InFlight != 2 ||
		rec.BytesIn != 1000 || rec.BytesOut != 500 || rec.OpenConnections != 3 {
		t.Errorf("counts: %+v", rec)
	}
	if rec.WindowS != 11 || rec.RPS != 150.0/11 || rec.OKRPS != 135.0/11 || rec.ErrorRate != 0.1 {
		t.Errorf("window %g rps %g ok_rps %g error_rate %g", rec.WindowS, rec.RPS, rec.OKRPS, rec.ErrorRate)
	}
	if rec.ErrorsByKind["http_500"] != 13 || rec.ErrorsByKind["timeout"] != 2 || rec.StatusCodes["200"] != 135 || rec.StatusCodes["0"] != 2 {
		t.Errorf("maps: %v %v", rec.ErrorsByKind, rec.StatusCodes)
	}
	if rec.ErrorSamples["http_500"] != "first" || rec.ErrorSamples["timeout"] != "slow" {
		t.Errorf("samples: %v", rec.ErrorSamples)
	}
	g := rec.Generator
	if g.CPUPct != 230 || g.CPUAvailablePct != 400 || g.RSSBytes != 30 || g.LagMs != 9 || !g.Saturated || !strings.Contains(g.Warning, "agent a2: generator CPU 95%") {
		t.Errorf("generator: %+v", g)
	}
	if rec.Latency != nil || rec.Partial || len(rec.Generators) != 2 || rec.Generators[1].Requests != 50 || !rec.Generators[1].Saturated {
		t.Errorf("latency %v partial %v generators %+v", rec.Latency, rec.Partial, rec.Generators)
	}

	shares[1] = Share{Agent: Hello{Agent: "a2", Node: "n2"}, Step: scenarios.Step{Users: 2}, Lost: "no record 5s after the step's end"}
	rec, err = Merge(shares)
	if err != nil {
		t.Fatal(err)
	}
	if !rec.Partial || !strings.Contains(rec.StopReason, "agent a2 (node n2): no record") || rec.Requests != 100 {
		t.Errorf("lost share: partial %v, reason %q, requests %d", rec.Partial, rec.StopReason, rec.Requests)
	}
	if gs := rec.Generators[1]; !gs.Partial || gs.Reason == "" || gs.Requests != 0 {
		t.Errorf("the lost agent's share: %+v", gs)
	}
}

// TestMergeRefusesSummaryWithoutHistogram: an agent's latency without its
// histogram cannot be merged exactly, so it is an error, not an average.
func TestMergeRefusesSummaryWithoutHistogram(t *testing.T) {
	r := &record.Record{Requests: 1, Latency: &record.Latency{P50: 1}}
	if _, err := Merge([]Share{{Agent: Hello{Agent: "a"}, Record: r}}); err == nil {
		t.Fatal("merged a latency without its histogram")
	}
}

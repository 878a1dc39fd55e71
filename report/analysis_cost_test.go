package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/loadlab/loadlab/record"
)

// costRecords is one configuration's two repeats of three steps: the target's
// CPU per request measured at 10 and 20 users (repeats differ), not at 40
// (no target telemetry).
func costRecords() []record.Record {
	cfg := dockerConfig("a", 1, 512, 1)
	var recs []record.Record
	for rep, cores := range []float64{0.01, 0.03} {
		rs := rampRecords(cfg, rep, []stepSpec{{users: 10, p95: 5, rps: 100}, {users: 20, p95: 6, rps: 200}, {users: 40, p95: 7, rps: 400}})
		rs[0].Target = &record.Target{CPUCores: cores, CPUPctOfLimit: 100 * cores}
		rs[1].Target = &record.Target{CPUCores: 2 * cores, CPUPctOfLimit: 200 * cores}
		rs[2].Target = nil
		for _, r := range rs[:2] {
			r.Target.SetCost(r.RPS)
		}
		recs = append(recs, rs...)
	}
	return recs
}

// TestStepCostCombinedAcrossRepeats: a combined step's CPU per request and
// requests per CPU-second are the repeats' medians with their range, absent
// when no repeat measured them, and the SLO grammar judges the median.
func TestStepCostCombinedAcrossRepeats(t *testing.T) {
	a := Analyze(Input{Records: costRecords(), SLO: mustSLO(t, "cpu_per_request<150us")})
	c := mustConfig(t, a, "a")
	if len(c.Steps) != 3 {
		t.Fatalf("%d steps, want 3", len(c.Steps))
	}
	st := c.Steps[0] // 0.01 and 0.03 cores at 100 rps: 0.1 and 0.3 ms
	if cost := st.CPUPerRequestMs; cost == nil || !near(cost.Median, 0.2) || !near(cost.Min, 0.1) || !near(cost.Max, 0.3) {
		t.Errorf("10 users: cpu_per_request_ms %+v, want median 0.2 (0.1–0.3)", cost)
	}
	if per := st.RequestsPerCPUS; per == nil || !near(per.Median, (10000+10000.0/3)/2) {
		t.Errorf("10 users: requests_per_cpu_s %+v, want the median of 10000 and 3333", per)
	}
	if st.Pass || len(st.Breaches) != 1 || !strings.Contains(st.Breaches[0], "cpu_per_request") {
		t.Errorf("10 users at a median 200µs per request: pass %v, breaches %q; want a cpu_per_request<150us breach", st.Pass, st.Breaches)
	}
	if last := c.Steps[2]; last.CPUPerRequestMs != nil || last.RequestsPerCPUS != nil || last.HasTarget || last.Pass {
		t.Errorf("40 users without telemetry: cost %v, %v, has target %v, pass %v; want no cost and no pass (not measured)",
			last.CPUPerRequestMs, last.RequestsPerCPUS, last.HasTarget, last.Pass)
	}
}

// TestCostRendered: the steps table shows the CPU per request next to the
// target's CPU, and "—" for a step without telemetry; the summary table
// shows it at capacity; every renderer copes with steps without it.
func TestCostRendered(t *testing.T) {
	a := Analyze(Input{Records: costRecords(), SLO: mustSLO(t, "p95<1s")})
	c := mustConfig(t, a, "a")
	g := stepGrid(a, c)
	if got := g.Rows[0][7]; got != "2 % · 200.0µs/req" {
		t.Errorf("10 users: CPU cell %q, want 2 %% · 200.0µs/req", got)
	}
	if got := g.Rows[2][7]; got != "—" {
		t.Errorf("40 users without telemetry: CPU cell %q, want —", got)
	}
	// Capacity is 40 users, whose step has no telemetry; at 20 it has.
	if got := comparisonGrid(a).Rows[0][6]; got != "—" {
		t.Errorf("summary CPU @ cap without telemetry: %q, want —", got)
	}
	a20 := Analyze(Input{Records: costRecords(), SLO: mustSLO(t, "p95<6.5ms")})
	if got := comparisonGrid(a20).Rows[0][6]; got != "4 % · 200.0µs/req" {
		t.Errorf("summary CPU @ cap (20 users): %q, want 4 %% · 200.0µs/req", got)
	}
	var tbl, md, html bytes.Buffer
	if err := WriteTable(&tbl, a20); err != nil { // the summary only: capacity 20, with telemetry
		t.Fatal(err)
	}
	if err := WriteMarkdown(&md, a, "plots"); err != nil {
		t.Fatal(err)
	}
	if err := WriteHTML(&html, a); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"table": tbl.String(), "report.md": md.String(), "report.html": html.String()} {
		if !strings.Contains(out, "200.0µs/req") {
			t.Errorf("%s lacks the CPU per request:\n%s", name, out)
		}
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

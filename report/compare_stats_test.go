package report

import (
	"bytes"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/loadlab/loadlab/record"
)

// repeatRun is one run of configuration "api" with one repeat per entry of
// p95 and cpu: a closed-loop ramp of 10 and 20 users (the target), whose
// step at 20 users has that repeat's p95 (ms) and CPU time per request
// (ms); the step at 10 users has half of each. A nil cpu entry list
// records no target telemetry.
func repeatRun(t *testing.T, p95, cpu []float64) Analysis {
	t.Helper()
	var recs []record.Record
	for i := range p95 {
		rs := rampRecords(dockerConfig("api", 1, 512, 1), i, []stepSpec{{users: 10, p95: p95[i] / 2}, {users: 20, p95: p95[i]}})
		for j := range rs {
			if cpu == nil {
				rs[j].Target = nil
				continue
			}
			c := cpu[i] / float64(2-j)
			rs[j].Target.CPUPerRequestMs, rs[j].Target.RequestsPerCPUS = c, 1000/c
		}
		recs = append(recs, rs...)
	}
	return Analyze(Input{Records: recs, SLO: mustSLO(t, "p95<1s,error_rate<1%"), TargetLoad: 20})
}

// statRow returns the row of metric in c's configuration "api".
func statRow(t *testing.T, c Comparison, metric string) StatRow {
	t.Helper()
	for _, s := range c.Stats {
		if s.Config == "api" && s.Metric == metric {
			return s
		}
	}
	t.Fatalf("no %s row in %+v", metric, c.Stats)
	return StatRow{}
}

func TestCompareStats(t *testing.T) {
	five := []float64{100, 104, 98, 102, 96}         // ms, median 100
	fiveSlower := []float64{125, 131, 122, 128, 119} // separated from five: median 125
	fiveMixed := []float64{101, 97, 103, 99, 105}    // interleaved with five
	cpu := []float64{0.050, 0.051, 0.049, 0.052, 0.048}
	cpuHigher := []float64{0.0625, 0.064, 0.061, 0.063, 0.060}
	tests := []struct {
		name        string
		a, b        Analysis
		metric      string
		nA, nB      int
		significant bool
		testable    bool
		delta       float64 // B's median ÷ A's − 1
		cell        string  // in the rendered "B vs A" cell
	}{
		{"p95 5 vs 5 separated", repeatRun(t, five, cpu), repeatRun(t, fiveSlower, cpu), "p95", 5, 5, true, true, 0.25, "p=0.008 n=5+5"},
		{"p50 follows p95", repeatRun(t, five, cpu), repeatRun(t, fiveSlower, cpu), "p50", 5, 5, true, true, 0.25, "+25.0%"},
		{"cpu per request separated", repeatRun(t, five, cpu), repeatRun(t, five, cpuHigher), "cpu_per_request", 5, 5, true, true, 0.25, "p=0.008"},
		{"requests per CPU-s falls", repeatRun(t, five, cpu), repeatRun(t, five, cpuHigher), "requests_per_cpu_s", 5, 5, true, true, -0.2, "-20.0%"},
		{"p95 interleaved: ~", repeatRun(t, five, cpu), repeatRun(t, fiveMixed, cpu), "p95", 5, 5, false, true, 0.01, "~"},
		{"identical rps: ~", repeatRun(t, five, cpu), repeatRun(t, fiveSlower, cpu), "rps", 5, 5, false, true, 0, "~"},
		{"capacity unchanged: ~", repeatRun(t, five, cpu), repeatRun(t, fiveSlower, cpu), "capacity", 5, 5, false, true, 0, "~"},
		{"one repeat in B", repeatRun(t, five, cpu), repeatRun(t, fiveSlower[:1], cpu[:1]), "p95", 5, 1, false, false, 0.25, "no statistics"},
		{"one repeat each", repeatRun(t, five[:1], cpu[:1]), repeatRun(t, fiveSlower[:1], cpu[:1]), "p95", 1, 1, false, false, 0.25, "no statistics"},
		{"3 vs 3 separated: too few", repeatRun(t, five[:3], cpu[:3]), repeatRun(t, fiveSlower[:3], cpu[:3]), "p95", 3, 3, false, false, 0.25, "too few repeats"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := Compare(tc.a, tc.b, "a", "b")
			s := statRow(t, c, tc.metric)
			if !s.Tested || len(s.A) != tc.nA || len(s.B) != tc.nB {
				t.Fatalf("tested %v with %d+%d values, want %d+%d: %+v", s.Tested, len(s.A), len(s.B), tc.nA, tc.nB, s)
			}
			ch := s.Change
			if ch.Base.N != tc.nA || ch.Cur.N != tc.nB || ch.Significant != tc.significant || ch.Testable != tc.testable {
				t.Errorf("change %+v: want n=%d+%d significant %v testable %v", ch, tc.nA, tc.nB, tc.significant, tc.testable)
			}
			if ch.Base.Median != record.Median(s.A) || ch.Cur.Median != record.Median(s.B) {
				t.Errorf("medians %v, %v of %v, %v", ch.Base.Median, ch.Cur.Median, s.A, s.B)
			}
			if math.Abs(ch.Delta-tc.delta) > 1e-9 {
				t.Errorf("delta %v, want %v", ch.Delta, tc.delta)
			}
			cell := statsGrid(c).Rows[statIndex(c, s)][4]
			if !strings.Contains(cell, tc.cell) {
				t.Errorf("B vs A cell %q lacks %q", cell, tc.cell)
			}
			if tc.cell == "~" && !strings.HasPrefix(cell, "~") {
				t.Errorf("a change that is not significant reads %q, want \"~ …\"", cell)
			}
		})
	}
}

// statIndex is the position of s among the shown rows of c.
func statIndex(c Comparison, s StatRow) int {
	shown, _ := shownStats(c)
	for i, x := range shown {
		if x.Config == s.Config && x.Metric == s.Metric {
			return i
		}
	}
	return -1
}

// TestCompareStatsMissingValues: a metric a side lacks is named, never
// tested and never shown as a value: no CPU telemetry, the target not
// reached, a target step without answers.
func TestCompareStatsMissingValues(t *testing.T) {
	p95 := []float64{100, 104, 98}
	cpu := []float64{0.05, 0.05, 0.05}
	withCPU, noCPU := repeatRun(t, p95, cpu), repeatRun(t, p95, nil)

	c := Compare(withCPU, noCPU, "a", "b")
	for _, m := range []string{"cpu_per_request", "requests_per_cpu_s"} {
		if s := statRow(t, c, m); s.Tested || s.MissingA != "" || s.MissingB != "not measured" || len(s.A) != 3 {
			t.Errorf("%s without telemetry in B: %+v", m, s)
		}
	}
	if s := statRow(t, c, "p95"); !s.Tested {
		t.Errorf("p95 is measured on both sides: %+v", s)
	}

	// Capacities in users and in req/s are not compared.
	rows := compareStats(Compare(withCPU, withCPU, "a", "b").Rows, "users", "req/s", CompareAlpha, false)
	if s := statRowOf(Comparison{Stats: rows}, "api", MetricCapacity); s.Tested || s.MissingB != "in req/s, A in users" {
		t.Errorf("capacities in other units: %+v", s)
	}

	// B stopped at 10 users: nothing at the target, but a capacity.
	short := withCPU
	short.Configs = append([]ConfigResult(nil), withCPU.Configs...)
	short.Configs[0].TargetStep = -1
	c = Compare(withCPU, short, "a", "b")
	if s := statRow(t, c, "p95"); s.Tested || s.MissingB != "not reached" {
		t.Errorf("target not reached in B: %+v", s)
	}
	if s := statRow(t, c, MetricCapacity); !s.Tested {
		t.Errorf("capacity is measured on both sides: %+v", s)
	}

	// B's target step got no answers in one repeat.
	var recs []record.Record
	for i := range p95 {
		rs := rampRecords(dockerConfig("api", 1, 512, 1), i, []stepSpec{{users: 10, p95: 50}, {users: 20, p95: p95[i]}})
		if i == 1 {
			rs[1] = silent(rs[1])
		}
		recs = append(recs, rs...)
	}
	silentB := Analyze(Input{Records: recs, SLO: mustSLO(t, "error_rate<1%"), TargetLoad: 20})
	c = Compare(withCPU, silentB, "a", "b")
	if s := statRow(t, c, "p95"); s.Tested || s.MissingB != NoAnswersText {
		t.Errorf("no answers in B: %+v", s)
	}
	var out bytes.Buffer
	if err := WriteCompareTable(&out, c); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "no answers") || zeroMs.MatchString(out.String()) {
		t.Errorf("table does not say no answers, or shows 0 ms:\n%s", out.String())
	}
}

// TestCompareStatsRendered: the terminal table and compare.md show the
// statistics with their method and level.
func TestCompareStatsRendered(t *testing.T) {
	five := []float64{100, 104, 98, 102, 96}
	cpu := []float64{0.050, 0.051, 0.049, 0.052, 0.048}
	c := Compare(repeatRun(t, five, cpu), repeatRun(t, []float64{125, 131, 122, 128, 119}, cpu), "base", "new")
	var tbl, md bytes.Buffer
	if err := WriteCompareTable(&tbl, c); err != nil {
		t.Fatal(err)
	}
	if err := WriteCompareMarkdown(&md, c, "plots"); err != nil {
		t.Fatal(err)
	}
	for what, out := range map[string]string{"table": tbl.String(), "compare.md": md.String()} {
		for _, want := range []string{
			"Mann-Whitney U", "α = 0.05", "p95 @ target", "CPU per request @ target", "requests per CPU-s @ target",
			"100 ms ± ∞", "125 ms ± ∞", "p=0.008 n=5+5", "50.0µs", "~ (p=", "20 users", "± ∞: too few repeats",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("%s lacks %q:\n%s", what, want, out)
			}
		}
	}
	if !strings.Contains(md.String(), "## Statistics across repeats\n\n") || !strings.Contains(md.String(), "| api | p95 @ target | 100 ms ± ∞ | 125 ms ± ∞ | +25.0%") {
		t.Errorf("compare.md statistics section:\n%s", md.String())
	}
}

// TestCompareStatsInterval: with 7 repeats a side the medians have a 95 %
// confidence interval, shown as "± x %", and a significant change its
// range.
func TestCompareStatsInterval(t *testing.T) {
	seven := []float64{100, 104, 98, 102, 96, 101, 99}
	slower := []float64{125, 131, 122, 128, 119, 126, 124}
	cpu := []float64{0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05}
	c := Compare(repeatRun(t, seven, cpu), repeatRun(t, slower, cpu), "a", "b")
	s := statRow(t, c, "p95")
	if !s.Change.Significant || math.IsNaN(s.Change.Lo) || s.Change.Lo > 0.25 || s.Change.Hi < 0.25 {
		t.Fatalf("7 vs 7 separated: %+v", s.Change)
	}
	row := statsGrid(c).Rows[statIndex(c, s)]
	if !strings.HasPrefix(row[2], "100 ms ± ") || strings.Contains(row[2], "∞") || !strings.HasSuffix(row[2], " %") {
		t.Errorf("A cell %q: want the median ± its interval in percent", row[2])
	}
	if !strings.HasPrefix(row[4], "+25.0% [+") || !strings.Contains(row[4], "n=7+7") {
		t.Errorf("B vs A cell %q: want the change with its range", row[4])
	}
	if slices.Contains(statsNotes(c), "± ∞: too few repeats for a confidence interval of the median (benchstat needs 6 at 95 %).") {
		t.Errorf("notes explain ± ∞ that no cell shows: %q", statsNotes(c))
	}
}

// TestCompareStatsEdgeData: every renderer handles runs without a step,
// without answers and with only errors.
func TestCompareStatsEdgeData(t *testing.T) {
	edges := edgeAnalyses(t)
	for name, a := range edges {
		for _, b := range []Analysis{a, edges["empty"]} {
			c := Compare(a, b, "a", "b")
			var tbl, md bytes.Buffer
			if err := safely(func() error { return WriteCompareTable(&tbl, c) }); err != nil {
				t.Errorf("%s: table: %v", name, err)
			}
			if err := safely(func() error { return WriteCompareMarkdown(&md, c, "plots") }); err != nil {
				t.Errorf("%s: compare.md: %v", name, err)
			}
			if !strings.Contains(tbl.String(), "Across repeats") || !strings.Contains(md.String(), "## Statistics across repeats") {
				t.Errorf("%s: no statistics section:\n%s\n%s", name, tbl.String(), md.String())
			}
			if zeroMs.MatchString(tbl.String()) || zeroMs.MatchString(md.String()) {
				t.Errorf("%s: a latency of 0 ms:\n%s", name, tbl.String())
			}
			if b.Configs == nil && !strings.Contains(tbl.String(), statsEmptyText) {
				t.Errorf("%s vs empty: does not say there are no statistics:\n%s", name, tbl.String())
			}
		}
	}
	c := Compare(edges["slo"], edges["slo"], "a", "b")
	if s := statRowOf(c, "errors", "error_rate"); !s.Tested || s.Change.Base.Median != 1 || s.Change.Significant {
		t.Errorf("all-error configuration, error rate: %+v", s)
	}
	if s := statRowOf(c, "silent", "p95"); s.Tested || s.MissingA != "not reached" && s.MissingA != NoAnswersText {
		t.Errorf("silent configuration, p95: %+v", s)
	}
}

// statRowOf returns the row of metric in configuration config (zero when
// there is none).
func statRowOf(c Comparison, config, metric string) StatRow {
	for _, s := range c.Stats {
		if s.Config == config && s.Metric == metric {
			return s
		}
	}
	return StatRow{}
}

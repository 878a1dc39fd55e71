package gate

import (
	"bytes"
	"strings"
	"testing"

	"github.com/loadlab/loadlab/record"
)

// statsVerdict gates config "a" (5 repeats) against a 5-repeat baseline:
// p95 +25.5% (significant, beyond 10 %: fails), rps +4.4% (significant,
// within 10 %), error_rate unchanged (~), and p95<1h at 100 users.
func statsVerdict(t *testing.T) Verdict {
	t.Helper()
	cur := repeats([]float64{126, 130, 127, 129, 128}, func(r *record.Record, x float64) {
		r.Latency.P95, r.RPS = x, 94+x/100
	})
	base := &Baseline{Version: 1, Configs: map[string]BaselineMetrics{"a": {Load: 100, Samples: map[string][]float64{
		"p95": {100, 101, 102, 103, 104}, "rps": {90, 91, 90.5, 89.5, 90.2}, "error_rate": {0, 0, 0, 0, 0}}}}}
	tol, err := ParseTolerance("p95=10%,rps=10%,error_rate=1%")
	if err != nil {
		t.Fatal(err)
	}
	return Evaluate(Input{Records: cur, SLO: mustSLO(t, "p95<1h"), TargetLoad: 100, Baseline: base, Tolerance: tol})
}

// TestMarkdownForAPullRequest: the verdict first, then only the changed
// checks (failed, or significant) with their statistics, then every gate
// in a folded table, and no link.
func TestMarkdownForAPullRequest(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteMarkdown(&buf, statsVerdict(t)); err != nil {
		t.Fatal(err)
	}
	md := buf.String()
	if !strings.HasPrefix(md, "### loadlab gate: FAIL — 1 of 4 gates failed\n") {
		t.Errorf("the verdict is not first:\n%s", md)
	}
	changed, table, ok := strings.Cut(md, "<details>")
	if !ok {
		t.Fatalf("no folded table:\n%s", md)
	}
	for _, w := range []string{
		"- **FAIL** a: p95 vs baseline at 100 users: 128.0ms vs 102.0ms, +25.5% \\[+22.3%, +28.7%\\] p=0.008 n=5+5 (limit ≤ 112.2ms)",
		"- **PASS** a: rps vs baseline at 100 users: 95.3 vs 90.2, +5.6% \\[+4.7%, +6.5%\\] p=0.008 n=5+5 (limit ≥ 81.2)",
	} {
		if !strings.Contains(changed, w) {
			t.Errorf("changed checks lack %q:\n%s", w, changed)
		}
	}
	for _, unchanged := range []string{"error\\_rate vs baseline", "p95&lt;1h"} {
		if strings.Contains(changed, unchanged) {
			t.Errorf("an unchanged check %q is listed as changed:\n%s", unchanged, changed)
		}
	}
	for _, w := range []string{"All 4 gates", "| a: p95<1h at 100 users", "| a: error_rate vs baseline at 100 users", "~ (p=1.00 n=5+5)", "</details>"} {
		if !strings.Contains(table, w) {
			t.Errorf("the table of all gates lacks %q:\n%s", w, table)
		}
	}
	if strings.Contains(md, "](") || strings.Contains(md, "http") {
		t.Errorf("the summary has a link:\n%s", md)
	}

	buf.Reset()
	if err := WriteMarkdown(&buf, Evaluate(Input{Records: run(), SLO: mustSLO(t, "p95<1h"), TargetLoad: 200})); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "PASS — 2 gates passed\n\nNo gate failed and no metric changed significantly.") {
		t.Errorf("a quiet pass:\n%s", buf.String())
	}

	// A pass that accepted something (here a metric the baseline lacks,
	// with --allow-missing) says so above the fold, not only in the table.
	buf.Reset()
	tol, _ := ParseTolerance("cpu_per_request=10%")
	base := &Baseline{Version: 1, Configs: map[string]BaselineMetrics{"a": {Load: 100, Metrics: map[string]float64{"p95": 100}}}}
	v := Evaluate(Input{Records: repeats([]float64{0.05, 0.05, 0.05}, withCost), SLO: mustSLO(t, "p95<1h"), TargetLoad: 100,
		Baseline: base, Tolerance: tol, AllowMissing: true})
	if err := WriteMarkdown(&buf, v); err != nil {
		t.Fatal(err)
	}
	top, _, _ := strings.Cut(buf.String(), "<details>")
	if !strings.Contains(top, "Passed with a note:") || !strings.Contains(top, "the baseline has no cpu\\_per\\_request") {
		t.Errorf("an accepted missing metric is not noted above the fold:\n%s", buf.String())
	}
}

// TestJUnitCarriesStatistics: one testcase per gate per configuration; a
// failed comparison's message carries the baseline and the statistics.
func TestJUnitCarriesStatistics(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteJUnit(&buf, statsVerdict(t)); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if n := strings.Count(out, "<testcase "); n != 4 {
		t.Errorf("%d testcases, want 4:\n%s", n, out)
	}
	want := `message="p95: measured 128.0ms, limit ≤ 112.2ms, baseline 102.0ms, change +25.5% [+22.3%, +28.7%] p=0.008 n=5+5 (significantly beyond the tolerance at α=0.05 (p=0.004))"`
	if !strings.Contains(out, want) {
		t.Errorf("JUnit lacks %s:\n%s", want, out)
	}
}

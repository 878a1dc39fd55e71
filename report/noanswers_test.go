package report

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/loadlab/loadlab/record"
)

// silent turns a step into one without a single answer: every request
// still in flight when the window closed, no latencies (JSON null).
func silent(r record.Record) record.Record {
	r.Latency, r.LatencyOK = nil, nil
	r.Requests, r.Successes, r.Errors, r.RPS, r.OKRPS, r.ErrorRate = 0, 0, 0, 0, 0, 0
	r.InFlight = int64(r.Load.Users)
	r.SLO = record.SLOResult{Pass: true, Breaches: []string{}} // as an old engine recorded it
	return r
}

// allErrors turns a step into one whose every answer was an error.
func allErrors(r record.Record) record.Record {
	r.LatencyOK = nil
	r.Successes, r.Errors, r.OKRPS, r.ErrorRate = 0, r.Requests, 0, 1
	r.SLO = record.SLOResult{Pass: false, Breaches: []string{"error_rate 100 % breaches error_rate<1%"}}
	return r
}

func TestStepWithoutAnswersNeverServes(t *testing.T) {
	cfg := dockerConfig("a", 1, 512, 1)
	ramp := func() []record.Record {
		return rampRecords(cfg, 0, []stepSpec{{users: 100, p95: 50}, {users: 200, p95: 60}, {users: 300, p95: 70}})
	}
	tests := []struct {
		name    string
		slo     string
		mutate  func([]record.Record) []record.Record
		capStep int // -1: none
		brkStep int
		verdict string
	}{
		{"latency SLO", "p95<1s,error_rate<1%", func(rs []record.Record) []record.Record { rs[1] = silent(rs[1]); return rs },
			0, 1, "fails at 200 users (no answers)"},
		{"error-rate-only SLO", "error_rate<1%", func(rs []record.Record) []record.Record { rs[1] = silent(rs[1]); return rs },
			0, 1, "fails at 200 users (no answers)"},
		{"recorded verdicts that passed it", "", func(rs []record.Record) []record.Record {
			for i := range rs {
				rs[i].SLO = record.SLOResult{Pass: true, Breaches: []string{}}
			}
			rs[1] = silent(rs[1])
			return rs
		}, 0, 1, "fails at 200 users (no answers)"},
		{"first step", "p95<1s", func(rs []record.Record) []record.Record { rs[0] = silent(rs[0]); return rs },
			-1, 0, "misses the SLO from 100 users (no answers)"},
		{"one repeat of two", "p95<1s", func(rs []record.Record) []record.Record {
			other := rampRecords(cfg, 1, []stepSpec{{users: 100, p95: 50}, {users: 200, p95: 60}, {users: 300, p95: 70}})
			other[1] = silent(other[1])
			return append(rs, other...)
		}, 0, 1, "fails at 200 users (no answers)"},
		{"all errors", "p95<1s,error_rate<1%", func(rs []record.Record) []record.Record { rs[1] = allErrors(rs[1]); return rs },
			0, 1, "fails at 200 users (errors 100 %)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := Input{Records: tc.mutate(ramp()), TargetLoad: 300}
			if tc.slo != "" {
				in.SLO = mustSLO(t, tc.slo)
			}
			c := mustConfig(t, Analyze(in), "a")
			if c.CapacityStep != tc.capStep || c.BreakStep != tc.brkStep {
				t.Errorf("capacity step %d, break step %d; want %d, %d", c.CapacityStep, c.BreakStep, tc.capStep, tc.brkStep)
			}
			if c.Verdict != tc.verdict {
				t.Errorf("verdict %q, want %q", c.Verdict, tc.verdict)
			}
			if c.ReachesTarget {
				t.Error("reaches the target through a step without answers")
			}
			// Per-repeat capacities: the repeat without answers stops below it.
			if limit := c.Steps[tc.brkStep].Offered; c.CapacityMin >= limit {
				t.Errorf("every repeat's capacity reaches %v through the step without answers at %v", c.CapacityMin, limit)
			}
			st := c.Steps[tc.brkStep]
			if st.Pass {
				t.Errorf("the step without answers passes: %+v", st)
			}
			if tc.name != "all errors" && (!st.NoAnswers || st.P95 != nil || st.P50 != nil || st.P99 != nil || st.Mean != nil) {
				t.Errorf("step without answers: NoAnswers %v, latencies %v %v %v %v; want true and nil", st.NoAnswers, st.P50, st.P95, st.P99, st.Mean)
			}
			if tc.name == "all errors" && (st.NoAnswers || st.P95 == nil) {
				t.Errorf("an all-error step has answers and latencies: %+v", st)
			}
		})
	}
}

func TestRecommendationNeverServesWithoutAnswers(t *testing.T) {
	cheap := rampRecords(dockerConfig("cheap", 0.5, 512, 1), 0, []stepSpec{{users: 100, p95: 50}, {users: 200, p95: 60}})
	cheap[1] = silent(cheap[1])
	big := rampRecords(dockerConfig("big", 2, 2048, 1), 0, []stepSpec{{users: 100, p95: 40}, {users: 200, p95: 45}})
	for _, expr := range []string{"p95<1s,error_rate<1%", "error_rate<1%"} {
		a := Analyze(Input{Records: append(append([]record.Record{}, cheap...), big...), SLO: mustSLO(t, expr), TargetLoad: 200})
		r := a.Recommendation
		if r.Config != "big" || !r.Meets {
			t.Errorf("slo %s: recommends %q (meets %v): %s", expr, r.Config, r.Meets, r.Sentence)
		}
		if !strings.Contains(r.Sentence, "fails at 200 users (no answers)") {
			t.Errorf("slo %s: sentence does not say the cheaper one had no answers: %s", expr, r.Sentence)
		}
	}
	// Only silent configurations: no capacity, no "serves", no 0 ms.
	a := Analyze(Input{Records: []record.Record{silent(cheap[0])}, SLO: mustSLO(t, "error_rate<1%")})
	if a.Recommendation.Meets || strings.Contains(a.Recommendation.Sentence, "0 ms") || !strings.Contains(a.Recommendation.Sentence, "no answers") {
		t.Errorf("silent only: %+v", a.Recommendation)
	}
}

// edgeAnalysis has a configuration whose every step went unanswered, one
// whose every answer was an error, one with a silent step in the middle
// and one with a single all-error step; with an SLO and without.
func edgeAnalyses(t *testing.T) map[string]Analysis {
	t.Helper()
	specs := []stepSpec{{users: 10, p95: 5}, {users: 20, p95: 8}, {users: 40, p95: 12}}
	var recs []record.Record
	for _, r := range rampRecords(dockerConfig("silent", 0.05, 128, 1), 0, specs) {
		recs = append(recs, silent(r))
	}
	for _, r := range rampRecords(dockerConfig("errors", 0.1, 128, 1), 0, specs) {
		recs = append(recs, allErrors(r))
	}
	mixed := rampRecords(dockerConfig("mixed", 0.1, 128, 2), 0, specs)
	mixed[1] = silent(mixed[1])
	recs = append(recs, mixed...)
	one := rampRecords(dockerConfig("one", 1, 128, 1), 0, specs[:1])
	recs = append(recs, allErrors(one[0]))
	return map[string]Analysis{
		"slo":      Analyze(Input{Records: recs, SLO: mustSLO(t, "p95<250ms,error_rate<1%"), TargetLoad: 40}),
		"recorded": Analyze(Input{Records: recs}),
		"silent":   Analyze(Input{Records: recs[:3]}),
		"empty":    Analyze(Input{}),
	}
}

// zeroMs finds a latency rendered as zero: "0 ms" as a whole cell or word.
var zeroMs = regexp.MustCompile(`(^|[|\s(>])0 ms`)

func TestRenderersHandleStepsWithoutAnswers(t *testing.T) {
	for name, a := range edgeAnalyses(t) {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			render := map[string]func() error{
				"table":    func() error { return WriteTable(&out, a) },
				"markdown": func() error { return WriteMarkdown(&out, a, "plots") },
				"html":     func() error { return WriteHTML(&out, a) },
				"summary":  func() error { return WriteSummary(&out, a) },
				"csv":      func() error { return WriteStepsCSV(&out, a.records) },
				"compare":  func() error { return WriteCompareTable(&out, Compare(a, a, "a", "b")) },
			}
			// PNG and SVG draw the same figure (the HTML page draws every
			// SVG): one PNG run is enough, and PNGs are slow under -race.
			formats := []string{"svg"}
			if name == "slo" {
				formats = append(formats, "png")
			}
			for _, p := range Plots {
				for _, f := range formats {
					render[p+"."+f] = func() error { return WritePlot(&out, a, p, f) }
				}
			}
			for _, p := range ComparePlots {
				render["compare_"+p+".svg"] = func() error { return WriteComparePlot(&out, Compare(a, a, "a", "b"), p, "svg") }
			}
			render["compare.md"] = func() error { return WriteCompareMarkdown(&out, Compare(a, a, "a", "b"), "plots") }
			for what, f := range render {
				out.Reset()
				if err := safely(f); err != nil {
					t.Errorf("%s: %v", what, err)
					continue
				}
				if strings.HasSuffix(what, ".png") {
					continue
				}
				if m := zeroMs.FindString(out.String()); m != "" {
					t.Errorf("%s renders a latency of 0 ms:\n%s", what, out.String())
				}
			}
			if name == "empty" {
				return
			}
			out.Reset()
			if err := WriteMarkdown(&out, a, "plots"); err != nil || !strings.Contains(out.String(), "no answers") {
				t.Errorf("report.md does not say \"no answers\" (%v):\n%s", err, out.String())
			}
		})
	}
}

// safely runs f, turning a panic into a test failure's error.
func safely(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = panicError{r}
		}
	}()
	return f()
}

type panicError struct{ v any }

func (p panicError) Error() string {
	return "panic: " + strings.TrimSpace(strings.Split(fmtAny(p.v), "\n")[0])
}

func fmtAny(v any) string {
	b, _ := json.Marshal(v)
	if e, ok := v.(error); ok {
		return e.Error()
	}
	return string(b)
}

func TestWriteAllWithoutAnswers(t *testing.T) {
	dir := t.TempDir()
	in := fixture(t, "no-answers")
	if _, err := WriteAll(context.Background(), dir, in); err != nil {
		t.Fatalf("WriteAll: %v", err)
	}
	tmp, _ := filepath.Glob(filepath.Join(dir, "*.tmp"))
	if sub, _ := filepath.Glob(filepath.Join(dir, "*", "*.tmp")); len(tmp)+len(sub) > 0 {
		t.Errorf("temporary files left behind: %v %v", tmp, sub)
	}
	b, err := os.ReadFile(filepath.Join(dir, SummaryFile))
	if err != nil {
		t.Fatal(err)
	}
	var sum struct {
		Configs []struct {
			Name  string
			Steps []map[string]any
		}
	}
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatal(err)
	}
	st := sum.Configs[0].Steps[3]
	if sum.Configs[0].Name != "cpu0.05-mem128m-x1" || st["p95_ms"] != nil || st["no_answers"] != true || st["pass"] != false {
		t.Errorf("summary.json step without answers: %v", st)
	}
}

package report

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/loadlab/loadlab/record"
)

// streamSpec is one streamed step: its users, TTFT p95 and TPOT p95 in
// ms, output tokens per second and goodput in requests per second.
type streamSpec struct {
	users            int
	ttft, tpot       float64
	tokensPerS, good float64
}

// streamRecords builds the closed-loop records of one configuration and
// repeat of a streaming API: every request streamed, the whole-request
// p95 long (a stream takes seconds), TTFT, ITL and TPOT as given.
func streamRecords(cfg record.Config, repeat int, steps []streamSpec) []record.Record {
	specs := make([]stepSpec, len(steps))
	for i, s := range steps {
		specs[i] = stepSpec{users: s.users, p95: 4000}
	}
	recs := rampRecords(cfg, repeat, specs)
	for i, s := range steps {
		r := &recs[i]
		good := s.good
		r.TTFT = &record.Latency{Min: s.ttft / 4, Mean: s.ttft / 2, P50: s.ttft / 2, P90: s.ttft * 0.9, P95: s.ttft, P99: s.ttft * 1.2, Max: s.ttft * 1.5}
		r.ITL = &record.Latency{P50: s.tpot / 2, P95: s.tpot * 1.1, P99: s.tpot * 1.4, Max: s.tpot * 2}
		r.TPOT = &record.Latency{P50: s.tpot * 0.8, P95: s.tpot, P99: s.tpot * 1.1, Max: s.tpot * 1.3}
		r.Stream = record.Stream{Streamed: r.Requests, OutputTokens: int64(s.tokensPerS * r.WindowS), OutputTokensPerS: s.tokensPerS,
			InputTokens: r.Requests * 20, TokensFrom: record.TokensFromUsage, GoodputRequests: int64(good * r.WindowS), GoodputRPS: &good}
	}
	return recs
}

// streamingRun is two configurations of a streaming API under
// ttft_p95<1s,tpot_p95<100ms,error_rate<1%: "small" breaches TTFT at 40
// users, "large" holds up to 80; the target is 40 users.
func streamingRun(t *testing.T) Input {
	small := streamRecords(dockerConfig("small", 1, 512, 1), 0, []streamSpec{
		{10, 300, 40, 180, 5.5}, {20, 600, 60, 330, 11}, {40, 1200, 90, 420, 9}, {80, 2600, 150, 430, 3}})
	large := streamRecords(dockerConfig("large", 2, 1024, 1), 0, []streamSpec{
		{10, 200, 30, 190, 5.7}, {20, 250, 35, 370, 11.3}, {40, 400, 45, 720, 22.5}, {80, 900, 80, 1350, 44}})
	return Input{Records: append(small, large...), SLO: mustSLO(t, "ttft_p95<1s,tpot_p95<100ms,error_rate<1%"), TargetLoad: 40}
}

func TestStreamCapacityAndRecommendation(t *testing.T) {
	a := Analyze(streamingRun(t))
	if !a.Streaming {
		t.Fatal("a run of streamed steps is not Streaming")
	}
	small, large := mustConfig(t, a, "small"), mustConfig(t, a, "large")
	if small.Capacity != 20 || large.Capacity != 80 || !large.CapacityLowerBound {
		t.Errorf("capacities small %v, large %v (lower bound %v): want 20 (TTFT breaches at 40) and ≥ 80", small.Capacity, large.Capacity, large.CapacityLowerBound)
	}
	st, _ := small.Step(2)
	if st.Pass || len(st.Breaches) != 1 || st.Breaches[0] != "ttft_p95 1.20s breaches ttft_p95<1s" {
		t.Errorf("small at 40 users: pass %v breaches %q, want the TTFT breach alone", st.Pass, st.Breaches)
	}
	if got := breachSummary(st, a.sloConds); got != "ttft_p95 1.2 s" {
		t.Errorf("breach summary %q, want %q", got, "ttft_p95 1.2 s")
	}
	if a.Recommendation.Config != "large" || !strings.Contains(a.Recommendation.Sentence, "serves 40 users at TTFT p95 400 ms, TPOT p95 45 ms, 0 % errors") {
		t.Errorf("recommendation %q: want large, at the streaming SLO", a.Recommendation.Sentence)
	}
	if s := st.Stream; s == nil || s.TTFTP95.Median != 1200 || s.TPOTP95.Median != 90 || s.OutputTokensPerS.Median != 420 || s.GoodputRPS.Median != 9 {
		t.Errorf("small at 40 users: stream %+v", st.Stream)
	}
}

// TestStreamRepeats: the combined step's medians and ranges across
// repeats, and a repeat whose streams all failed (TTFT nil) leaves the
// combined TTFT unmeasured, a breach, never outvoted.
func TestStreamRepeats(t *testing.T) {
	cfg := dockerConfig("a", 1, 512, 1)
	var recs []record.Record
	for rep, ttft := range []float64{400, 500, 900} {
		recs = append(recs, streamRecords(cfg, rep, []streamSpec{{10, ttft, 40, 100 + 10*float64(rep), 4}, {20, ttft, 40, 200, 8}})...)
	}
	recs[5].TTFT, recs[5].ErrorRate = nil, 1 // repeat 3, step 2: every stream cut before a token
	a := Analyze(Input{Records: recs, SLO: mustSLO(t, "ttft_p95<1s,output_tokens_per_s>=50")})
	c := mustConfig(t, a, "a")
	s0 := c.Steps[0].Stream
	if s0.TTFTP95.Median != 500 || s0.TTFTP95.Min != 400 || s0.TTFTP95.Max != 900 || s0.OutputTokensPerS.Median != 110 {
		t.Errorf("step 1: TTFT p95 %+v, tokens/s %+v", s0.TTFTP95, s0.OutputTokensPerS)
	}
	st := c.Steps[1]
	if st.Stream.TTFTP95 != nil || st.Pass || !slices.Contains(st.Breaches, "ttft_p95 not measured (no streamed response carried content) breaches ttft_p95<1s") {
		t.Errorf("step 2: TTFT %v pass %v breaches %q: want unmeasured, a breach", st.Stream.TTFTP95, st.Pass, st.Breaches)
	}
	if got := streamCells(st, "ttft_p95", "tokens"); got[0] != "no tokens" || got[1] != "200" {
		t.Errorf("step 2 cells %q", got)
	}
}

func TestStreamTables(t *testing.T) {
	a := Analyze(streamingRun(t))
	g := comparisonGrid(a)
	want := []string{"Config", "Limits", "Capacity (users)", "Max RPS in SLO", "p95 @ 40", "Errors @ 40",
		"TTFT p95 @ 40", "TPOT p95 @ 40", "Tokens/s @ 40", "CPU @ cap", "Mem @ cap", "Verdict"}
	if !slices.Equal(g.Header, want) {
		t.Fatalf("comparison header %q, want %q", g.Header, want)
	}
	if got := g.Rows[0][6:9]; !slices.Equal(got, []string{"1.2 s", "90 ms", "420"}) {
		t.Errorf("small at the target: %q", got)
	}
	if got := g.Rows[1][6:9]; !slices.Equal(got, []string{"400 ms", "45 ms", "720"}) {
		t.Errorf("large at the target: %q", got)
	}
	sg := stepGrid(a, mustConfig(t, a, "large"))
	if !slices.Equal(sg.Header[7:13], streamStepHeader) || len(sg.Header) != 18 || sg.Header[16] != "SLO" {
		t.Fatalf("step header %q", sg.Header)
	}
	if got := sg.Rows[3][7:13]; !slices.Equal(got, []string{"450 ms", "900 ms", "88 ms", "80 ms", "1,350", "44"}) {
		t.Errorf("large at 80 users: %q", got)
	}
	for _, r := range [][]string{g.Rows[0], g.Rows[1]} {
		if len(r) != len(g.Header) {
			t.Errorf("row %q has %d cells for %d columns", r, len(r), len(g.Header))
		}
	}

	var term, md, html bytes.Buffer
	if err := WriteTable(&term, a); err != nil {
		t.Fatal(err)
	}
	if err := WriteMarkdown(&md, a, "plots"); err != nil {
		t.Fatal(err)
	}
	if err := WriteHTML(&html, a); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"terminal": term.String(), "markdown": md.String(), "html": html.String()} {
		for _, s := range []string{"TTFT p95 @ 40", "TPOT p95 @ 40", "Tokens/s @ 40", "1.2 s", "720"} {
			if !strings.Contains(out, s) {
				t.Errorf("%s lacks %q", name, s)
			}
		}
	}
	for _, s := range []string{"ttft_vs_users.png", "### Goodput", "### Output tokens per second vs load", "TTFT is the time to the first token"} {
		if !strings.Contains(md.String(), s) {
			t.Errorf("report.md lacks %q", s)
		}
	}
	h := html.String()
	for _, s := range []string{`id="plot-ttft_vs_users"`, `id="plot-goodput_vs_users"`, `<span class="pill bad">fail: ttft_p95 1.2 s</span>`, `<td class="notes">first breach; target</td>`, "TTFT is the time to the first token"} {
		if !strings.Contains(h, s) {
			t.Errorf("report.html lacks %q", s)
		}
	}
}

// TestNonStreamingUnchanged: a run without streamed responses has the
// tables, plots, summary.json and steps table it always had: none of the
// streaming columns, plots or fields.
func TestNonStreamingUnchanged(t *testing.T) {
	a := Analyze(fixture(t, "workshop"))
	if a.Streaming {
		t.Fatal("the workshop run is Streaming")
	}
	at := "@ " + formatCount(a.Target)
	if g := comparisonGrid(a); !slices.Equal(g.Header, []string{"Config", "Limits", "Capacity (users)", "Max RPS in SLO",
		"p95 " + at, "Errors " + at, "CPU @ cap", "Mem @ cap", "Verdict"}) {
		t.Errorf("comparison header %q", g.Header)
	}
	if g := stepGrid(a, a.Configs[0]); len(g.Header) != 12 || slices.Contains(g.Header, "TTFT p95") {
		t.Errorf("step header %q", g.Header)
	}
	if !slices.Equal(ReportPlots(a), Plots) {
		t.Errorf("plots %q, want %q", ReportPlots(a), Plots)
	}
	var sum bytes.Buffer
	if err := WriteSummary(&sum, a); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`"stream"`, `"streaming"`, "ttft"} {
		if strings.Contains(sum.String(), s) {
			t.Errorf("summary.json of a plain run holds %s", s)
		}
	}
	var md bytes.Buffer
	if err := WriteMarkdown(&md, a, "plots"); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(md.String(), "TTFT") || strings.Contains(md.String(), "tokens") {
		t.Error("report.md of a plain run mentions streaming")
	}
}

// TestStreamAllFailed: every stream of every step failed before its first
// token: each renderer still renders, every step fails the SLO, and the
// cells say there were no tokens, never 0 ms.
func TestStreamAllFailed(t *testing.T) {
	recs := streamRecords(dockerConfig("a", 1, 512, 1), 0, []streamSpec{{10, 300, 40, 0, 0}, {20, 300, 40, 0, 0}})
	for i := range recs {
		recs[i].TTFT, recs[i].ITL, recs[i].TPOT = nil, nil, nil
		recs[i].ErrorRate, recs[i].OKRPS, recs[i].OutputTokens = 1, 0, 0
		zero := 0.0
		recs[i].GoodputRPS, recs[i].GoodputRequests = &zero, 0
		recs[i].ErrorsByKind = map[string]int64{"stream_cut": recs[i].Requests}
	}
	in := Input{Records: recs, SLO: mustSLO(t, "ttft_p95<1s,tpot_p95<100ms,error_rate<1%")}
	a := Analyze(in)
	c := mustConfig(t, a, "a")
	if c.CapacityStep >= 0 || c.Steps[0].Pass {
		t.Errorf("capacity step %d, step 1 pass %v: want no step in the SLO", c.CapacityStep, c.Steps[0].Pass)
	}
	if got := comparisonGrid(a).Rows[0][6:9]; !slices.Equal(got, []string{"no tokens", "—", "0"}) {
		t.Errorf("comparison cells %q", got)
	}
	dir := t.TempDir()
	if _, err := WriteAll(context.Background(), dir, in); err != nil {
		t.Fatalf("WriteAll: %v", err)
	}
	for _, name := range streamPlots {
		if _, err := os.Stat(filepath.Join(dir, PlotDir, name+".svg")); err != nil {
			t.Errorf("plot %s: %v", name, err)
		}
	}
	var term bytes.Buffer
	if err := WriteTable(&term, a); err != nil || !strings.Contains(term.String(), "(ttft_p95 not measured)") {
		t.Errorf("terminal table (%v):\n%s", err, term.String())
	}
}

// TestStreamPlots: each streaming plot draws every configuration and its
// SLO line; an empty run's plot says it has no data.
func TestStreamPlots(t *testing.T) {
	a := Analyze(streamingRun(t))
	if got := ReportPlots(a); !slices.Equal(got[len(Plots):], []string{PlotTTFT, PlotITL, PlotTokens, PlotGoodput}) {
		t.Fatalf("report plots %q", got)
	}
	sloLine := map[string]string{PlotTTFT: "SLO ttft p95 &lt; 1 s", PlotITL: "SLO tpot p95 &lt; 100 ms"}
	for _, name := range streamPlots {
		var svg bytes.Buffer
		if err := WritePlot(&svg, a, name, "svg"); err != nil {
			t.Fatal(err)
		}
		for _, cfg := range []string{">small", ">large"} {
			if !strings.Contains(svg.String(), cfg) {
				t.Errorf("%s lacks %s", name, cfg)
			}
		}
		if want, ok := sloLine[name]; ok && !strings.Contains(svg.String(), want) {
			t.Errorf("%s lacks %q", name, want)
		}
		f, err := plotFigure(Analyze(Input{}), name)
		if err != nil || f.note != "no measured steps" {
			t.Errorf("%s of an empty run: note %q, %v", name, f.note, err)
		}
	}
	latency, _ := plotFigure(a, PlotLatency)
	for _, h := range latency.panels[0].hlines {
		if strings.Contains(h.label, "ttft") {
			t.Errorf("the request latency plot draws %q", h.label)
		}
	}
}

func TestStreamStepsCSVAndSummary(t *testing.T) {
	in := streamingRun(t)
	plain := rampRecords(dockerConfig("plain", 1, 512, 1), 0, []stepSpec{{users: 10, p95: 5}})
	var buf bytes.Buffer
	if err := WriteStepsCSV(&buf, append(in.Records[:1:1], plain...)); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := func(name string) int { return slices.Index(rows[0], name) }
	if col("streamed") != 54 || rows[0][len(rows[0])-1] != "goodput_rps" {
		t.Fatalf("header %q: want the streaming columns after the 54 others", rows[0])
	}
	for name, want := range map[string]string{"streamed": "142", "ttft_p95_ms": "300", "tpot_p95_ms": "40", "itl_p99_ms": "56",
		"output_tokens_per_s": "180", "output_tokens": "4500", "tokens_from": "usage", "goodput_rps": "5.5", "input_tokens": "2840"} {
		if got := rows[1][col(name)]; got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if got := rows[2][col("streamed"):]; strings.Join(got, "") != "" {
		t.Errorf("the plain step's streaming cells %q, want empty", got)
	}

	var sum bytes.Buffer
	if err := WriteSummary(&sum, Analyze(in)); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Streaming bool `json:"streaming"`
		Configs   []struct {
			Steps []struct {
				Stream *struct {
					TTFTP95 *Stat `json:"ttft_p95_ms"`
					Tokens  Stat  `json:"output_tokens_per_s"`
				} `json:"stream"`
			} `json:"steps"`
		} `json:"configs"`
	}
	if err := json.Unmarshal(sum.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if s := got.Configs[0].Steps[2].Stream; !got.Streaming || s == nil || s.TTFTP95.Median != 1200 || s.Tokens.Median != 420 {
		t.Errorf("summary.json: streaming %v, small at 40 users %+v", got.Streaming, s)
	}
}

package report

import (
	"bytes"
	"html"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/loadlab/loadlab/record"
)

// versionRecords builds the records of both versions of configuration
// "api", the champion's first: one ramp per repeat and version,
// steps[repeat][step].
func versionRecords(champ, chall [][]stepSpec) []record.Record {
	return append(versionRamps(record.VersionChampion, champ), versionRamps(record.VersionChallenger, chall)...)
}

// versionRamps is the records of version v of "api": one ramp per repeat.
func versionRamps(v string, reps [][]stepSpec) []record.Record {
	var recs []record.Record
	for rep, steps := range reps {
		recs = append(recs, rampRecords(versionConfig(v), rep, steps)...)
	}
	return recs
}

// versionStreams is the records of version v of "api" streaming: one ramp
// per repeat, steps[repeat][step].
func versionStreams(v string, reps [][]streamSpec) []record.Record {
	var recs []record.Record
	for rep, steps := range reps {
		recs = append(recs, streamRecords(versionConfig(v), rep, steps)...)
	}
	return recs
}

// versionConfig is the configuration "api@v" of version v.
func versionConfig(v string) record.Config {
	cfg := dockerConfig("api@"+v, 1, 256, 1)
	cfg.Version = v
	return cfg
}

// TestChallengers: the versions are paired by base name and compared step
// by step with compare's statistics; the verdict names the highest step
// both measured; a missing challenger, a challenger without answers and a
// run without a challenger are handled.
func TestChallengers(t *testing.T) {
	var champ, chall [][]stepSpec
	for rep, jitter := range []float64{0, 0.5, -0.4, 0.8, -0.2} {
		champ = append(champ, []stepSpec{{users: 8, p95: 10 + jitter}, {users: 16, p95: 12 + jitter}})
		chall = append(chall, []stepSpec{{users: 2, p95: 13 + jitter}, {users: 4, p95: 15 + jitter, errRate: 0.01 * float64(rep%2)}})
	}
	// Seven repeats whose level moves 30 % from one to the next on both
	// versions alike, the challenger 20 % slower in each: two independent
	// samples cannot tell that from the spread; pairs can.
	var champ7, chall7 [][]stepSpec
	for _, level := range []float64{10, 13, 9, 12, 8, 11, 10.5} {
		champ7 = append(champ7, []stepSpec{{users: 8, p95: level}})
		chall7 = append(chall7, []stepSpec{{users: 2, p95: level * 1.2}})
	}
	allErrors := [][]stepSpec{{{users: 2, errRate: 1}, {users: 4, errRate: 1}}}
	noAnswers := versionRecords(champ[:1], allErrors)
	for i := range noAnswers {
		if noAnswers[i].ErrorRate == 1 {
			noAnswers[i].Latency = nil // every request failed before an answer
		}
	}
	for _, tc := range []struct {
		name string
		recs []record.Record
		want []string // in the verdict
		n    int      // pairs
	}{
		{"significant", versionRecords(champ, chall), []string{
			"At step 2 (16 + 4 users), the challenger serves its 20 % of the load at p95 +25.0% (significant, p=0.008 n=5+5) vs the champion",
			"error rate 0 % vs the champion's 0 %"}, 1},
		{"too few repeats", versionRecords(champ[:1], chall[:1]), []string{"at p95 +25.0% (n=1+1: no statistics)"}, 1},
		{"seven repeats in pairs", versionRecords(champ7, chall7), []string{"at p95 +20.0% (significant, p=0.02 n=7 pairs) vs the champion"}, 1},
		{"challenger without answers", noAnswers, []string{"with no p95 (" + NoAnswersText + ")", "error rate 100 % vs the champion's 0 %"}, 1},
		{"challenger not recorded", versionRecords(champ[:1], nil), []string{"The challenger of api was not recorded: nothing to compare."}, 1},
		{"no challenger", rampRecords(dockerConfig("api", 1, 256, 1), 0, champ[0]), nil, 0},
		{"no records", nil, nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := Analyze(Input{Records: tc.recs, SLO: mustSLO(t, "p95<1s,error_rate<5%")})
			cs := Challengers(a)
			if len(cs) != tc.n {
				t.Fatalf("%d pairs, want %d: %+v", len(cs), tc.n, cs)
			}
			var md, term, html bytes.Buffer
			if err := WriteMarkdown(&md, a, "plots"); err != nil {
				t.Fatal(err)
			}
			if err := WriteTable(&term, a); err != nil {
				t.Fatal(err)
			}
			if err := WriteHTML(&html, a); err != nil {
				t.Fatal(err)
			}
			for what, out := range map[string]string{"report.md": md.String(), "table": term.String(), "report.html": html.String()} {
				has := strings.Contains(strings.ToLower(out), "champion vs challenger")
				if has != (tc.n > 0) {
					t.Errorf("%s: champion vs challenger section present %v, want %v", what, has, tc.n > 0)
				}
			}
			if tc.n == 0 {
				return
			}
			c := cs[0]
			if c.Config != "api" || c.Champion != "api@champion" {
				t.Errorf("pair %q: %q vs %q", c.Config, c.Champion, c.Challenger)
			}
			for _, w := range tc.want {
				if !strings.Contains(c.Verdict, w) {
					t.Errorf("verdict lacks %q:\n%s", w, c.Verdict)
				}
				if !strings.Contains(md.String(), w) {
					t.Errorf("report.md lacks %q", w)
				}
			}
		})
	}
}

// TestChallengerSteps checks the figures of the per-step comparison: the
// share of the offered load, each side's per-repeat values and the change.
func TestChallengerSteps(t *testing.T) {
	var champ, chall [][]stepSpec
	for _, j := range []float64{0, 1, 2, 3, 4} {
		champ = append(champ, []stepSpec{{users: 9, p95: 20 + j, rps: 90}})
		chall = append(chall, []stepSpec{{users: 1, p95: 20 + j, rps: 10}})
	}
	cs := Challengers(Analyze(Input{Records: versionRecords(champ, chall), SLO: mustSLO(t, "p95<1s")}))
	if len(cs) != 1 || len(cs[0].Steps) != 1 {
		t.Fatalf("%+v", cs)
	}
	c, s := cs[0], cs[0].Steps[0]
	if math.Abs(c.Share-0.1) > 1e-9 || s.OfferedChampion != 9 || s.OfferedChallenger != 1 {
		t.Errorf("share %v, offered %v + %v", c.Share, s.OfferedChampion, s.OfferedChallenger)
	}
	p95 := s.metric("p95")
	if !p95.Tested || len(p95.Champion) != 5 || p95.Change.Delta != 0 || p95.Change.Significant || !p95.Change.Testable {
		t.Errorf("p95 %+v", p95)
	}
	if got := changeCell(p95); !strings.HasPrefix(got, "~ (p=") {
		t.Errorf("an equal p95 reads %q, want ~", got)
	}
	if got := requestShareCell(s.metric("rps")); got != "10 %" {
		t.Errorf("challenger's requests %q, want 10 %%", got)
	}
	if cpu := s.metric("cpu_per_request"); cpu.Tested || cpu.MissingChampion != "not measured" {
		t.Errorf("cpu per request without telemetry: %+v", cpu)
	}
}

// plainChallengerTable and plainChallengerMarkdown are the champion vs
// challenger sections of the "significant" run of TestChallengers as they
// were before streaming metrics were compared: a run without streams must
// keep them byte for byte.
const plainChallengerTable = `
Champion vs challenger — api (api@champion vs api@challenger)
┌──────┬─────────────────┬──────────────┬────────────────┬───────────────────────────────────────┬─────────────────┬───────────────────┬───────────────────────┬──────────────────┬────────────────────┬────────────────┐
│ Step │ Offered (users) │ p95 champion │ p95 challenger │ p95 change                            │ Errors champion │ Errors challenger │ Challenger's requests │ CPU/req champion │ CPU/req challenger │ CPU/req change │
├──────┼─────────────────┼──────────────┼────────────────┼───────────────────────────────────────┼─────────────────┼───────────────────┼───────────────────────┼──────────────────┼────────────────────┼────────────────┤
│    1 │           8 + 2 │        10 ms │          13 ms │ +30.0% [+20.0%, +40.6%] p=0.008 n=5+5 │             0 % │               0 % │                  20 % │     not measured │       not measured │ —              │
│    2 │          16 + 4 │        12 ms │          15 ms │ +25.0% [+16.8%, +33.6%] p=0.008 n=5+5 │             0 % │               0 % │                  20 % │     not measured │       not measured │ —              │
└──────┴─────────────────┴──────────────┴────────────────┴───────────────────────────────────────┴─────────────────┴───────────────────┴───────────────────────┴──────────────────┴────────────────────┴────────────────┘
At step 2 (16 + 4 users), the challenger serves its 20 % of the load at p95 +25.0% (significant, p=0.008 n=5+5) vs the champion, error rate 0 % vs the champion's 0 %.
`

const plainChallengerMarkdown = `## Champion vs challenger

Each version ran its share of every step at the same time as the other (one load generator per version, a user sticks to one version); change is the challenger against the champion as loadlab compare computes it (medians of the repeats, Mann-Whitney U test, ~ for no significant change; 4 repeats or more for a test at α=0.05).

### api

**At step 2 (16 + 4 users), the challenger serves its 20 % of the load at p95 +25.0% (significant, p=0.008 n=5+5) vs the champion, error rate 0 % vs the champion's 0 %.**

| Step | Offered (users) | p95 champion | p95 challenger | p95 change | Errors champion | Errors challenger | Challenger's requests | CPU/req champion | CPU/req challenger | CPU/req change |
|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---|
| 1 | 8 + 2 | 10 ms | 13 ms | +30.0% [+20.0%, +40.6%] p=0.008 n=5+5 | 0 % | 0 % | 20 % | not measured | not measured | — |
| 2 | 16 + 4 | 12 ms | 15 ms | +25.0% [+16.8%, +33.6%] p=0.008 n=5+5 | 0 % | 0 % | 20 % | not measured | not measured | — |
`

// TestChallengerPlainUnchanged: a champion/challenger run without streamed
// responses compares no streaming metric and renders its section exactly
// as before (terminal table and report.md), with no streaming words in
// any renderer.
func TestChallengerPlainUnchanged(t *testing.T) {
	var champ, chall [][]stepSpec
	for rep, jitter := range []float64{0, 0.5, -0.4, 0.8, -0.2} {
		champ = append(champ, []stepSpec{{users: 8, p95: 10 + jitter}, {users: 16, p95: 12 + jitter}})
		chall = append(chall, []stepSpec{{users: 2, p95: 13 + jitter}, {users: 4, p95: 15 + jitter, errRate: 0.01 * float64(rep%2)}})
	}
	a := Analyze(Input{Records: versionRecords(champ, chall), SLO: mustSLO(t, "p95<1s,error_rate<5%")})
	cs := Challengers(a)
	if len(cs) != 1 || cs[0].Streaming {
		t.Fatalf("%+v: want one pair, not streaming", cs)
	}
	for _, s := range cs[0].Steps {
		var names []string
		for _, m := range s.Metrics {
			names = append(names, m.Metric)
		}
		if want := []string{"p95", "error_rate", "rps", "cpu_per_request"}; !slices.Equal(names, want) {
			t.Errorf("step %d compares %q, want %q", s.Step+1, names, want)
		}
	}
	md, term, page := renderReports(t, a)
	if got := section(term, "\nChampion vs challenger", "\nRecommendation"); got != plainChallengerTable {
		t.Errorf("terminal section changed:\n%s\nwant:\n%s", got, plainChallengerTable)
	}
	if got := section(md, "## Champion vs challenger", "\n## "); got != plainChallengerMarkdown {
		t.Errorf("report.md section changed:\n%s\nwant:\n%s", got, plainChallengerMarkdown)
	}
	for what, out := range map[string]string{"report.md": md, "table": term, "report.html": page} {
		for _, w := range []string{"TTFT", "TPOT", "tokens/s", "goodput", "streamed responses"} {
			if strings.Contains(out, w) {
				t.Errorf("%s of a plain run mentions %q", what, w)
			}
		}
	}
}

// renderReports renders a as report.md, the terminal table and report.html.
func renderReports(t *testing.T, a Analysis) (md, term, html string) {
	t.Helper()
	var m, tb, h bytes.Buffer
	if err := WriteMarkdown(&m, a, "plots"); err != nil {
		t.Fatal(err)
	}
	if err := WriteTable(&tb, a); err != nil {
		t.Fatal(err)
	}
	if err := WriteHTML(&h, a); err != nil {
		t.Fatal(err)
	}
	return m.String(), tb.String(), h.String()
}

// section is out from the first from up to (not including) the next end
// after it; "" when from is absent.
func section(out, from, end string) string {
	i := strings.Index(out, from)
	if i < 0 {
		return ""
	}
	rest := out[i:]
	if j := strings.Index(rest[len(from):], end); j >= 0 {
		return rest[:len(from)+j]
	}
	return rest
}

// failedStreams is steps whose every stream failed before its first
// token (cut after the response headers): no TTFT, ITL or TPOT, no
// tokens, no goodput.
func failedStreams(recs []record.Record) []record.Record {
	for i := range recs {
		r := &recs[i]
		zero := 0.0
		r.TTFT, r.ITL, r.TPOT = nil, nil, nil
		r.ErrorRate, r.OKRPS = 1, 0
		r.OutputTokens, r.OutputTokensPerS, r.GoodputRequests, r.GoodputRPS = 0, 0, 0, &zero
	}
	return recs
}

// unanswered is failedStreams without any answer either (no latency).
func unanswered(recs []record.Record) []record.Record {
	recs = failedStreams(recs)
	for i := range recs {
		recs[i].Latency = nil
	}
	return recs
}

// TestChallengerStreaming: when either version streamed, every step also
// compares TTFT p95, TPOT p95, output tokens/s and goodput with compare's
// values and statistics (tokens/s and goodput per offered user), the
// verdict names the TTFT and TPOT changes, and every renderer shows the
// streaming table, also when a version has no streams or all its streams
// failed.
func TestChallengerStreaming(t *testing.T) {
	var champ, chall [][]streamSpec
	for _, j := range []float64{0, 1, 2, 3, 4} {
		// The challenger runs a fifth of the load with a slower first
		// token and the same tokens/s and goodput per user.
		champ = append(champ, []streamSpec{{8, 300 + 10*j, 40 + j, 400 + 5*j, 4 + 0.1*j}})
		chall = append(chall, []streamSpec{{2, 450 + 10*j, 40 + j, 100 + 1.25*j, 1 + 0.025*j}})
	}
	type want struct {
		metric               string
		tested, significant  bool
		delta                float64 // when tested
		missChamp, missChall string
		cell                 string // the change cell, when set
	}
	for _, tc := range []struct {
		name    string
		recs    []record.Record
		metrics []want
		verdict string
		in      []string // in every renderer
	}{
		{"slower first token", append(versionStreams(record.VersionChampion, champ), versionStreams(record.VersionChallenger, chall)...), []want{
			{metric: "ttft_p95", tested: true, significant: true, delta: 470.0/320 - 1},
			{metric: "tpot_p95", tested: true, delta: 0, cell: "~ (p="},
			{metric: "output_tokens_per_s", tested: true, delta: 0, cell: "~ (p="},
			{metric: "goodput_rps", tested: true, delta: 0, cell: "~ (p="},
		}, "vs the champion, TTFT p95 +46.9% (significant, p=0.008 n=5+5), TPOT p95 +0.0% (not significant, p=1.00 n=5+5)",
			[]string{"410 tokens/s", "103 tokens/s", "goodput, change per user"}},
		{"one repeat each", append(versionStreams(record.VersionChampion, champ[:1]), versionStreams(record.VersionChallenger, chall[:1])...), []want{
			{metric: "ttft_p95", tested: true, delta: 0.5, cell: "+50.0% (n=1+1, no test)"},
			{metric: "output_tokens_per_s", tested: true, delta: 0, cell: "+0.0% (n=1+1, no test)"},
		}, "TTFT p95 +50.0% (n=1+1: no statistics)", []string{"50.0% (n=1+1, no test)"}},
		{"challenger's streams all failed", append(versionStreams(record.VersionChampion, champ), failedStreams(versionStreams(record.VersionChallenger, chall))...), []want{
			{metric: "ttft_p95", missChall: "no streamed response carried content", cell: "—"},
			{metric: "tpot_p95", missChall: "no streamed response of two tokens or more"},
			{metric: "output_tokens_per_s", tested: true, significant: true, delta: -1},
			{metric: "goodput_rps", tested: true, significant: true, delta: -1},
		}, "at p95 +0.0% (not significant, p=1.00 n=5+5) vs the champion, no challenger TTFT p95 (no streamed response carried content), no challenger TPOT p95",
			[]string{"no streamed response carried content", "-100.0%"}},
		{"no answers at all", append(unanswered(versionStreams(record.VersionChampion, champ)), unanswered(versionStreams(record.VersionChallenger, chall))...), []want{
			{metric: "ttft_p95", missChamp: NoAnswersText, missChall: NoAnswersText},
			{metric: "goodput_rps", tested: true, delta: math.NaN(), cell: "~ (p="},
		}, "with no p95 (" + NoAnswersText + "), no TTFT p95 in either version (" + NoAnswersText + ")", []string{"0 tokens/s"}},
		{"plain champion", append(versionRamps(record.VersionChampion, [][]stepSpec{{{users: 8, p95: 20}}}), versionStreams(record.VersionChallenger, chall[:1])...), []want{
			{metric: "ttft_p95", missChamp: "no streamed responses", cell: "—"},
			{metric: "goodput_rps", missChamp: "no streamed responses and no goodput conditions"},
		}, "no champion TTFT p95 (no streamed responses)", []string{"no streamed responses"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := Analyze(Input{Records: tc.recs, SLO: mustSLO(t, "ttft_p95<2s,error_rate<5%")})
			cs := Challengers(a)
			if len(cs) != 1 || !cs[0].Streaming || len(cs[0].Steps) != 1 {
				t.Fatalf("%+v: want one streaming pair of one step", cs)
			}
			c, s := cs[0], cs[0].Steps[0]
			if len(s.Metrics) != 8 {
				t.Errorf("%d metrics compared, want 8", len(s.Metrics))
			}
			for _, w := range tc.metrics {
				vm := s.metric(w.metric)
				if vm.Tested != w.tested || vm.MissingChampion != w.missChamp || vm.MissingChallenger != w.missChall {
					t.Errorf("%s: %+v, want tested %v, missing %q / %q", w.metric, vm, w.tested, w.missChamp, w.missChall)
					continue
				}
				if w.tested && (vm.Change.Significant != w.significant || !(math.Abs(vm.Change.Delta-w.delta) < 1e-9 || math.IsNaN(w.delta) && math.IsNaN(vm.Change.Delta))) {
					t.Errorf("%s: change %+v, want delta %v significant %v", w.metric, vm.Change, w.delta, w.significant)
				}
				if got := changeCell(vm); !strings.HasPrefix(got, w.cell) {
					t.Errorf("%s: change cell %q, want %q…", w.metric, got, w.cell)
				}
			}
			if !strings.Contains(c.Verdict, tc.verdict) {
				t.Errorf("verdict lacks %q:\n%s", tc.verdict, c.Verdict)
			}
			md, term, page := renderReports(t, a)
			for what, out := range map[string]string{
				"report.md":   section(md, "## Champion vs challenger", "\n## "),
				"table":       section(term, "\nChampion vs challenger", "\nRecommendation"),
				"report.html": html.UnescapeString(section(page, `<section id="challenger">`, "</section>")),
			} {
				for _, w := range append([]string{"Streamed responses: TTFT is the time to the first token", "output tokens/s, change per user"}, tc.in...) {
					if !strings.Contains(out, w) {
						t.Errorf("%s lacks %q", what, w)
					}
				}
			}
		})
	}
}

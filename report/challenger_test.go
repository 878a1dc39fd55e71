package report

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/loadlab/loadlab/record"
)

// versionRecords builds the records of both versions of configuration
// "api": one ramp per repeat and version, p95s[version][repeat][step].
func versionRecords(champ, chall [][]stepSpec) []record.Record {
	var recs []record.Record
	for v, reps := range map[string][][]stepSpec{record.VersionChampion: champ, record.VersionChallenger: chall} {
		cfg := dockerConfig("api@"+v, 1, 256, 1)
		cfg.Version = v
		for rep, steps := range reps {
			recs = append(recs, rampRecords(cfg, rep, steps)...)
		}
	}
	return recs
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

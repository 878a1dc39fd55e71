package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/loadlab/loadlab/record"
)

// streamRepeats is n repeats of one configuration at 20 users, TTFT p95
// ttft+10·repeat ms and tokensPerS−5·repeat tokens/s.
func streamRepeats(t *testing.T, n int, ttft, tokensPerS float64) Analysis {
	var recs []record.Record
	for rep := 0; rep < n; rep++ {
		recs = append(recs, streamRecords(dockerConfig("a", 1, 512, 1), rep, []streamSpec{
			{20, ttft + 10*float64(rep), 50, tokensPerS - 5*float64(rep), 10}})...)
	}
	return Analyze(Input{Records: recs, SLO: mustSLO(t, "ttft_p95<2s,error_rate<1%")})
}

func streamStatRow(c Comparison, metric string) (StatRow, bool) {
	for _, s := range c.Stats {
		if s.Metric == metric {
			return s, true
		}
	}
	return StatRow{}, false
}

func TestCompareStreaming(t *testing.T) {
	base, slower := streamRepeats(t, 5, 300, 400), streamRepeats(t, 5, 600, 300)
	c := Compare(base, slower, "base", "new")
	ttft, ok := streamStatRow(c, "ttft_p95")
	if !ok || !ttft.Tested || !ttft.Change.Significant || ttft.Change.Delta < 0.9 || ttft.Change.Delta > 1.1 {
		t.Errorf("ttft_p95 row %+v: want a significant change of about +100 %%", ttft)
	}
	tok, ok := streamStatRow(c, "output_tokens_per_s")
	if !ok || !tok.Tested || !tok.Change.Significant || tok.Change.Delta > -0.2 {
		t.Errorf("output_tokens_per_s row %+v: want a significant drop of about 25 %%", tok)
	}
	for _, m := range []string{"tpot_p95", "itl_p95", "goodput_rps"} {
		if s, ok := streamStatRow(c, m); !ok || !s.Tested {
			t.Errorf("%s row %+v: want tested", m, s)
		}
	}
	var out bytes.Buffer
	if err := WriteCompareTable(&out, c); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"TTFT p95 @ target", "output tokens/s @ target", "390 tokens/s"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("compare table lacks %q:\n%s", s, out.String())
		}
	}

	// A plain run against a streaming one: the streaming rows say why
	// the plain side has none; two plain runs have no streaming row.
	plain := Analyze(Input{Records: rampRecords(dockerConfig("a", 1, 512, 1), 0, []stepSpec{{users: 20, p95: 5}}), SLO: mustSLO(t, "p95<1s")})
	if s, ok := streamStatRow(Compare(plain, base, "plain", "stream"), "ttft_p95"); !ok || s.MissingA != "no streamed responses" || s.MissingB != "" {
		t.Errorf("plain vs streaming ttft_p95: %+v", s)
	}
	if _, ok := streamStatRow(Compare(plain, plain, "a", "b"), "ttft_p95"); ok {
		t.Error("two plain runs compare ttft_p95")
	}
}

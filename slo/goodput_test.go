package slo

import (
	"strings"
	"testing"
	"time"
)

func TestParseGoodput(t *testing.T) {
	g, err := ParseGoodput(" ttft<1s, tpot<=100ms ,itl<250,e2e<5s")
	if err != nil {
		t.Fatal(err)
	}
	if len(g) != 4 || g[0].Value != 1000 || g[1].Op != "<=" || g[2].Value != 250 || g[3].Metric != "e2e" {
		t.Fatalf("parsed %+v", g)
	}
	if g.String() != "ttft<1s,tpot<=100ms,itl<250,e2e<5s" {
		t.Fatalf("String() = %q", g.String())
	}
	for _, bad := range []string{"p95<1s", "ttft>1s", "ttft<fast", "ttft<1s,,tpot<1s", "ttft"} {
		if _, err := ParseGoodput(bad); err == nil {
			t.Errorf("ParseGoodput(%q) accepted", bad)
		}
	}
	if _, err := ParseGoodput("tokens<5"); err == nil || !strings.Contains(err.Error(), GoodputMetrics) {
		t.Errorf("unknown metric error %v does not list the metrics", err)
	}
	if g, err := ParseGoodput(""); err != nil || g != nil {
		t.Errorf("empty: %v %v", g, err)
	}
}

func TestGoodputMet(t *testing.T) {
	g, _ := ParseGoodput("ttft<1s,tpot<100ms")
	ms := time.Millisecond
	cases := []struct {
		t    Timing
		want bool
	}{
		{Timing{TTFT: 999 * ms, TPOT: 99 * ms, E2E: 3 * time.Second, Chunks: 5, Tokens: 5}, true},
		{Timing{TTFT: time.Second, TPOT: 99 * ms, Chunks: 5, Tokens: 5}, false},
		{Timing{TTFT: 10 * ms, TPOT: 100 * ms, Chunks: 5, Tokens: 5}, false},
		{Timing{TTFT: 10 * ms, Chunks: 1, Tokens: 1}, false},               // one token: no TPOT measured
		{Timing{TTFT: 10 * ms, TPOT: 99 * ms, Chunks: 1, Tokens: 2}, true}, // usage: 2 tokens in one chunk
		{Timing{}, false},
	}
	for _, c := range cases {
		if got := g.Met(c.t); got != c.want {
			t.Errorf("Met(%+v) = %v, want %v", c.t, got, c.want)
		}
	}
	if !Goodput(nil).Met(Timing{}) {
		t.Error("no conditions: every successful request is good")
	}
	itl, _ := ParseGoodput("itl<1s")
	if !itl.Met(Timing{MaxITL: 0, Chunks: 2, Tokens: 2}) || itl.Met(Timing{Chunks: 1, Tokens: 1}) {
		t.Error("itl: a gap of 0 (two chunks in one read) is measured and meets itl<1s; one chunk has no gap")
	}
	e2e, _ := ParseGoodput("e2e<2s")
	if !e2e.Met(Timing{E2E: time.Second}) || e2e.Met(Timing{E2E: 3 * time.Second}) {
		t.Error("e2e bound")
	}
}

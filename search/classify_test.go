package search

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/slo"
)

func TestClassify(t *testing.T) {
	s, err := slo.Parse("p95<1s,error_rate<1%")
	if err != nil {
		t.Fatal(err)
	}
	step := func(p95 float64, mutate func(*record.Record)) record.Record {
		r := record.Record{Load: record.Load{Model: record.ModelUsers, Users: 400}, Latency: &record.Latency{P95: p95}, ErrorRate: 0.001,
			Search: &record.Search{Kind: record.SearchCapacity, Phase: record.PhaseBisect}}
		if mutate != nil {
			mutate(&r)
		}
		return r
	}
	tests := []struct {
		name     string
		rec      record.Record
		verdict  Verdict
		pressure float64
		why      string
		load     float64
	}{
		{"pass", step(500, nil), Pass, 0.5, "p95<1s at 0.50", 400},
		{"just below the margin passes", step(899, nil), Pass, 0.899, "p95<1s", 400},
		{"near below", step(950, nil), Near, 0.95, "p95<1s", 400},
		{"near above", step(1080, nil), Near, 1.08, "p95<1s", 400},
		{"fail", step(1400, nil), Fail, 1.4, "p95<1s at 1.40", 400},
		{"errors decide", step(100, func(r *record.Record) { r.ErrorRate = 0.05 }), Fail, 5, "error_rate<1%", 400},
		{"nothing answered", step(0, func(r *record.Record) { r.Latency = nil }), Fail, math.Inf(1), "nothing was answered", 400},
		{"partial", step(500, func(r *record.Record) { r.Partial = true }), Untrusted, 0, "cut short", 400},
		{"saturated", step(500, func(r *record.Record) { r.Generator = record.Generator{Saturated: true, Warning: "cpu 95%"} }), Untrusted, 0, "generator was saturated (cpu 95%)", 400},
		{"rate", step(500, func(r *record.Record) { r.Load = record.Load{Model: record.ModelRate, Rate: 12.5} }), Pass, 0.5, "p95<1s", 12.5},
	}
	for _, tt := range tests {
		p := Classify(tt.rec, s, 0.1)
		if p.Verdict != tt.verdict || p.Load != tt.load || !strings.Contains(p.Why, tt.why) ||
			!(p.Pressure == tt.pressure || math.Abs(p.Pressure-tt.pressure) < 1e-9) {
			t.Errorf("%s: %+v, want verdict %v pressure %v load %v why ~%q", tt.name, p, tt.verdict, tt.pressure, tt.load, tt.why)
		}
		if p.Phase != record.PhaseBisect {
			t.Errorf("%s: phase %q", tt.name, p.Phase)
		}
	}
	// An empty SLO has pressure 0: every answered step passes.
	if p := Classify(step(5000, nil), nil, 0.1); p.Verdict != Pass {
		t.Errorf("empty SLO: %+v", p)
	}
}

func TestCapacityDefaults(t *testing.T) {
	c := Capacity{From: 100, Max: 1000}.WithDefaults(20*time.Second, true)
	want := Capacity{From: 100, Max: 1000, Resolution: DefaultResolution, Factor: 2, Margin: 0.1, Repeats: 3,
		Hold: 20 * time.Second, BracketHold: 20 * time.Second, ConfirmHold: 40 * time.Second, Whole: true}
	if c != want {
		t.Errorf("defaults %+v, want %+v", c, want)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("valid search: %v", err)
	}
	set := Capacity{From: 1, Max: 2, Resolution: Resolution{Value: 50}, Factor: 1.5, Margin: 0.2, Repeats: 5, BracketHold: 5 * time.Second, ConfirmHold: time.Minute}
	if got := set.WithDefaults(time.Second, false); got.Resolution != set.Resolution || got.Factor != 1.5 || got.Margin != 0.2 || got.Repeats != 5 ||
		got.BracketHold != 5*time.Second || got.ConfirmHold != time.Minute || got.Hold != time.Second || got.Whole {
		t.Errorf("set values overwritten: %+v", got)
	}
}

func TestCapacityValidate(t *testing.T) {
	ok := Capacity{From: 100, Max: 1000}.WithDefaults(20*time.Second, true)
	tests := []struct {
		name string
		edit func(*Capacity)
		want []string
	}{
		{"from", func(c *Capacity) { c.From = 0 }, []string{"from: must be > 0 users"}},
		{"whole from", func(c *Capacity) { c.From = 10.5 }, []string{"from: must be a whole number"}},
		{"max below from", func(c *Capacity) { c.Max = 50 }, []string{"max: must be ≥ from (got max 50, from 100)"}},
		{"resolution", func(c *Capacity) { c.Resolution = Resolution{Value: -1} }, []string{"resolution: must be > 0"}},
		{"percent", func(c *Capacity) { c.Resolution = Resolution{Value: 100, Percent: true} }, []string{"resolution: must be a percentage below 100%"}},
		{"factor", func(c *Capacity) { c.Factor = 1 }, []string{"factor: must be > 1"}},
		{"margin", func(c *Capacity) { c.Margin = 1 }, []string{"margin: must be in (0, 1)"}},
		{"repeats", func(c *Capacity) { c.Repeats = 11 }, []string{"repeats: must be from 1 to 10"}},
		{"holds", func(c *Capacity) { c.BracketHold, c.ConfirmHold = -1, -1 }, []string{"bracket_hold: must be > 0", "confirm_hold: must be > 0"}},
		{"all at once", func(c *Capacity) { c.From, c.Max, c.Factor = -1, -2, 0.5 }, []string{"from:", "max:", "factor:"}},
	}
	for _, tt := range tests {
		c := ok
		tt.edit(&c)
		err := c.Validate()
		for _, w := range tt.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %v, want %q", tt.name, err, w)
			}
		}
	}
}

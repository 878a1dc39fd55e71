package search

import (
	"math"
	"testing"
	"time"
)

// system simulates one configuration: a probe's pressure as a function of
// its load (and of how often the load was measured, for noise).
type system func(load float64, phase string, n int) (Verdict, float64)

// monotone is a system of capacity k: pressure = load ÷ k, classified with
// margin.
func monotone(k, margin float64) system {
	return func(load float64, _ string, _ int) (Verdict, float64) {
		return verdictOf(load/k, margin), load / k
	}
}

func verdictOf(p, margin float64) Verdict {
	switch {
	case p > 1+margin:
		return Fail
	case math.Abs(p-1) <= margin:
		return Near
	}
	return Pass
}

// run drives Next against sys until Done (bounded by MaxProbes+1 calls),
// checking every decision's invariants, and returns the history and the
// final decision.
func run(t *testing.T, c Capacity, sys system) ([]Probe, Decision) {
	t.Helper()
	var h []Probe
	count := map[float64]int{}
	for i := 0; i <= MaxProbes; i++ {
		d := Next(c, h)
		if d.Done {
			if d.Result == nil || d.Result.Probes != len(h) {
				t.Fatalf("done without a result of %d probes: %+v", len(h), d.Result)
			}
			return h, d
		}
		if d.Result != nil {
			t.Fatalf("result before done: %+v", d)
		}
		if !(d.Load > 0) || d.Load > c.Max+1e-9 {
			t.Fatalf("probe %d: load %v outside (0, max %v]", i+1, d.Load, c.Max)
		}
		if c.Whole && d.Load != math.Trunc(d.Load) {
			t.Fatalf("probe %d: load %v is not whole", i+1, d.Load)
		}
		if d.Hold <= 0 || d.Phase == "" {
			t.Fatalf("probe %d: hold %v phase %q", i+1, d.Hold, d.Phase)
		}
		count[d.Load]++
		v, p := sys(d.Load, d.Phase, count[d.Load])
		h = append(h, Probe{Load: d.Load, Phase: d.Phase, Verdict: v, Pressure: p, Why: "p95<1s"})
	}
	t.Fatalf("no answer after %d probes: %+v", len(h), h)
	return nil, Decision{}
}

func capacity(from, max float64, res Resolution, whole bool) Capacity {
	c := Capacity{From: from, Max: max, Resolution: res}.WithDefaults(20*time.Second, whole)
	return c
}

// TestNextFindsCapacity: on monotone systems the search ends confirmed,
// with a capacity that passes, a first failure that fails, and a gap
// within the resolution.
func TestNextFindsCapacity(t *testing.T) {
	type tc struct {
		from, max float64
		res       Resolution
		whole     bool
	}
	cases := []tc{
		{100, 20000, DefaultResolution, true},
		{100, 20000, Resolution{Value: 50}, true},
		{1, 5000, Resolution{Value: 1, Percent: true}, true},
		{1, 300, Resolution{Value: 1}, true},
		{500, 10000, Resolution{Value: 10, Percent: true}, true},
		{10, 2000, DefaultResolution, false},
		{0.5, 300, Resolution{Value: 2}, false},
		{50, 50000, Resolution{Value: 1, Percent: true}, false},
	}
	ks := []float64{1.5, 3, 7, 49, 100, 173, 999, 1234.5, 4000, 9999, 17000}
	for _, c0 := range cases {
		c := capacity(c0.from, c0.max, c0.res, c0.whole)
		for _, k := range ks {
			if k >= c.Max || (c.Whole && k < 2) {
				continue
			}
			h, d := run(t, c, monotone(k, c.Margin))
			r := d.Result
			// A load passes when its pressure is below 1 (Near loads are
			// decided by the median, which is that pressure).
			passes := func(x float64) bool { return x/k < 1 }
			if r.Capacity == 0 {
				if passes(1) && c.Whole || passes(MinRate) && !c.Whole {
					t.Errorf("%+v k=%v: capacity 0 (%s), %d probes", c0, k, r.Reason, r.Probes)
				}
				continue
			}
			if !r.Confirmed || !passes(r.Capacity) || !(r.FirstFail > 0 && !passes(r.FirstFail)) {
				t.Errorf("%+v k=%v: result %+v", c0, k, r)
				continue
			}
			gap := r.FirstFail - r.Capacity
			limit := c.Resolution.Value
			if c.Resolution.Percent {
				limit = limit / 100 * r.Capacity
			}
			if gap > limit+1e-9 && !(c.Whole && gap <= 1) {
				t.Errorf("%+v k=%v: gap %v > resolution %v (%+v)", c0, k, gap, limit, r)
			}
			if len(h) > MaxProbes {
				t.Errorf("%d probes", len(h))
			}
		}
	}
}

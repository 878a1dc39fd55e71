package slo

import (
	"math"

	"github.com/loadlab/loadlab/record"
)

// Pressure is how close rec is to breaching s: the largest, over the
// conditions, of measured ÷ limit for an upper bound (p95<1s, error_rate<1%)
// and limit ÷ measured for a lower bound (rps>=500). Below 1 every
// condition holds with room to spare, above 1 one breaches; 1 is the edge.
// Text names the condition that decides it. An unmeasured metric (a step
// without answers, or without streamed responses for ttft_p95 and the
// other streaming metrics) and a zero measured against a lower bound give +Inf; a
// measured 0 against a limit of 0 (error_rate<=0) gives 0, anything above
// it +Inf. An empty SLO has pressure 0.
func (s SLO) Pressure(rec record.Record) (p float64, text string) {
	for _, c := range s {
		v, ok := Measure(c.Metric, rec)
		q := math.Inf(1)
		if ok {
			q = c.pressure(v)
		}
		if q > p || text == "" {
			p, text = q, c.Text
		}
	}
	return p, text
}

// pressure is the measured value v as a fraction of the condition's limit
// (see SLO.Pressure).
func (c Condition) pressure(v float64) float64 {
	num, den := v, c.Value // upper bound: v ÷ limit
	if c.Op == ">" || c.Op == ">=" {
		num, den = c.Value, v // lower bound: limit ÷ v
	}
	switch {
	case num <= 0:
		return 0
	case den <= 0:
		return math.Inf(1)
	}
	return num / den
}

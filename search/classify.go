package search

import (
	"fmt"
	"math"
	"strings"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/slo"
)

// Classify judges one measured step for a search: Untrusted when the
// generator was saturated or the step is partial; otherwise by its
// pressure against s (slo.SLO.Pressure): Near within margin of 1, Pass
// below, Fail above (and Fail when nothing was answered). The probe's Load
// is the step's users, or its rate under model rate; its Phase is the
// step's Search.Phase when it has one.
func Classify(rec record.Record, s slo.SLO, margin float64) Probe {
	p := Probe{Load: rec.Offered()}
	if rec.Search != nil {
		p.Phase = rec.Search.Phase
	}
	switch {
	case rec.Partial:
		p.Verdict, p.Why = Untrusted, "the step was cut short (partial)"
		return p
	case rec.Generator.Saturated:
		p.Verdict, p.Why = Untrusted, "the generator was saturated"
		if w := strings.TrimSpace(rec.Generator.Warning); w != "" {
			p.Why += " (" + w + ")"
		}
		return p
	}
	pressure, text := s.Pressure(rec)
	p.Pressure = pressure
	switch {
	case rec.Latency == nil:
		p.Verdict, p.Why = Fail, "nothing was answered"
		p.Pressure = math.Inf(1)
		return p
	case pressure > 1+margin:
		p.Verdict = Fail
	case math.Abs(pressure-1) <= margin:
		p.Verdict = Near
	default:
		p.Verdict = Pass
	}
	p.Why = text
	if text != "" && !math.IsInf(pressure, 0) {
		p.Why = fmt.Sprintf("%s at %.2f of its limit", text, pressure)
	}
	return p
}

package search

import (
	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/slo"
)

// Classify judges one measured step for a search: Untrusted when the
// generator was saturated or the step is partial; otherwise by its
// pressure against s (slo.SLO.Pressure): Near within margin of 1, Pass
// below, Fail above (and Fail when nothing was answered). The probe's Load
// is the step's users, or its rate under model rate.
func Classify(rec record.Record, s slo.SLO, margin float64) Probe {
	panic("search: not yet implemented")
}

package experiments

import (
	"fmt"

	"github.com/loadlab/loadlab/slo"
)

// streamingProblems refuses SLO and gate conditions on streaming metrics
// (ttft_*, itl_*, tpot_*, output_tokens_per_s, goodput_rps) when no step
// could ever measure them: no request of the scenario declares stream:
// (and, for goodput_rps, the scenario declares no goodput: either). Such a
// run would fail every step as "not measured", after deploying everything.
func (e Experiment) streamingProblems() []FieldError {
	streams := false
	for _, q := range e.Scenario.Requests {
		if q.Stream != "" {
			streams = true
		}
	}
	var ps []FieldError
	check := func(field, expr string) {
		conds, err := slo.Parse(expr)
		if err != nil {
			return // reported by Validate
		}
		for _, c := range conds {
			if !needsStreams(c, streams, e.Scenario.Goodput != "") {
				continue
			}
			ps = append(ps, FieldError{Field: field, Msg: fmt.Sprintf(
				"%s needs streamed responses, but no request of the scenario declares stream: (add stream: sse or stream: ndjson to the request of a streaming API, or remove the condition)", c.Text)})
		}
	}
	check("slo", e.SLO)
	check("gates", e.Gates)
	return ps
}

// needsStreams reports whether condition c cannot be measured by a run
// without streamed requests (streams false) and, for goodput_rps, without
// goodput conditions either.
func needsStreams(c slo.Condition, streams, goodput bool) bool {
	switch {
	case streams:
		return false
	case c.Metric == "goodput_rps":
		return !goodput
	}
	return c.Kind == slo.KindStreamLatency || c.Kind == slo.KindTokens
}

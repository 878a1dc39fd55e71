package gate

import (
	"fmt"
	"strings"

	"github.com/loadlab/loadlab/record"
)

// Untrusted lists why a recorded run cannot be gated, nor kept as a
// baseline, whatever its figures say, one sentence each: configurations
// that failed, wholly or in one of their repeats; a run without any
// record; and record.Incomplete's reasons (prefixed "incomplete run: ").
// plan and torn may be nil. A saturated generator is judged at the gated
// step only (see Evaluate).
func Untrusted(recs []record.Record, plan *record.Plan, torn *record.TornLine) []string {
	var out []string
	order, byConfig := record.ByConfig(recs)
	for _, name := range order {
		out = append(out, failures(name, byConfig[name], plan)...)
	}
	if len(order) == 0 {
		out = append(out, "the run has no recorded steps")
	}
	for _, why := range record.Incomplete(recs, plan, torn) {
		out = append(out, "incomplete run: "+why)
	}
	return out
}

// failures says which repeats of one configuration failed: "configuration
// failed: …" when none was measured, else one sentence per failed repeat
// naming it, since the configuration's figures then come from fewer
// repeats than planned.
func failures(name string, recs []record.Record, plan *record.Plan) []string {
	reps := record.SplitRepeats(recs)
	switch {
	case len(reps.Failed) == 0:
		return nil
	case len(reps.Measured) == 0:
		return []string{fmt.Sprintf("%s: configuration failed: %s", name, strings.Join(reps.Reasons(), "; "))}
	}
	total, of := reps.Seen, ""
	if plan != nil && plan.Repeat > 0 {
		total, of = max(plan.Repeat, total), fmt.Sprintf(" of %d", plan.Repeat)
	}
	var out []string
	for _, f := range reps.Failed {
		out = append(out, fmt.Sprintf("%s: repeat %d%s failed (%s): %s was measured in %d of %d repeats",
			name, f.Repeat+1, of, f.Failure, name, len(reps.Measured), total))
	}
	return out
}

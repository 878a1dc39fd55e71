package gate

import (
	"fmt"
	"slices"
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
	measured, all := map[int]bool{}, map[int]bool{}
	var failed []record.Record
	for _, r := range recs {
		all[r.Repeat] = true
		if r.Failure != "" {
			failed = append(failed, r)
		} else {
			measured[r.Repeat] = true
		}
	}
	switch {
	case len(failed) == 0:
		return nil
	case len(measured) == 0:
		var whys []string
		for _, f := range failed {
			if !slices.Contains(whys, f.Failure) {
				whys = append(whys, f.Failure)
			}
		}
		return []string{fmt.Sprintf("%s: configuration failed: %s", name, strings.Join(whys, "; "))}
	}
	total, of := len(all), ""
	if plan != nil && plan.Repeat > 0 {
		total, of = max(plan.Repeat, total), fmt.Sprintf(" of %d", plan.Repeat)
	}
	var out []string
	for _, f := range failed {
		out = append(out, fmt.Sprintf("%s: repeat %d%s failed (%s): %s was measured in %d of %d repeats",
			name, f.Repeat+1, of, f.Failure, name, len(measured), total))
	}
	return out
}

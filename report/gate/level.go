package gate

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/loadlab/loadlab/record"
)

// level is an offered load in a load model: users (record.ModelUsers) or
// requests per second (record.ModelRate). A baseline is compared with a
// run only at the level it holds for each configuration.
type level struct {
	load  float64
	model string
}

// String is the level in words: "10 users", "50 req/s".
func (l level) String() string {
	return fmtLoad(l.load) + unitOf(l.model)
}

// unitOf is the unit of an offered load in model, with its leading space.
func unitOf(model string) string {
	if model == record.ModelRate {
		return " req/s"
	}
	return " users"
}

// modelOf is the load model of a configuration's records: that of its
// first measured step, record.ModelUsers when none says otherwise.
func modelOf(recs []record.Record) string {
	for _, r := range recs {
		if r.Failure == "" && r.Load.Model == record.ModelRate {
			return record.ModelRate
		}
		if r.Failure == "" {
			return record.ModelUsers
		}
	}
	return record.ModelUsers
}

// baselineLevel is the level b holds: its Load in its Model, or in
// runModel for a baseline saved before baselines stored their model.
func baselineLevel(b BaselineMetrics, runModel string) level {
	model := b.Model
	if model == "" {
		model = runModel
	}
	return level{load: b.Load, model: model}
}

// stepsAtLevel returns the complete measured steps of recs (one
// configuration, every repeat) at level l; none when the run's model is
// not l's.
func stepsAtLevel(recs []record.Record, l level) []record.Record {
	if modelOf(recs) != l.model {
		return nil
	}
	return stepsAt(recs, l.load)
}

// measuredLevels is the sorted distinct offered loads of recs' complete
// measured steps.
func measuredLevels(recs []record.Record) []float64 {
	var loads []float64
	for _, r := range recs {
		if r.Failure == "" && !r.Partial && r.Offered() > 0 && !slices.Contains(loads, r.Offered()) {
			loads = append(loads, r.Offered())
		}
	}
	sort.Float64s(loads)
	return loads
}

// levelMiss says, for configuration name whose records are recs, that the
// run has no complete step at the baseline's level l and which levels each
// side has: "a: the baseline holds 10 users; this run measured 25, 50
// users: re-record the baseline or run the level".
func levelMiss(name string, l level, recs []record.Record) string {
	loads := measuredLevels(recs)
	measured := "no complete step"
	if len(loads) > 0 {
		parts := make([]string, len(loads))
		for i, x := range loads {
			parts[i] = fmtLoad(x)
		}
		measured = strings.Join(parts, ", ") + unitOf(modelOf(recs))
	}
	return fmt.Sprintf("%s: the baseline holds %s; this run measured %s: re-record the baseline or run the level", name, l, measured)
}

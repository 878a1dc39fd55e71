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
		} else if r.Failure == "" {
			break
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

// loads is the sorted distinct offered loads of recs' measured steps,
// complete ones only when complete is true.
func loads(recs []record.Record, complete bool) []float64 {
	var out []float64
	for _, r := range recs {
		if r.Failure == "" && !(complete && r.Partial) && r.Offered() > 0 && !slices.Contains(out, r.Offered()) {
			out = append(out, r.Offered())
		}
	}
	sort.Float64s(out)
	return out
}

// levelMiss says, for configuration name whose records are recs, that the
// run has no complete step at the baseline's level l and which levels each
// side has: "a: the baseline holds 10 users; this run measured 25, 50
// users: re-record the baseline or run the level".
func levelMiss(name string, l level, recs []record.Record) string {
	return fmt.Sprintf("%s: the baseline holds %s; this run measured %s: re-record the baseline or run the level", name, l, measuredLevels(recs))
}

// measuredLevels is the levels of recs' complete steps in words ("25, 50
// users"), or "no complete step".
func measuredLevels(recs []record.Record) string {
	levels := loads(recs, true)
	if len(levels) == 0 {
		return "no complete step"
	}
	parts := make([]string, len(levels))
	for i, x := range levels {
		parts[i] = fmtLoad(x)
	}
	return strings.Join(parts, ", ") + unitOf(modelOf(recs))
}

// stoppedBelow says where and why recs' ramp (one configuration, any
// repeat) stopped by itself (a stop reason: an SLO breached, a search
// ended) below level l; "" when it did not. The level is then missing
// because the configuration could not reach it: a failing comparison,
// not a run that measured other levels (a refusal, levelMiss).
func stoppedBelow(name string, l level, recs []record.Record) string {
	if modelOf(recs) != l.model {
		return ""
	}
	for _, r := range recs {
		if r.Failure == "" && !r.Partial && r.StopReason != "" && r.Offered() < l.load {
			return fmt.Sprintf("%s: the ramp stopped at %s (%s), below the baseline's level of %s: nothing to compare there",
				name, level{r.Offered(), l.model}, r.StopReason, l)
		}
	}
	return ""
}

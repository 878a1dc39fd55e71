package gate

import (
	"errors"
	"slices"

	"github.com/loadlab/loadlab/record"
)

// Refusal is why in's run cannot be compared with its baseline at all, an
// error for ExitUsage; nil when it can, or when there is no baseline. A
// baseline of another experiment is refused unless AllowOtherExperiment;
// a configuration of both sides whose baseline level the run did not
// measure (see baselineLevel) is refused, each such configuration named
// with the levels of both sides, unless its ramp stopped by itself below
// the level (stoppedBelow: a failing check). Levels are not judged on a run that
// cannot be trusted (Untrusted): its missing steps are exit 3, not 2.
func Refusal(in Input) error {
	if in.Baseline == nil {
		return nil
	}
	var errs []error
	if why := otherExperiment(in); why != "" && !in.AllowOtherExperiment {
		errs = append(errs, errors.New(why+": compare runs of one experiment, or pass --allow-other-experiment"))
	}
	if len(Untrusted(in.Records, in.Plan, in.Torn)) == 0 {
		order, byConfig := record.ByConfig(in.Records)
		for _, name := range order {
			recs := byConfig[name]
			base, ok := in.Baseline.Configs[name]
			if !ok || !slices.ContainsFunc(recs, func(r record.Record) bool { return r.Failure == "" }) {
				continue
			}
			if l := baselineLevel(base, modelOf(recs)); len(stepsAtLevel(recs, l)) == 0 && stoppedBelow(name, l, recs) == "" {
				errs = append(errs, errors.New(levelMiss(name, l, recs)))
			}
		}
	}
	return errors.Join(errs...)
}

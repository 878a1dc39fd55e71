package gate

import (
	"slices"
	"sort"
	"strings"
)

// missingCheck is the check of a configuration that one side of a
// baseline comparison lacks, saying why: a failure, unless allow
// (--allow-missing), which turns it into a passing check with the note.
func missingCheck(name, why string, allow bool) Check {
	c := Check{Name: name + ": baseline", Config: name, Metric: "baseline", Measured: "-", Limit: "in both"}
	c.Pass, c.Message = missing(why, allow)
	return c
}

// missing is the verdict on something one side lacks, said by why: a
// failure that names --allow-missing, or, when allow, a pass that keeps
// the note. Nothing to compare is never evidence of a pass by itself.
func missing(why string, allow bool) (pass bool, message string) {
	if allow {
		return true, why + " (accepted by --allow-missing)"
	}
	return false, why + "; pass --allow-missing to accept"
}

// missingFromRun adds a missingCheck for each configuration of in's
// baseline that the run (configurations order) did not measure at all.
func (v *Verdict) missingFromRun(in Input, order []string) {
	names := make([]string, 0, len(in.Baseline.Configs))
	for name := range in.Baseline.Configs {
		if !slices.Contains(order, name) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		v.add(missingCheck(name, "configuration in the baseline but not in this run", in.AllowMissing))
	}
}

// baselineNames lists b's configurations, sorted, comma-separated.
func baselineNames(b *Baseline) string {
	names := make([]string, 0, len(b.Configs))
	for name := range b.Configs {
		names = append(names, name)
	}
	sort.Strings(names)
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// experimentCheck is the verdict's note on a baseline of another
// experiment (otherExperiment): a passing check when
// AllowOtherExperiment, else a failing one (Run refuses such a baseline
// before, see Refusal). ok is false when the experiments agree.
func experimentCheck(in Input) (c Check, ok bool) {
	why := otherExperiment(in)
	if why == "" {
		return Check{}, false
	}
	c = Check{Name: "baseline experiment", Metric: "experiment", Measured: in.Experiment, Limit: "the same experiment",
		Baseline: in.Baseline.experiment(), Pass: in.AllowOtherExperiment}
	if in.AllowOtherExperiment {
		c.Message = why + " (compared as --allow-other-experiment asks)"
	} else {
		c.Message = why + "; pass --allow-other-experiment to compare"
	}
	return c, true
}

package gate

import (
	"fmt"
	"math"
	"sort"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/report/significance"
	"github.com/loadlab/loadlab/slo"
)

// DefaultAlpha is the significance level of baseline comparisons when
// Input.Alpha is 0.
const DefaultAlpha = 0.05

// alpha is in's significance level: Alpha, or DefaultAlpha when unset.
func (in Input) alpha() float64 {
	if in.Alpha > 0 {
		return in.Alpha
	}
	return DefaultAlpha
}

// compare adds, for configuration name whose records are recs, one check
// per toleranced metric at the level the baseline holds for it (see
// baselineLevel) and one for capacity; a configuration the baseline does
// not hold is a missing one (missingCheck).
func (v *Verdict) compare(in Input, name string, recs []record.Record) {
	base, ok := in.Baseline.Configs[name]
	if !ok {
		v.add(missingCheck(name, "configuration not in the baseline (it holds "+baselineNames(in.Baseline)+"): nothing to compare", in.AllowMissing))
		return
	}
	l := baselineLevel(base, modelOf(recs))
	steps := stepsAtLevel(recs, l)
	if len(steps) == 0 {
		why := stoppedBelow(name, l, recs)
		if why == "" {
			why = levelMiss(name, l, recs)
		}
		v.add(Check{Name: name + ": baseline level", Config: name, Metric: "baseline", Measured: "no step", Limit: l.String(),
			Pass: false, Message: why})
	} else {
		v.saturation(name, steps)
		var pairs []record.Record // the baseline's steps of this level, when measured beside the run's
		if recs, ok := in.Pairs[name]; ok {
			pairs = stepsAtLevel(recs, l)
			v.saturation(name+" ("+record.VersionChampion+")", pairs) // each version had its own generator
		}
		metrics := make([]string, 0, len(in.Tolerance.Metrics))
		for m := range in.Tolerance.Metrics {
			metrics = append(metrics, m)
		}
		sort.Strings(metrics)
		for _, metric := range metrics {
			if _, held := base.samples(metric); in.Tolerance.WhereHeld[metric] && !held {
				continue
			}
			v.add(regression(in, name+": "+metric+" vs baseline at "+l.String(), name, metric, base, steps, pairs))
		}
	}
	if in.Tolerance.CapacitySteps >= 0 {
		cur := in.Capacity[name]
		step := base.Step
		if step <= 0 {
			step = in.Step[name]
		}
		limit := capacityFloor(ladder(in.Records), base.Capacity, in.Tolerance.CapacitySteps, step)
		v.add(Check{Name: name + ": capacity vs baseline", Config: name, Metric: "capacity",
			Measured: fmtLoad(cur), Limit: "≥ " + fmtLoad(limit), Baseline: fmtLoad(base.Capacity),
			Delta: signed(cur-base.Capacity, ""), Pass: cur >= limit})
	}
}

// regression is the check of metric against the baseline base on steps
// (the run's steps at the baseline's level, every repeat). The regression
// is the change of the medians in the bad direction beyond the tolerance:
// relative for every metric but error_rate, which is in absolute points.
// When both sides have at least 2 values and their sizes can reach the
// significance level (significance.Change.Testable), the check fails only
// when the data show the change beyond the tolerance itself: the one-sided
// Mann-Whitney U test of the run against the baseline moved to its limit
// (significance.BeyondP), p < alpha, and the change itself is significant
// (the two-sided test the delta's "~" reports), so that a failing check
// never prints "~". A change that is merely significant
// (not zero) but whose medians only drifted past the limit on a noisy
// machine passes as noise. Otherwise the check is judged on the medians
// alone and its delta says so. With pairs (the baseline's steps measured
// beside the run's, see Input.Pairs) the repeats are compared pair by pair
// instead when enough of them pair up (significance.Pairable):
// significance.PairedChange and PairedBeyondP, Wilcoxon's signed-rank test.
func regression(in Input, checkName, name, metric string, base BaselineMetrics, steps, pairs []record.Record) Check {
	tol := in.Tolerance.Metrics[metric]
	cond, _ := slo.ParseCondition(metric + "<1")
	check := Check{Name: checkName, Config: name, Metric: metric}
	m := measure(steps, metric)
	refs, ok := base.samples(metric)
	switch {
	case !m.ok():
		check.Measured, check.Limit, check.Message = m.text(cond.Format), "a measured value", m.message()
		check.Baseline = "not measured"
		if ok {
			check.Baseline = cond.Format(record.Median(refs))
		}
		return check
	case !ok:
		// Nothing to compare fails, as a configuration missing from the
		// baseline does, unless missing is allowed.
		check.Measured, check.Limit, check.Baseline = cond.Format(m.value), "-", "not measured"
		check.Pass, check.Message = missing("the baseline has no "+metric+" (not measured there: re-record it to compare)", in.AllowMissing)
		return check
	}
	var c significance.Change
	beyond := significance.BeyondP
	if pb, pc, ok := paired(pairs, steps, metric); ok && significance.Pairable(len(pc), in.alpha()) {
		refs, c, beyond = pb, significance.PairedChange(pb, pc, in.alpha()), significance.PairedBeyondP
		m.values, m.value = pc, record.Median(pc)
	} else {
		c = significance.Compare(refs, m.values, in.alpha())
	}
	ref, cur := c.Base.Median, m.value
	bound, higher := toleranceBound(cond.Kind, tol)
	limit := bound(ref)
	within := cur <= limit
	check.Limit = "≤ " + cond.Format(limit)
	if !higher {
		within = cur >= limit
		check.Limit = "≥ " + cond.Format(limit)
	}
	if c.Paired && cond.Kind != slo.KindRate && !math.IsNaN(c.Delta) {
		// Pairs: the change is the median of the pairs' ratios, and so is
		// what the tolerance holds (not the ratio of the two medians), and
		// what the limit column shows.
		within = bound(1) >= 1+c.Delta
		check.Limit = "pairs' median ≤ " + signed(100*(bound(1)-1), "%")
		if !higher {
			within = bound(1) <= 1+c.Delta
			check.Limit = "pairs' median ≥ " + signed(100*(bound(1)-1), "%")
		}
	}
	check.Measured, check.Baseline = cond.Format(cur), cond.Format(ref)
	check.Delta, check.Significant = changeText(cond.Kind, c), c.Significant
	if within || !c.Testable {
		check.Pass = within
		return check
	}
	p := beyond(refs, m.values, bound, higher)
	switch {
	case !c.Significant:
		check.Pass = true
		check.Message = fmt.Sprintf("beyond the tolerance, but the change itself is not significant at α=%g: noise", c.Alpha)
	case p >= c.Alpha:
		check.Pass = true
		check.Message = fmt.Sprintf("beyond the tolerance, but not significantly beyond it at α=%g (%s): noise", c.Alpha, significance.PText(p))
	default:
		check.Message = fmt.Sprintf("significantly beyond the tolerance at α=%g (%s)", c.Alpha, significance.PText(p))
	}
	return check
}

// paired returns metric's values of the steps that both the baseline's
// steps (pairs) and the run's measured, aligned by repeat and step (the
// same time window); ok is false without pairs, when a repeat and step
// appears twice on a side, or when fewer than 2 pair up.
func paired(pairs, steps []record.Record, metric string) (base, cur []float64, ok bool) {
	if len(pairs) == 0 {
		return nil, nil, false
	}
	type window struct{ repeat, step int }
	byWindow := map[window]float64{}
	for _, r := range pairs {
		w := window{r.Repeat, r.Step}
		if _, dup := byWindow[w]; dup {
			return nil, nil, false
		}
		if x, measured := slo.Measure(metric, r); measured {
			byWindow[w] = x
		}
	}
	seen := map[window]bool{}
	for _, r := range steps {
		w := window{r.Repeat, r.Step}
		if seen[w] {
			return nil, nil, false
		}
		seen[w] = true
		b, has := byWindow[w]
		x, measured := slo.Measure(metric, r)
		if has && measured {
			base, cur = append(base, b), append(cur, x)
		}
	}
	return base, cur, len(cur) >= 2
}

// toleranceBound is the limit that tolerance tol sets for a metric of kind
// k measured at b on the baseline, and whether a value above it (rather
// than below) is the bad side: relative for every kind but rates, which
// are in absolute points.
func toleranceBound(k slo.Kind, tol float64) (bound func(b float64) float64, worseIsHigher bool) {
	switch {
	case k.HigherIsBetter():
		return func(b float64) float64 { return b * (1 - tol) }, false
	case k == slo.KindRate:
		return func(b float64) float64 { return b + tol }, true
	}
	return func(b float64) float64 { return b * (1 + tol) }, true // latency, CPU per request
}

// changeText is the change c as a check's delta: significance.Change's
// words, with error_rate's change in absolute points ("+0.5 pts p=0.008
// n=5+5") since its tolerance is in points.
func changeText(k slo.Kind, c significance.Change) string {
	if k != slo.KindRate {
		return c.String()
	}
	pts := signed((c.Cur.Median-c.Base.Median)*100, " pts")
	switch {
	case c.Significant:
		return pts + " " + c.Note()
	case c.Testable:
		return "~ (" + c.Note() + ")"
	}
	return pts + " (" + c.Note() + ")"
}

// ladder is the sorted distinct offered loads (users or req/s) measured
// in the run, over every configuration (they share one ramp, and one that
// stopped early has not reached the upper rungs): the rungs a capacity
// can sit on.
func ladder(recs []record.Record) []float64 {
	return loads(recs, false)
}

// capacityFloor is the lowest capacity that stays within n steps of the
// baseline capacity base. Steps are counted as rungs of the run's ladder,
// so an uneven ramp (steps: [10, 25, 50, 100]) allows n rungs down, not n
// times the smallest gap; below the first rung the floor is 0 (the
// configuration may fail its first step). A base above the top rung (the
// run stopped early, or the baseline's ramp went further) counts as one
// rung above it: the rungs in between were never measured, so they cannot
// be granted. Without a ladder it falls back to base - n*step.
func capacityFloor(loads []float64, base float64, n int, step float64) float64 {
	if len(loads) == 0 {
		return base - float64(n)*step
	}
	i := sort.SearchFloat64s(loads, base) // first rung ≥ base; len(loads) above the top
	if i < len(loads) && loads[i] > base {
		i-- // between rungs: the highest rung below base; -1 below the ladder
	}
	if i-n < 0 {
		return 0
	}
	return loads[i-n]
}

func signed(f float64, unit string) string {
	return fmt.Sprintf("%+.1f%s", f, unit)
}

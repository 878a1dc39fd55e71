package report

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/slo"
)

// SaturationThroughput is the fraction of the expected throughput below
// which a step counts as saturated.
const SaturationThroughput = 0.9

// SaturationErrorRise is how far (as a fraction) a step's error rate must
// rise above the lowest load's to count as saturation.
const SaturationErrorRise = 0.01

// ConfigResult is the analysis of one configuration. Step indexes refer to
// Steps and are -1 when there is no such step.
type ConfigResult struct {
	Name   string        `json:"name"`
	Config record.Config `json:"config"`
	// Failure is why the configuration could not be measured at all, or
	// which of its repeats failed ("repeat 2 of 2 failed: deploy: …").
	Failure string `json:"failure,omitempty"`
	// NotRun is true for a planned configuration the run never reached
	// (it has no record at all, not even a failure).
	NotRun bool `json:"not_run,omitempty"`
	// CutShort says where the ramp was cut short, e.g. "cut short at 25
	// users (interrupted)"; empty when no step was.
	CutShort string `json:"cut_short,omitempty"`
	// Repeats counts the measured repeats.
	Repeats int          `json:"repeats"`
	Steps   []StepResult `json:"steps"`

	// Capacity is the highest offered load whose step meets the SLO with
	// every lower step meeting it too; generator-saturated steps are left
	// out. 0 when the lowest step already fails.
	Capacity float64 `json:"capacity"`
	// CapacityMin and CapacityMax are the smallest and largest capacity of
	// the individual repeats.
	CapacityMin float64 `json:"capacity_min"`
	CapacityMax float64 `json:"capacity_max"`
	// CapacityLowerBound is true when no trustworthy step breached the
	// SLO: the real capacity is at least Capacity.
	CapacityLowerBound bool `json:"capacity_lower_bound"`
	CapacityStep       int  `json:"capacity_step"`
	// BreakStep is the first trustworthy step that breached the SLO.
	BreakStep int `json:"break_step"`
	// MaxRPSInSLO is the highest median RPS among the steps up to capacity.
	MaxRPSInSLO float64 `json:"max_rps_in_slo"`

	// SaturationStep is the first step where throughput fell below
	// SaturationThroughput of what the offered load would give, or the
	// error rate rose; SaturationReason says which.
	SaturationStep   int    `json:"saturation_step"`
	SaturationReason string `json:"saturation_reason,omitempty"`

	// TargetStep is the first trustworthy step at or above the target.
	TargetStep    int  `json:"target_step"`
	ReachesTarget bool `json:"reaches_target"`

	// OOMKills and Restarts are summed over every step and repeat.
	OOMKills int `json:"oom_kills"`
	Restarts int `json:"restarts"`
	// Events are what happened to the replicas during the measured steps
	// (OOM kills, exits, restarts), oldest first, each with its step.
	Events []Event `json:"events,omitempty"`

	// CostCPUs is CPUs × replicas and CostMemoryBytes memory × replicas;
	// 0 means unlimited.
	CostCPUs        float64 `json:"cost_cpus"`
	CostMemoryBytes int64   `json:"cost_memory_bytes"`
	// Efficiency is MaxRPSInSLO per CPU of CostCPUs (0 when unlimited).
	Efficiency float64 `json:"rps_per_cpu"`
	// Scaling compares a multi-replica configuration with the
	// single-replica one of the same per-replica limits.
	Scaling *Scaling `json:"scaling,omitempty"`

	// Verdict is a short phrase for tables ("serves 10,000 users",
	// "fails at 6,500 users (p95 1.16 s)").
	Verdict string `json:"verdict"`

	// failed are the repeats that failed while others were measured.
	failed failedRepeats
	// repeatCaps holds the capacity of each measured repeat on its own (of
	// its capacity search, when it ran one), one value per repeat, in the
	// offered-load unit: CapacityMin and CapacityMax are its range, and
	// compare's statistics test it.
	repeatCaps []float64
}

// Scaling is the throughput within the SLO of a replica configuration
// relative to Replicas × the single-replica Base configuration.
type Scaling struct {
	Base       string  `json:"base"`
	Efficiency float64 `json:"efficiency"`
	// LowerBound is true when this configuration never breached the SLO,
	// so its throughput (and the efficiency) is a lower bound.
	LowerBound bool `json:"lower_bound"`
}

// Step returns step i, or false when i is -1.
func (c ConfigResult) Step(i int) (StepResult, bool) {
	if i < 0 || i >= len(c.Steps) {
		return StepResult{}, false
	}
	return c.Steps[i], true
}

// Approximate reports whether the limits were emulated (local runtime):
// the record says so, or, in a run recorded before records carried the
// flag, its runtime is local.
func (c ConfigResult) Approximate() bool {
	return c.Config.Approximate || c.Config.Runtime == "local"
}

// analyzeConfig analyses the records of one configuration.
// s judges the steps (empty: recorded verdicts); known names the conditions
// for phrasing breaches.
func analyzeConfig(name string, recs []record.Record, s, known slo.SLO, target float64) ConfigResult {
	c := ConfigResult{Name: name, Config: recs[0].Config, CapacityStep: -1, BreakStep: -1, SaturationStep: -1, TargetStep: -1, Steps: []StepResult{}}
	reps := record.SplitRepeats(recs)
	measured := slices.DeleteFunc(slices.Clone(recs), func(r record.Record) bool { return r.Failure != "" })
	if len(measured) > 0 {
		c.Config = measured[0].Config
	}
	c.Repeats = len(reps.Measured)
	c.CostCPUs = c.Config.CPUs * float64(max(c.Config.Replicas, 1))
	c.CostMemoryBytes = int64(c.Config.MemoryBytes) * int64(max(c.Config.Replicas, 1))
	if len(measured) == 0 {
		c.Failure = strings.Join(reps.Reasons(), "; ")
		c.Verdict = "failed: " + c.Failure
		return c
	}
	if c.failed = (failedRepeats{reps}); c.failed.any() {
		c.Failure = c.failed.failure()
	}

	c.Steps = combineSteps(measured, s)
	for _, st := range c.Steps {
		c.OOMKills += st.OOMKills
		c.Restarts += st.Restarts
	}
	c.Events = configEvents(measured, c.Steps)
	analyzeCapacity(&c)
	analyzeSaturation(&c)
	c.repeatCaps = repeatCapacities(measured, s)
	c.CapacityMin, c.CapacityMax = rangeOf(c.repeatCaps)
	searchCapacity(&c, measured)

	for i, st := range c.Steps {
		if !st.Untrustworthy && st.Offered >= target-1e-9 {
			c.TargetStep = i
			break
		}
	}
	c.ReachesTarget = c.CapacityStep >= 0 && c.Capacity >= target-1e-9
	c.CutShort = cutShort(c.Steps, measured)
	if c.CostCPUs > 0 {
		c.Efficiency = c.MaxRPSInSLO / c.CostCPUs
	}
	c.Verdict = verdict(c, known, target)
	return c
}

// analyzeCapacity walks the trustworthy steps upwards while they pass.
func analyzeCapacity(c *ConfigResult) {
	c.CapacityLowerBound = true
	for i, st := range c.Steps {
		if st.Untrustworthy {
			continue
		}
		if !st.Pass {
			c.BreakStep = i
			c.CapacityLowerBound = false
			break
		}
		c.CapacityStep, c.Capacity = i, st.Offered
		c.MaxRPSInSLO = math.Max(c.MaxRPSInSLO, st.RPS.Median)
	}
	if c.CapacityStep < 0 && c.BreakStep < 0 {
		// Nothing trustworthy at all.
		c.CapacityLowerBound = false
	}
}

// analyzeSaturation finds the first step where throughput stops following
// the offered load. Closed loop: expected RPS = users / (mean think time +
// the mean latency of the lowest trustworthy step); open loop: the rate.
// A step is saturated when its RPS is below SaturationThroughput of that,
// or its error rate rose SaturationErrorRise above the lowest step's and
// above the previous step's.
func analyzeSaturation(c *ConfigResult) {
	base := -1
	for i, st := range c.Steps {
		if !st.Untrustworthy {
			base = i
			break
		}
	}
	if base < 0 {
		return
	}
	baseLatS := c.Steps[base].Mean.median() / 1000
	baseErr := c.Steps[base].ErrorRate.Median
	prevErr := baseErr
	for i := range c.Steps {
		st := &c.Steps[i]
		switch st.Model {
		case record.ModelRate:
			st.ExpectedRPS = st.Offered
		default:
			if cycle := st.ThinkMeanS + baseLatS; cycle > 0 {
				st.ExpectedRPS = st.Offered / cycle
			}
		}
		if st.ExpectedRPS > 0 {
			st.Throughput = st.RPS.Median / st.ExpectedRPS
		}
		if st.Untrustworthy || c.SaturationStep >= 0 {
			continue
		}
		er := st.ErrorRate.Median
		switch {
		case st.ExpectedRPS > 0 && st.Throughput < SaturationThroughput:
			c.SaturationStep = i
			c.SaturationReason = fmt.Sprintf("throughput %s req/s is %.0f %% of the %s req/s the load would give",
				formatRPS(st.RPS.Median), st.Throughput*100, formatRPS(st.ExpectedRPS))
		case i != base && er >= baseErr+SaturationErrorRise && er > prevErr:
			c.SaturationStep = i
			c.SaturationReason = "error rate rose to " + formatPct(er)
		}
		prevErr = er
	}
}

// repeatCapacities computes the capacity of each repeat on its own, in
// repeat order.
func repeatCapacities(measured []record.Record, s slo.SLO) []float64 {
	byRepeat := map[int][]record.Record{}
	for _, r := range measured {
		byRepeat[r.Repeat] = append(byRepeat[r.Repeat], r)
	}
	var caps []float64
	for _, rep := range slices.Sorted(maps.Keys(byRepeat)) {
		rs := byRepeat[rep]
		sort.SliceStable(rs, func(i, j int) bool { return rs[i].Offered() < rs[j].Offered() })
		capacity := 0.0
		for _, r := range rs {
			if r.Generator.Saturated || r.Partial {
				continue
			}
			pass := r.SLO.Pass
			if len(s) > 0 {
				pass = s.Evaluate(r).Pass
			}
			pass = pass && r.Latency != nil // no answers never serves
			if !pass {
				break
			}
			capacity = r.Offered()
		}
		caps = append(caps, capacity)
	}
	return caps
}

// addScaling compares every multi-replica configuration with the
// single-replica configuration of the same per-replica limits and runtime.
func addScaling(cs []ConfigResult) {
	for i := range cs {
		c := &cs[i]
		if c.Config.Replicas <= 1 || len(c.Steps) == 0 {
			continue
		}
		for _, b := range cs {
			if b.Config.Replicas != 1 || b.Config.CPUs != c.Config.CPUs || b.Config.MemoryBytes != c.Config.MemoryBytes ||
				b.Config.Runtime != c.Config.Runtime || b.MaxRPSInSLO <= 0 || b.CapacityLowerBound {
				continue
			}
			c.Scaling = &Scaling{
				Base:       b.Name,
				Efficiency: c.MaxRPSInSLO / (float64(c.Config.Replicas) * b.MaxRPSInSLO),
				LowerBound: c.CapacityLowerBound,
			}
			break
		}
	}
}

// verdict is the short table phrase of a configuration.
func verdict(c ConfigResult, s slo.SLO, target float64) string {
	unit := unitOf(c.Steps)
	var v string
	brk, hasBreak := c.Step(c.BreakStep)
	switch {
	case c.CapacityStep < 0 && !hasBreak && c.CutShort != "":
		v = "no complete step: " + c.CutShort
	case c.CapacityStep < 0 && !hasBreak:
		v = "no trustworthy step"
	case c.CapacityStep < 0:
		v = fmt.Sprintf("misses the SLO from %s %s (%s)", formatCount(brk.Offered), unit, breachSummary(brk, s))
	case c.ReachesTarget:
		v = fmt.Sprintf("serves %s %s", formatCount(target), unit)
	case hasBreak:
		v = fmt.Sprintf("fails at %s %s (%s)", formatCount(brk.Offered), unit, breachSummary(brk, s))
	case c.CutShort != "":
		v = fmt.Sprintf("not tested beyond %s %s: %s", formatCount(c.Capacity), unit, c.CutShort)
	default:
		v = fmt.Sprintf("not tested beyond %s %s", formatCount(c.Capacity), unit)
	}
	if c.failed.any() {
		v = c.failed.prefix() + v
	}
	if c.Approximate() {
		v += "; approximate (local runtime)"
	}
	return v
}

// breachSummary names the first breached condition of a step with its
// measured value, e.g. "p95 1.16 s" or "errors 4.2 %".
func breachSummary(st StepResult, s slo.SLO) string {
	if st.NoAnswers {
		return NoAnswersText
	}
	for _, cond := range s {
		v, ok := slo.Measure(cond.Metric, st.median)
		if !ok {
			return cond.Metric + " not measured"
		}
		if cond.Holds(v) {
			continue
		}
		if cond.Kind.Milliseconds() {
			return cond.Metric + " " + formatMs(v)
		}
		return metricLabel(cond.Metric) + " " + formatKind(cond.Kind, v)
	}
	if len(st.Breaches) > 0 {
		b := st.Breaches[0]
		if i := strings.Index(b, " breaches "); i > 0 {
			return b[:i]
		}
		return b
	}
	return "p95 " + latencyText(st.P95)
}

func metricLabel(m string) string {
	switch m {
	case "error_rate":
		return "errors"
	case "ok_rps":
		return "ok rps"
	case slo.OutputTokensPerS:
		return "output"
	case slo.GoodputRPS:
		return "goodput"
	}
	return m
}

// unitOf names the offered-load unit of a configuration's steps.
func unitOf(steps []StepResult) string {
	if len(steps) > 0 && steps[0].Model == record.ModelRate {
		return "req/s"
	}
	return "users"
}

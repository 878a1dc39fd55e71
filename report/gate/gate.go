// Package gate turns a recorded run into a pass/fail verdict for CI:
// SLO thresholds evaluated on the recorded steps, and regressions against a
// stored baseline within tolerances. It is pure: records in, verdict out;
// rendering (terminal table, JUnit XML, Markdown step summary) is separate.
package gate

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/slo"
)

// Exit codes of `loadlab gate`.
const (
	ExitPass          = 0 // every gate passed
	ExitFail          = 1 // a gate failed
	ExitUsage         = 2 // bad flags or unreadable input
	ExitUntrustworthy = 3 // the run was incomplete or the generator saturated: no verdict on it
)

// Where the gates are evaluated.
const (
	AtTarget   = "target"   // the step at target users (default; the highest step when unknown)
	AtCapacity = "capacity" // each configuration's capacity step
	AtUsers    = "users"    // the step at Input.AtLoad users (or req/s)
)

// Input is everything a verdict is computed from.
type Input struct {
	Records []record.Record
	SLO     slo.SLO
	// At is AtTarget, AtCapacity or AtUsers; AtLoad the offered load for
	// AtUsers; TargetLoad the experiment's target load (users, or
	// requests per second for an open-loop run; 0 = unknown).
	At         string
	AtLoad     float64
	TargetLoad float64
	// Capacity is each configuration's capacity (offered load) and Step
	// its ramp step size, as computed by report.Analyze.
	Capacity map[string]float64
	Step     map[string]float64
	// Baseline, when set, is compared with Tolerance, for each
	// configuration at the level the baseline holds for it (whatever At
	// says), its per-repeat values tested at significance level Alpha (0
	// means DefaultAlpha). A configuration missing from either side fails
	// unless AllowMissing; a baseline of another experiment (Experiment
	// is the run's, "" when unknown) fails unless AllowOtherExperiment.
	Baseline   *Baseline
	Tolerance  Tolerance
	Alpha      float64
	Experiment string
	// Machine is the run's CPU model (environment.json's cpu_model; ""
	// when unknown): a baseline recorded on another one gets a note when a
	// CPU metric is compared (machineCheck).
	Machine              string
	AllowMissing         bool
	AllowOtherExperiment bool
	// Plan is what the run set out to measure (plan.json; nil when
	// unknown) and Torn the torn last line of steps.jsonl (nil when the
	// file is whole): with the records' partial steps they tell whether
	// the run is complete (record.Incomplete).
	Plan *record.Plan
	Torn *record.TornLine
	// Pairs, when set (AgainstVersion), holds the baseline's own records
	// by configuration: each of them was measured in the same time window
	// as the run's record of the same repeat, and the comparison pairs
	// them (significance.PairedChange) instead of comparing two samples.
	Pairs map[string][]record.Record
}

// Check is one evaluated gate. For a baseline comparison, Baseline and
// Measured are the two sides' medians over their repeats and Delta the
// change with its statistics (significance.Change's words, e.g. "+25.5%
// [+22.3%, +28.7%] p=0.008 n=5+5", "~ (p=0.42 n=5+5)", "+3.0% (n=1+5: no
// statistics)").
type Check struct {
	Name     string `json:"name"`   // e.g. "cpu1-mem1g-x2: p95<1s at 200 users"
	Config   string `json:"config"` // configuration name
	Metric   string `json:"metric"`
	Measured string `json:"measured"`
	Limit    string `json:"limit"`
	Baseline string `json:"baseline,omitempty"`
	Delta    string `json:"delta,omitempty"`
	Pass     bool   `json:"pass"`
	Message  string `json:"message,omitempty"`
	// Significant is true for a baseline comparison whose change is
	// statistically significant (significance.Change.Significant).
	Significant bool     `json:"significant,omitempty"`
	value       *float64 // measured value in canonical units, when there is one
}

// Verdict is the outcome of every check.
type Verdict struct {
	Checks []Check `json:"checks"`
	Pass   bool    `json:"pass"`
	// Untrustworthy lists why the data cannot be gated (see Untrusted:
	// failed configurations or repeats, an incomplete run; then a
	// saturated generator at a gated step); when non-empty the
	// exit code is ExitUntrustworthy whatever the checks say.
	Untrustworthy []string `json:"untrustworthy,omitempty"`
}

// ExitCode maps the verdict to the process exit code.
func (v Verdict) ExitCode() int {
	switch {
	case len(v.Untrustworthy) > 0:
		return ExitUntrustworthy
	case !v.Pass:
		return ExitFail
	}
	return ExitPass
}

// Evaluate computes the verdict: the thresholds at the point In.At
// selects, and the baseline comparison (see Input.Baseline).
func Evaluate(in Input) Verdict {
	v := Verdict{Pass: true}
	order, byConfig := record.ByConfig(in.Records)
	if in.Baseline != nil {
		if c, ok := experimentCheck(in); ok {
			v.add(c)
		}
		if c, ok := machineCheck(in); ok {
			v.add(c)
		}
	}
	for _, name := range order {
		recs := byConfig[name]
		if !slices.ContainsFunc(recs, func(r record.Record) bool { return r.Failure == "" }) {
			continue // failed in every repeat: nothing to check (Untrusted says why)
		}
		v.thresholds(in, name, recs)
		if in.Baseline != nil {
			v.compare(in, name, recs)
		}
	}
	if in.Baseline != nil {
		v.missingFromRun(in, order)
	}
	v.Untrustworthy = append(Untrusted(in.Records, in.Plan, in.Torn), v.Untrustworthy...)
	return v
}

// thresholds adds one check per SLO condition for configuration name,
// whose records are recs, at the point in selects.
func (v *Verdict) thresholds(in Input, name string, recs []record.Record) {
	at, label := point(in, name, recs)
	steps := stepsAt(recs, at)
	if len(steps) == 0 {
		highest := 0.0
		for _, r := range recs {
			highest = math.Max(highest, r.Offered())
		}
		for _, c := range in.SLO {
			v.add(Check{Name: fmt.Sprintf("%s: %s %s", name, c.Text, label), Config: name, Metric: c.Metric,
				Measured: "no step", Limit: c.Text, Pass: false,
				Message: fmt.Sprintf("no measured step at %s (the ramp reached %s)", fmtLoad(at), fmtLoad(highest))})
		}
		return
	}
	v.saturation(name, steps)
	for _, c := range in.SLO {
		m := measure(steps, c.Metric)
		check := Check{Name: fmt.Sprintf("%s: %s %s", name, c.Text, label), Config: name, Metric: c.Metric,
			Measured: m.text(c.Format), Limit: c.Text, Pass: m.ok() && c.Holds(m.value), Message: m.message()}
		if m.measured {
			check.value = &m.value
		}
		v.add(check)
	}
}

// saturation makes the verdict untrustworthy for each of steps (of
// configuration name) whose load generator was saturated, once per step.
func (v *Verdict) saturation(name string, steps []record.Record) {
	for _, r := range steps {
		if !r.Generator.Saturated {
			continue
		}
		why := fmt.Sprintf("%s: the load generator was saturated at %s (%s)", name, fmtLoad(r.Offered()), r.Generator.Warning)
		if !slices.Contains(v.Untrustworthy, why) {
			v.Untrustworthy = append(v.Untrustworthy, why)
		}
	}
}

func (v *Verdict) add(c Check) {
	if !c.Pass {
		v.Pass = false
	}
	v.Checks = append(v.Checks, c)
}

// point chooses the offered load the gates are evaluated at for one
// configuration, and says it in words.
func point(in Input, name string, recs []record.Record) (float64, string) {
	unit := unitOf(modelOf(recs))
	switch in.At {
	case AtCapacity:
		c := in.Capacity[name]
		return c, "at capacity (" + fmtLoad(c) + unit + ")"
	case AtUsers:
		return in.AtLoad, "at " + fmtLoad(in.AtLoad) + unit
	}
	if in.TargetLoad > 0 {
		return in.TargetLoad, "at " + fmtLoad(in.TargetLoad) + unit
	}
	highest := 0.0
	for _, r := range recs {
		if r.Failure == "" && !r.Partial {
			highest = math.Max(highest, r.Offered())
		}
	}
	return highest, "at the highest step (" + fmtLoad(highest) + unit + ")"
}

// stepsAt returns the complete measured steps at offered load at: a step
// cut short decides nothing (the run is incomplete, see Evaluate).
func stepsAt(recs []record.Record, at float64) []record.Record {
	var out []record.Record
	for _, r := range recs {
		if r.Failure == "" && !r.Partial && at > 0 && r.Offered() == at {
			out = append(out, r)
		}
	}
	return out
}

// measured is a metric of one step combined across its repeats.
type measured struct {
	// value is the median across repeats, in the metric's canonical unit,
	// and values the value of each step (repeat) in recorded order;
	// measured is false when a repeat has no value (a latency of a step
	// without answers, an _ok latency without successes).
	value    float64
	values   []float64
	measured bool
	// answered is false when a repeat received no response at all: such a
	// step fails every gate, whatever its other numbers say.
	answered bool
	inFlight int64
	// metric is the metric's name; why is slo.NotMeasured's reason for
	// the first repeat without a value ("" when every repeat has one).
	metric, why string
}

// measure combines metric across the repeats of one step.
func measure(recs []record.Record, metric string) measured {
	m := measured{measured: true, answered: true, metric: metric}
	vals := make([]float64, 0, len(recs))
	for _, r := range recs {
		x, ok := slo.Measure(metric, r)
		if !ok && m.why == "" {
			m.why = slo.NotMeasured(metric, r)
		}
		m.measured = m.measured && ok
		if r.Latency == nil {
			m.answered = false
			m.inFlight = max(m.inFlight, r.InFlight)
		}
		vals = append(vals, x)
	}
	m.value, m.values = record.Median(vals), vals
	return m
}

func (m measured) ok() bool { return m.measured && m.answered }

// successLatency reports whether m is a latency of successful requests
// (p95_ok), unmeasured only when no request succeeded.
func (m measured) successLatency() bool {
	k, _ := slo.KindOf(m.metric)
	return k == slo.KindLatency && strings.HasSuffix(m.metric, "_ok")
}

// text renders the measurement with format, or why there is none.
func (m measured) text(format func(float64) string) string {
	switch {
	case !m.answered && !m.measured:
		return "no answers"
	case !m.measured && m.successLatency():
		return "no successful answers"
	case !m.measured:
		return "not measured (" + m.why + ")"
	case !m.answered:
		return format(m.value) + " (no answers)"
	}
	return format(m.value)
}

// message explains a measurement that cannot pass; "" when it can.
func (m measured) message() string {
	switch {
	case !m.answered:
		return fmt.Sprintf("no response arrived in the measurement window (%d requests in flight at its end): an API that does not answer fails", m.inFlight)
	case !m.measured && m.successLatency():
		return "no request succeeded: there is no latency of successful requests to compare"
	case !m.measured:
		return m.why + ": " + m.metric + " has no value to compare, which fails"
	}
	return ""
}

func fmtLoad(f float64) string {
	return strconv.FormatFloat(f, 'f', -1, 64)
}

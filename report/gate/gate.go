// Package gate turns a recorded run into a pass/fail verdict for CI:
// SLO thresholds evaluated on the recorded steps, and regressions against a
// stored baseline within tolerances. It is pure: records in, verdict out;
// rendering (terminal table, JUnit XML, Markdown step summary) is separate.
package gate

import (
	"fmt"
	"math"
	"sort"
	"strconv"

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
	// AtUsers; TargetUsers the experiment's target (0 = unknown).
	At          string
	AtLoad      float64
	TargetUsers float64
	// Capacity is each configuration's capacity (offered load) and Step
	// its ramp step size, as computed by report.Analyze.
	Capacity map[string]float64
	Step     map[string]float64
	// Baseline, when set, is compared with Tolerance.
	Baseline  *Baseline
	Tolerance Tolerance
}

// Check is one evaluated gate.
type Check struct {
	Name     string   `json:"name"`   // e.g. "cpu1-mem1g-x2: p95<1s at 200 users"
	Config   string   `json:"config"` // configuration name
	Metric   string   `json:"metric"`
	Measured string   `json:"measured"`
	Limit    string   `json:"limit"`
	Baseline string   `json:"baseline,omitempty"`
	Delta    string   `json:"delta,omitempty"`
	Pass     bool     `json:"pass"`
	Message  string   `json:"message,omitempty"`
	value    *float64 // measured value in canonical units, when there is one
}

// Verdict is the outcome of every check.
type Verdict struct {
	Checks []Check `json:"checks"`
	Pass   bool    `json:"pass"`
	// Untrustworthy lists why the data cannot be gated (saturated
	// generator, partial steps, failed configurations); when non-empty the
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

// Evaluate computes the verdict.
func Evaluate(in Input) Verdict {
	v := Verdict{Pass: true}
	order, byConfig := record.ByConfig(in.Records)
	for _, name := range order {
		recs := byConfig[name]
		if recs[0].Failure != "" && len(recs) == 1 {
			v.Untrustworthy = append(v.Untrustworthy, fmt.Sprintf("%s: configuration failed: %s", name, recs[0].Failure))
			continue
		}
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
			continue
		}
		for _, r := range steps {
			switch {
			case r.Generator.Saturated:
				v.Untrustworthy = append(v.Untrustworthy, fmt.Sprintf("%s: the load generator was saturated at %s (%s)", name, fmtLoad(r.Offered()), r.Generator.Warning))
			case r.Partial:
				v.Untrustworthy = append(v.Untrustworthy, fmt.Sprintf("%s: the step at %s was cut short (%s)", name, fmtLoad(r.Offered()), r.StopReason))
			}
		}
		for _, c := range in.SLO {
			m := median(steps, c.Metric)
			v.add(Check{Name: fmt.Sprintf("%s: %s %s", name, c.Text, label), Config: name, Metric: c.Metric,
				Measured: c.Format(m), Limit: c.Text, Pass: c.Holds(m), value: &m})
		}
		if in.Baseline != nil {
			v.compare(in, name, label, steps)
		}
	}
	if len(order) == 0 {
		v.Untrustworthy = append(v.Untrustworthy, "the run has no recorded steps")
	}
	return v
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
	unit := " users"
	if len(recs) > 0 && recs[0].Load.Model == record.ModelRate {
		unit = " req/s"
	}
	switch in.At {
	case AtCapacity:
		c := in.Capacity[name]
		return c, "at capacity (" + fmtLoad(c) + unit + ")"
	case AtUsers:
		return in.AtLoad, "at " + fmtLoad(in.AtLoad) + unit
	}
	if in.TargetUsers > 0 {
		return in.TargetUsers, "at " + fmtLoad(in.TargetUsers) + unit
	}
	highest := 0.0
	for _, r := range recs {
		if r.Failure == "" {
			highest = math.Max(highest, r.Offered())
		}
	}
	return highest, "at the highest step (" + fmtLoad(highest) + unit + ")"
}

func stepsAt(recs []record.Record, at float64) []record.Record {
	var out []record.Record
	for _, r := range recs {
		if r.Failure == "" && at > 0 && r.Offered() == at {
			out = append(out, r)
		}
	}
	return out
}

// median is the median of metric across repeats of the same step.
func median(recs []record.Record, metric string) float64 {
	vals := make([]float64, 0, len(recs))
	for _, r := range recs {
		x, _ := slo.Measure(metric, r)
		vals = append(vals, x)
	}
	sort.Float64s(vals)
	n := len(vals)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return vals[n/2]
	}
	return (vals[n/2-1] + vals[n/2]) / 2
}

func fmtLoad(f float64) string {
	return strconv.FormatFloat(f, 'f', -1, 64)
}

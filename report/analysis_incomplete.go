package report

import (
	"slices"
	"strings"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/slo"
)

// withPlan adds a "not run" result for every configuration of plan that
// has no record in recs (record.NotRun), and orders the configurations as
// planned (those outside the plan, if any, after them in their recorded
// order). Without a plan cs is returned as is.
func withPlan(cs []ConfigResult, recs []record.Record, plan *record.Plan) []ConfigResult {
	if plan == nil {
		return cs
	}
	for _, cfg := range record.NotRun(recs, plan) {
		cs = append(cs, notRun(cfg))
	}
	rank := func(name string) int {
		if i := slices.IndexFunc(plan.Configs, func(c record.Config) bool { return c.Name == name }); i >= 0 {
			return i
		}
		return len(plan.Configs)
	}
	slices.SortStableFunc(cs, func(a, b ConfigResult) int { return rank(a.Name) - rank(b.Name) })
	return cs
}

// markUnfinished sets CutShort, and the verdict, of each measured
// configuration whose ramp ended before the plan's last step without a
// stop reason in some repeat (record.Unfinished: the process was killed
// between steps): its capacity is where the run ended, not where the
// ramp found it.
func markUnfinished(cs []ConfigResult, recs []record.Record, plan *record.Plan, known slo.SLO, target float64) {
	if plan == nil {
		return
	}
	for i := range cs {
		c := &cs[i]
		if c.NotRun || c.CutShort != "" || len(c.Steps) == 0 {
			continue
		}
		for rep := range max(plan.Repeat, 1) {
			if record.Unfinished(recs, plan, c.Name, rep) == "" {
				continue
			}
			c.CutShort = "cut off after " + formatCount(c.Steps[len(c.Steps)-1].Offered) + " " + unitOf(c.Steps) + " (the run ended between steps)"
			c.Verdict = verdict(*c, known, target)
			break
		}
	}
}

// notRun is the result of a planned configuration the run never reached:
// no steps, no capacity, verdict "not run".
func notRun(cfg record.Config) ConfigResult {
	return ConfigResult{
		Name: cfg.Name, Config: cfg, NotRun: true, Steps: []StepResult{},
		CapacityStep: -1, BreakStep: -1, SaturationStep: -1, TargetStep: -1,
		CostCPUs:        cfg.CPUs * float64(max(cfg.Replicas, 1)),
		CostMemoryBytes: int64(cfg.MemoryBytes) * int64(max(cfg.Replicas, 1)),
		Verdict:         "not run",
	}
}

// cutShort describes where a configuration's ramp was cut short: "cut
// short at 25 users (interrupted)"; "" when no step was.
func cutShort(steps []StepResult, recs []record.Record) string {
	for _, st := range steps {
		if !st.Partial {
			continue
		}
		why := "partial step"
		for _, r := range recs {
			if r.Partial && r.Offered() == st.Offered && r.StopReason != "" {
				why = r.StopReason
				break
			}
		}
		return "cut short at " + formatCount(st.Offered) + " " + unitOf(steps) + " (" + why + ")"
	}
	return ""
}

// incompleteNote is the recommendation's caveat for an incomplete run:
// which configurations were not run or cut short (but except, already
// said), so that what they would serve is unknown; "" for a complete run.
func incompleteNote(a Analysis, except string) string {
	if len(a.Incomplete) == 0 {
		return ""
	}
	var notRun, cut []string
	for _, c := range a.Configs {
		switch {
		case c.NotRun:
			notRun = append(notRun, c.Name)
		case c.CutShort != "" && !c.ReachesTarget && c.Name != except:
			cut = append(cut, c.Name+" was "+c.CutShort)
		}
	}
	var parts []string
	if len(cut) > 0 {
		parts = append(parts, strings.Join(cut, ", "))
	}
	switch len(notRun) {
	case 0:
	case 1:
		parts = append(parts, notRun[0]+" was not run")
	default:
		parts = append(parts, strings.Join(notRun[:len(notRun)-1], ", ")+" and "+notRun[len(notRun)-1]+" were not run")
	}
	if len(parts) == 0 {
		return "The run is incomplete: " + strings.TrimSuffix(a.Incomplete[0], ".") + "."
	}
	they := "what they would serve is unknown"
	if len(notRun)+len(cut) == 1 {
		they = "what it would serve is unknown"
	}
	return "The run is incomplete (" + strings.Join(parts, "; ") + "): " + they + "."
}

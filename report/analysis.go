package report

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/report/rollout"
	"github.com/loadlab/loadlab/slo"
)

// Analysis is the capacity answer of one run, computed from its records by
// Analyze. It holds no rendering decisions beyond the recommendation
// sentence; every renderer reads it.
type Analysis struct {
	Title string   `json:"title"`
	Runs  []string `json:"runs"`
	// StartedAt is the first step's start; EndedAt the last step's end.
	StartedAt time.Time `json:"started_at"`
	EndedAt   time.Time `json:"ended_at"`
	// Model is record.ModelUsers, record.ModelRate or "mixed"; Unit names
	// the offered load: "users" or "req/s".
	Model string `json:"model"`
	Unit  string `json:"unit"`
	// Streaming is true when a measured step of the run had streamed
	// responses (record.Stream): the tables then show TTFT, TPOT and
	// tokens/s and the report draws StreamPlots. False (and absent from
	// JSON) otherwise, and the reports are those of any other run.
	Streaming bool `json:"streaming,omitempty"`
	// SLO is the expression every step was judged by; empty when the
	// steps' recorded verdicts were used (SLOSource says which).
	SLO       string `json:"slo"`
	SLOSource string `json:"slo_source"`
	// judgeSLO judges the steps (nil: recorded verdicts); sloConds are the
	// conditions known for display: judgeSLO, or those named by recorded
	// breaches.
	judgeSLO slo.SLO
	sloConds slo.SLO
	// Target is the offered load the capacity question asks about
	// (target_users, or the highest offered load when none was given).
	Target      float64        `json:"target"`
	TargetGiven bool           `json:"target_given"`
	Configs     []ConfigResult `json:"configs"`
	// Incomplete says why the recorded steps are not the whole run, one
	// sentence each (record.Incomplete): a torn last line, steps cut
	// short, planned configurations or repeats never measured. Empty for a
	// complete run. Reports say it at the top; gates refuse such a run.
	Incomplete []string `json:"incomplete"`
	// Recommendation answers the capacity question; after a limit search,
	// with the cheapest minimal configuration it found.
	Recommendation Recommendation `json:"recommendation"`
	// Search is what the run's searches found (capacity searches within
	// configurations, a limit search across them); nil for a run without
	// a search.
	Search *SearchReport `json:"search,omitempty"`
	// Projection estimates what no searched configuration could serve on
	// this machine; nil unless a finished limit search found nothing that
	// serves the target. Never a measurement.
	Projection *Projection `json:"projection,omitempty"`
	// Warnings list what makes parts of the answer less trustworthy
	// (generator-saturated steps, cut-short steps, failed configurations,
	// emulated limits, replicas that were OOM-killed, exited or
	// restarted), one sentence each.
	Warnings []string `json:"warnings"`
	// Experiment and Environment are carried through from the Input.
	Experiment  string         `json:"-"`
	Environment map[string]any `json:"environment,omitempty"`
	// Rollouts are a rollout experiment's verdicts (report/rollout.Judge),
	// one per rollout in the order measured; nil for other runs.
	Rollouts []rollout.Verdict `json:"rollouts,omitempty"`

	// records are the raw steps, for the timeline and steps.csv.
	records []record.Record
	// rollouts is the rollout experiment's data behind Rollouts, for
	// report.html's plots; nil for other runs.
	rollouts *Rollouts
}

// Config returns the result of the configuration called name.
func (a Analysis) Config(name string) (ConfigResult, bool) {
	for _, c := range a.Configs {
		if c.Name == name {
			return c, true
		}
	}
	return ConfigResult{}, false
}

// Analyze computes the per-configuration results and the recommendation.
// It is pure: the same Input always gives the same Analysis.
func Analyze(in Input) Analysis {
	a := Analysis{Title: in.Title, Environment: in.Environment, Experiment: string(in.Experiment), Warnings: []string{}, records: in.Records}
	a.judgeSLO, a.sloConds = in.SLO, in.SLO
	if len(in.SLO) > 0 {
		a.SLO, a.SLOSource = in.SLO.String(), "slo"
	} else {
		a.SLOSource = "recorded verdicts"
		a.sloConds = recordedConditions(in.Records)
		a.SLO = a.sloConds.String()
	}

	if in.Rollouts != nil {
		a.Rollouts, a.rollouts = in.Rollouts.Verdicts(), in.Rollouts
	}
	plan := searchPlan(in.Plan, in.Records, in.Search != nil)
	order, byConfig := record.ByConfig(in.Records)
	a.Runs, a.StartedAt, a.EndedAt = runSpan(in.Records)
	if a.Title == "" && len(a.Runs) > 0 {
		a.Title = a.Runs[0]
	}
	a.Model, a.Unit = modelOf(in.Records)
	a.Streaming = hasStreams(in.Records)

	maxOffered := 0.0
	for _, r := range in.Records {
		if r.Failure == "" && r.Offered() > maxOffered {
			maxOffered = r.Offered()
		}
	}
	// Without a target the question is the highest load the run set out
	// to offer (its plan's last step), else the highest it measured.
	a.Target, a.TargetGiven = float64(in.TargetLoad), in.TargetLoad > 0
	if !a.TargetGiven {
		a.Target = maxOffered
		if plan != nil && len(plan.Steps) > 0 {
			a.Target = slices.Max(plan.Steps)
		}
	}

	for _, name := range order {
		a.Configs = append(a.Configs, analyzeConfig(name, byConfig[name], a.judgeSLO, a.sloConds, a.Target))
	}
	a.Configs = withPlan(a.Configs, in.Records, plan)
	markUnfinished(a.Configs, in.Records, plan, a.sloConds, a.Target)
	a.Incomplete = append([]string{}, record.Incomplete(in.Records, plan, in.Torn)...)
	addScaling(a.Configs)
	a.Search = analyzeSearches(in, a)
	a.Incomplete = append(a.Incomplete, searchIncomplete(a.Search, a.Unit)...)
	a.Recommendation = recommend(a)
	searchRecommendation(&a)
	a.Warnings = append(a.Warnings, searchWarnings(in, a)...)
	a.Warnings = append(a.Warnings, warnings(a)...)
	return a
}

// recordedConditions recovers the SLO conditions named by the recorded
// breaches ("p95 1.80s breaches p95<1s"), in order of first appearance.
func recordedConditions(recs []record.Record) slo.SLO {
	var out slo.SLO
	seen := map[string]bool{}
	for _, r := range recs {
		for _, b := range r.SLO.Breaches {
			_, text, ok := strings.Cut(b, " breaches ")
			if !ok || seen[text] {
				continue
			}
			seen[text] = true
			if c, err := slo.ParseCondition(text); err == nil {
				out = append(out, c)
			}
		}
	}
	return out
}

// runSpan returns the distinct run ids (in order of appearance) and the
// time from the first step's start to the last step's end.
func runSpan(recs []record.Record) (runs []string, start, end time.Time) {
	seen := map[string]bool{}
	for _, r := range recs {
		if r.Run != "" && !seen[r.Run] {
			seen[r.Run] = true
			runs = append(runs, r.Run)
		}
		if r.Failure != "" || r.StartedAt.IsZero() {
			continue
		}
		if start.IsZero() || r.StartedAt.Before(start) {
			start = r.StartedAt
		}
		if e := stepEnd(r); e.After(end) {
			end = e
		}
	}
	return runs, start, end
}

// stepEnd is when a step's measurement window closed.
func stepEnd(r record.Record) time.Time {
	return r.StartedAt.Add(time.Duration(r.WindowS * float64(time.Second)))
}

// modelOf returns the run's load model and the unit of its offered load.
func modelOf(recs []record.Record) (model, unit string) {
	users, rate := 0, 0
	for _, r := range recs {
		if r.Failure != "" {
			continue
		}
		if r.Load.Model == record.ModelRate {
			rate++
		} else {
			users++
		}
	}
	switch {
	case rate > 0 && users > 0:
		return "mixed", "users or req/s"
	case rate > 0:
		return record.ModelRate, "req/s"
	}
	return record.ModelUsers, "users"
}

// warnings collects the run-level caveats, one sentence each.
func warnings(a Analysis) []string {
	var out []string
	if a.SLOSource != "slo" {
		out = append(out, "No SLO expression was given: steps are judged by the verdicts recorded with them"+
			map[bool]string{true: ".", false: " (conditions seen in their breaches: " + a.SLO + ")."}[a.SLO == ""])
	}
	if a.Model == "mixed" {
		out = append(out, "The run mixes closed-loop (users) and open-loop (req/s) steps; offered loads are not comparable across them.")
	}
	for _, c := range a.Configs {
		switch {
		case c.failed.any():
			out = append(out, c.failed.warnings(c.Name)...)
		case c.Failure != "":
			out = append(out, fmt.Sprintf("%s could not be measured: %s", c.Name, c.Failure))
		}
		if c.Approximate() {
			out = append(out, fmt.Sprintf("%s: approximate (local runtime): its limits were emulated, not enforced by Docker.", c.Name))
		}
		for _, s := range c.Steps {
			for _, n := range s.Warnings {
				out = append(out, fmt.Sprintf("%s at %s %s: %s", c.Name, formatCount(s.Offered), a.Unit, n))
			}
		}
		out = append(out, eventWarnings(c)...)
	}
	return out
}

// costLess orders configurations by cost: total CPUs, then total memory,
// then replicas, then name. Unlimited (0) CPUs or memory cost the most.
func costLess(a, b ConfigResult) bool {
	if ac, bc := costKey(a.CostCPUs), costKey(b.CostCPUs); ac != bc {
		return ac < bc
	}
	if am, bm := costKey(float64(a.CostMemoryBytes)), costKey(float64(b.CostMemoryBytes)); am != bm {
		return am < bm
	}
	if a.Config.Replicas != b.Config.Replicas {
		return a.Config.Replicas < b.Config.Replicas
	}
	return a.Name < b.Name
}

func costKey(v float64) float64 {
	if v <= 0 {
		return 1e300
	}
	return v
}

// byCost returns the configurations sorted cheapest first.
func byCost(cs []ConfigResult) []ConfigResult {
	out := append([]ConfigResult(nil), cs...)
	sort.SliceStable(out, func(i, j int) bool { return costLess(out[i], out[j]) })
	return out
}

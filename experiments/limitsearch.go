package experiments

import (
	"context"
	"fmt"
	"strconv"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/scenarios"
	"github.com/loadlab/loadlab/search"
	"github.com/loadlab/loadlab/slo"
)

// runSearch runs the limit search of e (e.Search, defaults applied)
// instead of a list of configurations: it asks search.NextTrial for the
// next configuration until the search is done, runs each as one trial
// (deploy, warm-up, a few approach steps up to target_users and one step
// at it; a capacity search for a TrialCapacity trial), judges the trial's
// records with search.TrialOf and logs one line per trial. Every record is
// appended to w the moment it is measured, marked with its trial
// (record.Search.Trial, and Probe: the trial's number within its replica
// count). A trial that fails to deploy is a failed trial; Ctrl-C stops
// the search and keeps every record; the cooldown separates trials as it
// separates configurations.
func (r *Runner) runSearch(ctx context.Context, e Experiment, verdict slo.SLO, w *record.Writer, res *Result) error {
	l := *e.Search
	target := float64(e.TargetUsers)
	var trials []search.Trial
	names := map[string]int{}    // configuration name → times used
	perReplicas := map[int]int{} // replica count → trials so far
	// The search ends each replica count within its trial budget; this
	// guard only stops a search that would not.
	limit := l.TrialBudget() * max(len(l.Replicas), 1)
	for n := 0; ; n++ {
		d := search.NextTrial(l, trials)
		if d.Done {
			break
		}
		if n >= limit {
			return fmt.Errorf("limit search: no answer after %d trials (at most %d per replica count): stopping", n, l.TrialBudget())
		}
		if n > 0 && e.Cooldown > 0 {
			if err := r.cooldown(ctx, e.Cooldown, res); err != nil {
				return err
			}
		}
		cfg := d.Config
		cfg.Replicas = max(cfg.Replicas, 1)
		cfg.Name = uniqueName(cfg.AutoName(), names)
		perReplicas[cfg.Replicas]++
		tr := &trialRun{
			phase:   d.Phase,
			probe:   perReplicas[cfg.Replicas],
			planner: trialPlanner(e.Scenario, target, verdict, d.Phase),
		}
		if d.Note != "" {
			fmt.Fprintf(r.Log, "%s: %s\n", trialText(tr.probe, cfg.Replicas, d.Phase), d.Note)
		}
		// Trial n+1 of a search whose length is not known (n: 0).
		c := &configRun{r: r, e: e, verdict: verdict, cfg: cfg, i: n, n: 0, w: w, trial: tr}
		if err := r.runRepeat(ctx, c, res); err != nil {
			return err
		}
		t := search.TrialOf(tr.recs, target, verdict)
		trials = append(trials, t)
		res.Trials++
		fmt.Fprintf(r.Log, "%s\n", trialLine(tr.probe, d.Phase, cfg, t))
	}
	return nil
}

// trialRun is what one trial of a limit search adds to a configuration's
// run: the planner of its steps, the marks of its records and the records
// themselves, kept for its verdict.
type trialRun struct {
	// phase is the trial's kind (search.TrialCPU, TrialRecheck,
	// TrialMemory, TrialCapacity); probe its 1-based number among the
	// trials of its replica count.
	phase   string
	probe   int
	planner scenarios.Planner
	// recs are the trial's records as appended, failure included.
	recs []record.Record
}

// mark stamps rec as a record of this trial: Search.Trial is its phase
// and, on a step of the limit search (not a capacity search's probe,
// which numbers its own), Search.Probe the trial's number. A record the
// planner left unmarked (a failure record) becomes the trial's deciding
// step.
func (t *trialRun) mark(rec *record.Record) {
	if rec.Search == nil {
		rec.Search = &record.Search{Kind: record.SearchLimits, Phase: record.PhaseTrial}
		if rec.Failure != "" {
			rec.Search.Verdict = record.VerdictFail
		}
	} else {
		s := *rec.Search // the planner's copy is its own
		rec.Search = &s
	}
	rec.Search.Trial = t.phase
	if rec.Search.Kind != record.SearchCapacity {
		rec.Search.Kind = record.SearchLimits
		rec.Search.Probe = t.probe
	}
}

// firstLoad is the load of the trial's first step (users, or requests/s
// under model rate; 0 when it plans none), where its warm-up runs: the
// scenario of a limit search has no levels of its own.
func (t *trialRun) firstLoad(s scenarios.Scenario) float64 {
	st, ok := t.planner.Next(nil)
	switch {
	case !ok:
		return 0
	case s.WithDefaults().Model == record.ModelRate:
		return st.Rate
	}
	return float64(st.Users)
}

// capacityTrial is the capacity search a TrialCapacity trial runs at the
// largest limits, for the projection beyond this machine: from
// target/16 (at least 1) up to target, to within 10 %.
func capacityTrial(target float64) search.Capacity {
	return search.Capacity{
		From:       max(1, float64(int(target/16))),
		Max:        target,
		Resolution: search.Resolution{Value: 10, Percent: true},
	}
}

// searchPeak is the most users (or requests/s) a run of e may offer beyond
// its scenario's own plan: a limit search's target_users (its trials and
// its capacity search go up to it); 0 for an experiment of listed
// configurations.
func (e Experiment) searchPeak() int {
	if e.Search == nil {
		return 0
	}
	return e.TargetUsers
}

// uniqueName is name, or, when used before, name-r2, name-r3…
func uniqueName(name string, used map[string]int) string {
	used[name]++
	if n := used[name]; n > 1 {
		return name + "-r" + strconv.Itoa(n)
	}
	return name
}

// trialLine is the log line of one judged trial of phase: "trial 3 (1
// replica): 0.25 CPU × 512 MiB → pass: p95 412ms at 10,000 users", the
// phase named when it is not a step of the CPU search ("trial 5 (1
// replica, recheck): …", see trialText); for a TrialCapacity trial the
// capacity it measured.
func trialLine(probe int, phase string, cfg record.Config, t search.Trial) string {
	verdict := "fail"
	switch {
	case t.Untrusted:
		verdict = "untrusted"
	case t.Pass:
		verdict = "pass"
	}
	line := fmt.Sprintf("%s: %s → ", trialText(probe, cfg.Replicas, phase), cfg.Limits(" × "))
	if phase == search.TrialCapacity && t.Capacity > 0 && t.Why != "" {
		return line + t.Why // the capacity measured, not a verdict
	}
	line += verdict
	if t.Why != "" {
		line += ": " + t.Why
	}
	return line
}

// trialText names trial probe of its replica count in log and progress
// lines: "trial 3 (1 replica)", and for a trial that is not a step of
// the CPU search its phase: "trial 5 (2 replicas, recheck)".
func trialText(probe, replicas int, phase string) string {
	what := record.ReplicasText(max(replicas, 1))
	if phase != "" && phase != search.TrialCPU {
		what += ", " + phase
	}
	return fmt.Sprintf("trial %d (%s)", probe, what)
}

// describeSearch renders a limit search for the console: "CPU per replica
// 0.05–2 by 0.05 (bisect), memory 512 MiB, replicas 1, 2".
func describeSearch(l search.Limits) string {
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	mem := record.FormatBytes(float64(l.Memory.Min))
	if !l.Memory.Fixed() {
		mem += "–" + record.FormatBytes(float64(l.Memory.Max))
	}
	reps := ""
	for i, r := range l.Replicas {
		if i > 0 {
			reps += ", "
		}
		reps += strconv.Itoa(r)
	}
	return fmt.Sprintf("CPU per replica %s–%s by %s (%s), memory %s, replicas %s",
		num(l.CPUs.Min), num(l.CPUs.Max), num(l.CPUs.Resolution), l.Strategy, mem, reps)
}

package agent

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/scenarios"
	"github.com/loadlab/loadlab/scenarios/engine"
)

// StartLead is how far ahead of its start a step is sent to the agents
// (they are waiting in a poll: the command reaches them in milliseconds).
const StartLead = 300 * time.Millisecond

// ResultGrace is how long after a step's planned end the controller
// waits for the agents' records before it calls the missing ones lost.
const ResultGrace = 5 * time.Second

// ErrAgentLost ends a ramp whose step lost an agent (see Run).
var ErrAgentLost = errors.New("load generation agent lost")

// Run ramps sc against urls on the controller's agents, as engine.Run
// ramps it in this process: the same options (Template, SLO, BaseDir,
// Seed, Hooks, Progress, Planner; Results is not supported), the same
// planner, verdict and stop conditions (engine.Rules), the same Outcome.
// Each step's record is the exact merge of the agents' records (see
// Merge). A step that lost an agent is emitted Partial, naming it, and
// Run returns an error wrapping ErrAgentLost. When ctx is cancelled the
// running step is emitted Partial with StopReason "interrupted" (holding
// only the records that had arrived) and Run returns an error wrapping
// ctx.Err() with Outcome.Interrupted set.
func (c *Controller) Run(ctx context.Context, sc scenarios.Scenario, urls []string, opt engine.Options) (engine.Outcome, error) {
	var out engine.Outcome
	if sc.Stability.Enabled {
		return out, errors.New("stability is not supported with several load generators: each would extend its own window")
	}
	if opt.Results != nil {
		return out, errors.New("saving results (--save-results) is not supported with several load generators")
	}
	rules, err := engine.NewRules(sc, opt)
	if err != nil {
		return out, err
	}
	sc = rules.Scenario()
	planner := rules.Planner(opt.Planner)
	if err := scenarios.PlannerErr(planner); err != nil {
		return out, err
	}
	first, ok := planner.Next(nil)
	if !ok {
		return out, errors.New("the plan has no steps: set ramp.from/to/by, ramp.steps or ramp.search")
	}
	toCheck := scenarios.Planned(planner)
	if toCheck == nil {
		toCheck = []scenarios.Step{first}
	}
	var errs []error
	for _, st := range toCheck {
		errs = append(errs, rules.CheckStep(st))
	}
	if err := errors.Join(errs...); err != nil {
		return out, err
	}
	agents, err := c.ready()
	if err != nil {
		return out, err
	}
	jobs, err := c.jobs(sc, rules, urls, opt.Seed, len(agents))
	if err != nil {
		return out, err
	}
	defer func() {
		for _, a := range agents {
			send(a, Command{Version: Version, Kind: KindStop})
		}
	}()
	r := &ramp{c: c, agents: agents, jobs: jobs, rules: rules, opt: opt, planner: planner, began: time.Now()}
	return r.run(ctx, first)
}

// ready returns the registered agents, all n of them, or an error.
func (c *Controller) ready() ([]*peer, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.agents) < c.n {
		return nil, fmt.Errorf("only %d of %d load generation agents registered", len(c.agents), c.n)
	}
	if c.lost != "" {
		return nil, fmt.Errorf("%w in an earlier ramp: %s", ErrAgentLost, strings.TrimPrefix(c.lost, ErrAgentLost.Error()+": "))
	}
	return append([]*peer(nil), c.agents...), nil
}

// jobs makes each agent's job of a new ramp of sc (defaults applied).
func (c *Controller) jobs(sc scenarios.Scenario, rules *engine.Rules, urls []string, seed int64, n int) ([]Job, error) {
	dir := sc.Dir
	if dir != "" {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return nil, fmt.Errorf("scenario directory: %w", err)
		}
		dir = abs
	}
	c.mu.Lock()
	c.job++
	id := c.job
	c.mu.Unlock()
	share := shareScenario(sc, n)
	jobs := make([]Job, n)
	for i := range jobs {
		jobs[i] = Job{ID: id, Scenario: share, BaseDir: dir, URLs: urls, Seed: seed + int64(i), SLO: rules.Verdict().String()}
	}
	return jobs, nil
}

// shareScenario is what one of n agents runs of sc: no ramp of its own
// (the controller plans), no stability, and its share of the spawn
// rate, of max_workers and of a shared pool (rounded up).
func shareScenario(sc scenarios.Scenario, n int) scenarios.Scenario {
	s := sc
	s.Ramp = scenarios.Ramp{}
	s.Stability = scenarios.Stability{}
	s.SpawnRate = sc.SpawnRate / float64(n)
	s.MaxWorkers = ceilDiv(sc.MaxWorkers, n)
	s.Pool = ceilDiv(sc.Pool, n)
	return s
}

func ceilDiv(a, n int) int { return (a + n - 1) / n }

// ShareStep is agent i's (of n) part of st: users ÷ n, the remainder to
// the first agents, or rate ÷ n; the step's index, hold and settle.
func ShareStep(st scenarios.Step, i, n int) scenarios.Step {
	s := scenarios.Step{Index: st.Index, Offset: st.Offset, Hold: st.Hold, Settle: st.Settle}
	s.Users = st.Users / n
	if i < st.Users%n {
		s.Users++
	}
	s.Rate = st.Rate / float64(n)
	return s
}

// ramp is one Run in progress.
type ramp struct {
	c       *Controller
	agents  []*peer
	jobs    []Job
	rules   *engine.Rules
	opt     engine.Options
	planner scenarios.Planner
	began   time.Time
	sent    bool // the jobs went out with the first step
}

func (r *ramp) run(ctx context.Context, first scenarios.Step) (engine.Outcome, error) {
	var out engine.Outcome
	searching := r.planner.Len() == 0
	var history []record.Record
	for st := first; ; {
		rec, interrupted, lost, err := r.step(ctx, st, len(history))
		if err != nil {
			return out, err
		}
		ectx := ctx
		if interrupted {
			var cancel context.CancelFunc
			ectx, cancel = context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
		}
		if r.opt.Hooks.Enrich != nil {
			r.opt.Hooks.Enrich(ectx, &rec)
		}
		r.rules.Judge(&rec)
		var next scenarios.Step
		more := false
		if !interrupted && !lost {
			if !rec.Partial && !searching {
				rec.StopReason = r.rules.StopReason(rec)
			}
			done := append(history, rec)
			next, more = r.planner.Next(done)
			rec = done[len(done)-1]
			if searching && !more && rec.StopReason == "" {
				rec.StopReason = engine.SearchDone(rec, len(done))
			}
		}
		if r.opt.Hooks.Emit != nil {
			if err := r.opt.Hooks.Emit(rec); err != nil {
				return out, fmt.Errorf("emit step %d: %w", st.Index, err)
			}
		}
		out.Steps = append(out.Steps, rec)
		history = append(history, rec)
		r.progress(st, rec, len(history))
		switch {
		case interrupted:
			out.StopReason, out.Interrupted = engine.StopInterrupted, true
			return out, fmt.Errorf("ramp interrupted during step %d: %w", st.Index, ctx.Err())
		case lost:
			out.StopReason = rec.StopReason
			r.c.mu.Lock()
			r.c.lost = rec.StopReason
			r.c.mu.Unlock()
			return out, fmt.Errorf("step %d: %w: %s", st.Index, ErrAgentLost, strings.TrimPrefix(rec.StopReason, ErrAgentLost.Error()+": "))
		case rec.StopReason != "":
			out.StopReason = rec.StopReason
			return out, nil
		case !more:
			return out, nil
		}
		if err := r.rules.CheckStep(next); err != nil {
			return out, fmt.Errorf("planned %w", err)
		}
		st = next
	}
}

// step runs st on every agent and returns its merged record (no verdict
// yet), whether ctx was cancelled during it and whether an agent was lost.
func (r *ramp) step(ctx context.Context, st scenarios.Step, done int) (record.Record, bool, bool, error) {
	n := len(r.agents)
	start := time.Now().Add(StartLead)
	shares := make([]Share, n)
	for i, a := range r.agents {
		share := ShareStep(st, i, n)
		shares[i] = Share{Agent: a.Hello, Step: share}
		cmd := Command{Version: Version, Kind: KindStep, Step: &StepShare{Job: r.jobs[i].ID, Step: share, Start: start}}
		if !r.sent {
			job := r.jobs[i]
			cmd.Job = &job
		}
		send(a, cmd)
	}
	r.sent = true

	interrupted := false
	windowAt := start.Add(st.Settle)
	deadline := start.Add(st.Hold + ResultGrace)
	end := start.Add(st.Hold)
	hooked := r.opt.Hooks.WindowStart == nil
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	missing := n
	for missing > 0 && !interrupted {
		wait := time.Until(deadline)
		if !hooked {
			wait = time.Until(windowAt)
		}
		timer := time.NewTimer(max(wait, 0))
		select {
		case <-ctx.Done():
			interrupted = true
		case <-timer.C:
			if !hooked {
				hooked = true
				r.opt.Hooks.WindowStart(ctx, st)
			} else if !time.Now().Before(deadline) {
				missing = -1 // the rest are lost
			}
		case <-tick.C:
			r.tick(st, done, end)
		case res := <-r.c.results:
			if i := r.index(res); i >= 0 && res.Job == r.jobs[i].ID && res.Step == st.Index && shares[i].Record == nil && shares[i].Lost == "" {
				if r.c.observe != nil {
					r.c.observe(res)
				}
				if res.Error != "" {
					shares[i].Lost = "its engine stopped: " + res.Error
				} else {
					rec := res.Record
					shares[i].Record = &rec
				}
				missing--
			}
		}
		timer.Stop()
	}
	lost := false
	for i := range shares {
		switch {
		case shares[i].Record != nil || shares[i].Lost != "":
		case interrupted:
			shares[i].Lost = "interrupted before its record arrived"
		default:
			shares[i].Lost = fmt.Sprintf("no record %s after the step's end", ResultGrace)
		}
		if shares[i].Record == nil && !interrupted {
			lost = true
		}
	}
	rec, err := Merge(shares)
	if err != nil {
		return rec, false, false, fmt.Errorf("step %d: %w", st.Index, err)
	}
	rec.Run, rec.Repeat, rec.Config = r.opt.Template.Run, r.opt.Template.Repeat, r.opt.Template.Config
	rec.Step = st.Index
	rec.StartedAt = start.UTC()
	rec.Load = r.rules.Load(st)
	if st.Search != nil {
		s := *st.Search
		rec.Search = &s
	}
	if interrupted {
		rec.Partial, rec.StopReason = true, engine.StopInterrupted
	}
	return rec, interrupted, lost, nil
}

// index is the position of res's agent, or -1.
func (r *ramp) index(res Result) int {
	for i, a := range r.agents {
		if a.Agent == res.Agent {
			return i
		}
	}
	return -1
}

// tick reports live progress while a step runs: time only, since the
// agents' figures arrive at the step's end (RPS 0, P95 -1).
func (r *ramp) tick(st scenarios.Step, done int, end time.Time) {
	if r.opt.Progress == nil {
		return
	}
	now := time.Now()
	r.opt.Progress(engine.Progress{
		Step: done + 1, Steps: r.planner.Len(), Users: st.Users, Rate: st.Rate,
		Elapsed: now.Sub(r.began), Remaining: max(end.Sub(now), 0), P95: -1,
	})
}

// progress reports a step's end with its merged figures.
func (r *ramp) progress(st scenarios.Step, rec record.Record, n int) {
	if r.opt.Progress == nil {
		return
	}
	pr := engine.StepDone(rec)
	pr.Step, pr.Steps, pr.Users, pr.Rate = n, r.planner.Len(), st.Users, st.Rate
	pr.Elapsed = time.Since(r.began)
	r.opt.Progress(pr)
}

package experiments

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/scenarios"
	"github.com/loadlab/loadlab/scenarios/engine"
	"github.com/loadlab/loadlab/target/runtime"
)

// versionPair is one configuration × repeat of a champion/challenger
// experiment: both versions deployed under the same limits, warmed up and
// ramped at the same time on their shares of the load, both torn down
// (always, also on error and cancellation).
type versionPair struct {
	champion, challenger *configRun
	lockstep             *lockstep
}

// newVersionPair makes the pair of c's configuration: the champion runs
// c's experiment, the challenger its challengerExperiment; each version's
// scenario is its share of the ramp (versionScenario).
func newVersionPair(c *configRun) *versionPair {
	champ, chall := *c, *c
	champ.cfg = versionConfig(c.cfg, VersionChampion)
	champ.e.Scenario = c.e.versionScenario(VersionChampion)
	chall.cfg = versionConfig(c.cfg, VersionChallenger)
	chall.e = c.e.challengerExperiment()
	chall.e.Scenario = c.e.versionScenario(VersionChallenger)
	// One progress line: the champion's (the challenger's runs beside it).
	r := *c.r
	r.Progress = nil
	chall.r = &r
	ls := newLockstep()
	champ.lockstep, chall.lockstep = ls.party(0), ls.party(1)
	return &versionPair{champion: &champ, challenger: &chall, lockstep: ls}
}

func (p *versionPair) label() string { return p.champion.cfg.BaseName() }

// run deploys both versions, warms both up and ramps both, and returns
// how many steps they appended together. Errors follow configRun.run: a
// *failure when a version could not be measured (the other's steps are
// kept), a *configStageError on interruption, any other error ends the run.
func (p *versionPair) run(ctx context.Context) (int, error) {
	champ, chall := p.champion, p.challenger
	champ.tmpl, chall.tmpl = champ.template(), chall.template()
	fmt.Fprintf(champ.r.Log, "%s (%s), repeat %d: deploying the champion and the challenger (%s of the load) with %s runtime\n",
		champ.position(engine.Progress{}).Where(), champ.cfg.Describe(), champ.rep+1, champ.e.Challenger.Weight, champ.r.Runtime.Name())
	d1, err := champ.deploy(ctx)
	if err != nil {
		return 0, p.failOther(chall, "deploy", "the champion did not deploy", err)
	}
	defer champ.teardown(ctx, d1)
	d2, err := chall.deploy(ctx)
	if err != nil {
		return 0, p.failOther(champ, "deploy", "the challenger did not deploy", err)
	}
	defer chall.teardown(ctx, d2)

	var werr [2]error
	both(func() { werr[0] = champ.warmUp(ctx, d1) }, func() { werr[1] = chall.warmUp(ctx, d2) })
	switch {
	case werr[0] != nil && werr[1] == nil:
		return 0, p.failOther(chall, "warm-up", "the champion's warm-up failed", werr[0])
	case werr[1] != nil && werr[0] == nil:
		return 0, p.failOther(champ, "warm-up", "the challenger's warm-up failed", werr[1])
	case werr[0] != nil:
		return 0, errors.Join(werr[:]...)
	}
	return p.ramp(ctx, d1, d2)
}

// ramp runs both ramps at once, in lockstep (see lockstep): a version's
// next step starts when both have ended the step before, enriched with
// their telemetry (whose cost differs by runtime: a Docker stats call
// takes about a second), and a ramp that ends early (a stop condition, a
// failure) ends the other's after the step it is running, which is
// measured in full.
func (p *versionPair) ramp(ctx context.Context, d1, d2 runtime.Deployment) (int, error) {
	p.lockstep.ctx = ctx
	var n [2]int
	var errs [2]error
	run := func(i int, c *configRun, d runtime.Deployment) func() {
		return func() {
			defer c.lockstep.leave()
			n[i], errs[i] = c.ramp(ctx, d)
		}
	}
	both(run(0, p.champion, d1), run(1, p.challenger, d2))
	total := n[0] + n[1]
	if ctx.Err() != nil {
		return total, &configStageError{StageRamp, ctx.Err()}
	}
	return total, errors.Join(errs[:]...)
}

// failOther records that version c was not measured (in stage) because
// the other failed (cause, why), and returns the pair's failure.
func (p *versionPair) failOther(c *configRun, stage, why string, cause error) error {
	var fe *failure
	if !errors.As(cause, &fe) {
		return cause // an interruption or a write error
	}
	if err := c.fail(stage, errors.New(why)); !errors.As(err, &fe) {
		return err // a write error
	}
	return cause
}

// both runs f and g at once and returns when both have.
func both(f, g func()) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		g()
	}()
	f()
	wg.Wait()
}

func (c *configRun) label() string { return c.cfg.Name }

// lockstep keeps the two versions' ramps on the same step boundaries and
// stops them together. Each version's engine runs a lockstepPlanner: when
// asked for the step after step i (its record enriched with telemetry and
// judged by the stop conditions), it waits until the other version has
// ended step i too, has left (its ramp returned) or ctx ends; when the
// other stopped there (a stop condition) or left, this ramp stops after
// step i as well, its record saying why. The load of a waiting version
// goes on meanwhile, outside any measurement window.
type lockstep struct {
	ctx     context.Context // the ramps' context; set before they start
	mu      sync.Mutex
	ended   [2]int    // steps each party has ended
	stopped [2]string // a party's stop reason at its last ended step
	left    [2]bool   // whose ramp has returned
	changed chan struct{}
}

func newLockstep() *lockstep {
	return &lockstep{ctx: context.Background(), changed: make(chan struct{})}
}

// lockstepParty is one side of a lockstep: 0 the champion, 1 the
// challenger.
type lockstepParty struct {
	l *lockstep
	i int
}

func (l *lockstep) party(i int) *lockstepParty { return &lockstepParty{l: l, i: i} }

// versionNames are the parties' names in stop reasons.
var versionNames = [2]string{VersionChampion, VersionChallenger}

// broadcast wakes every waiter; l.mu is held.
func (l *lockstep) broadcast() {
	close(l.changed)
	l.changed = make(chan struct{})
}

// options gives the ramp the party's planner around the scenario's plan.
func (p *lockstepParty) options(c *configRun, opts *engine.Options) {
	opts.Planner = &lockstepPlanner{inner: scenarios.Fixed(c.e.Scenario.Plan()), p: p}
}

// lockstepPlanner is a fixed plan whose Next waits for the other version
// (see lockstep); it is not pure, by design.
type lockstepPlanner struct {
	inner scenarios.Planner
	p     *lockstepParty
}

func (lp *lockstepPlanner) Len() int                { return lp.inner.Len() }
func (lp *lockstepPlanner) Steps() []scenarios.Step { return scenarios.Planned(lp.inner) }

func (lp *lockstepPlanner) Next(done []record.Record) (scenarios.Step, bool) {
	if len(done) == 0 {
		return lp.inner.Next(done)
	}
	last := &done[len(done)-1]
	if why := lp.p.endStep(last.Step, last.StopReason); why != "" && last.StopReason == "" {
		last.StopReason = why
		return scenarios.Step{}, false
	}
	return lp.inner.Next(done)
}

// endStep records that the party ended step with stop reason reason ("":
// it goes on) and waits for the other party; it returns why this ramp
// must stop with the other ("" when it may go on).
func (p *lockstepParty) endStep(step int, reason string) string {
	l, other := p.l, 1-p.i
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ended[p.i], l.stopped[p.i] = step+1, reason
	l.broadcast()
	for l.ended[other] <= step && !l.left[other] {
		ch := l.changed
		l.mu.Unlock()
		select {
		case <-ch:
		case <-l.ctx.Done():
		}
		l.mu.Lock()
		if l.ctx.Err() != nil {
			return ""
		}
	}
	switch {
	case l.ended[other] > step && l.ended[other] == step+1 && l.stopped[other] != "":
		return "stopped with the " + versionNames[other] + ": " + l.stopped[other]
	case l.ended[other] <= step:
		return "stopped with the " + versionNames[other] + ", whose ramp ended at step " + fmt.Sprint(l.ended[other])
	}
	return ""
}

// leave says the party's ramp has returned: the other waits no more.
func (p *lockstepParty) leave() {
	p.l.mu.Lock()
	defer p.l.mu.Unlock()
	p.l.left[p.i] = true
	p.l.broadcast()
}

package experiments

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/scenarios/engine"
	"github.com/loadlab/loadlab/target/runtime"
)

// versionPair is one configuration × repeat of a champion/challenger
// experiment: both versions deployed under the same limits, warmed up and
// ramped at the same time on their shares of the load, both torn down
// (always, also on error and cancellation).
type versionPair struct {
	champion, challenger *configRun
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
	return &versionPair{champion: &champ, challenger: &chall}
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
		return 0, p.failOther(chall, "the champion did not deploy", err)
	}
	defer champ.teardown(ctx, d1)
	d2, err := chall.deploy(ctx)
	if err != nil {
		return 0, p.failOther(champ, "the challenger did not deploy", err)
	}
	defer chall.teardown(ctx, d2)

	var werr [2]error
	both(func() { werr[0] = champ.warmUp(ctx, d1) }, func() { werr[1] = chall.warmUp(ctx, d2) })
	if err := errors.Join(werr[:]...); err != nil {
		return 0, err
	}
	return p.ramp(ctx, d1, d2)
}

// ramp runs both ramps at once, in lockstep: a version's next step starts
// when both have ended the step before (and been enriched with their
// telemetry, whose cost differs by runtime: a Docker stats call takes
// about a second). A ramp that ends before its plan's last
// step (a stop condition, a failure) stops the other: steps of the two
// keep sharing their time windows, and the other's running step is
// recorded as cut short.
func (p *versionPair) ramp(ctx context.Context, d1, d2 runtime.Deployment) (int, error) {
	rctx, stop := context.WithCancel(ctx)
	defer stop()
	planned := len(p.champion.e.Scenario.Plan())
	var n [2]int
	var errs [2]error
	run := func(i int, c *configRun, d runtime.Deployment) func() {
		return func() {
			n[i], errs[i] = c.ramp(rctx, d)
			c.lockstep.leave()
			if n[i] < planned || errs[i] != nil {
				stop()
			}
		}
	}
	both(run(0, p.champion, d1), run(1, p.challenger, d2))
	total := n[0] + n[1]
	if ctx.Err() != nil {
		return total, &configStageError{StageRamp, ctx.Err()}
	}
	for i, c := range []*configRun{p.champion, p.challenger} {
		var se *configStageError
		if errors.As(errs[i], &se) { // stopped by the other version
			fmt.Fprintf(c.r.Log, "config %s: ramp stopped with the other version's\n", c.cfg.Name)
			errs[i] = nil
		}
	}
	return total, errors.Join(errs[:]...)
}

// failOther records that version c was not measured because the other
// failed (cause), and returns the pair's failure.
func (p *versionPair) failOther(c *configRun, why string, cause error) error {
	var fe *failure
	if !errors.As(cause, &fe) {
		return cause // an interruption or a write error
	}
	if err := c.fail("deploy", errors.New(why)); !errors.As(err, &fe) {
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

// lockstep keeps the two versions' ramps on the same step boundaries: a
// party that has ended step i (its record enriched) waits, before its
// next step, until the other has ended step i too, has left (its ramp
// returned), or the context ends. The load of the waiting version goes on
// meanwhile, outside any measurement window.
type lockstep struct {
	mu      sync.Mutex
	ended   [2]int  // steps each party has ended
	left    [2]bool // whose ramp has returned
	changed chan struct{}
}

func newLockstep() *lockstep { return &lockstep{changed: make(chan struct{})} }

// lockstepParty is one side of a lockstep (0: champion, 1: challenger).
type lockstepParty struct {
	l *lockstep
	i int
}

func (l *lockstep) party(i int) *lockstepParty { return &lockstepParty{l: l, i: i} }

// broadcast wakes every waiter; l.mu is held.
func (l *lockstep) broadcast() {
	close(l.changed)
	l.changed = make(chan struct{})
}

// options makes the ramp's Enrich hook wait for the other party after
// enriching the record.
func (p *lockstepParty) options(opts *engine.Options) {
	enrich := opts.Hooks.Enrich
	opts.Hooks.Enrich = func(ctx context.Context, rec *record.Record) {
		if enrich != nil {
			enrich(ctx, rec)
		}
		p.endStep(ctx, rec.Step)
	}
}

// endStep records that step has ended and waits for the other party.
func (p *lockstepParty) endStep(ctx context.Context, step int) {
	l, other := p.l, 1-p.i
	l.mu.Lock()
	l.ended[p.i] = max(l.ended[p.i], step+1)
	l.broadcast()
	for l.ended[other] <= step && !l.left[other] {
		ch := l.changed
		l.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return
		}
		l.mu.Lock()
	}
	l.mu.Unlock()
}

// leave says the party's ramp has returned: the other waits no more.
func (p *lockstepParty) leave() {
	p.l.mu.Lock()
	defer p.l.mu.Unlock()
	p.l.left[p.i] = true
	p.l.broadcast()
}

package experiments

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"
	"time"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/report/rollout"
	"github.com/loadlab/loadlab/scenarios"
	"github.com/loadlab/loadlab/scenarios/engine"
	"github.com/loadlab/loadlab/target/runtime/balance"
	"github.com/loadlab/loadlab/target/runtime/swarm"
)

// rolloutStepHold is the length of the steps a held rollout load is cut
// into (steps.jsonl); the timeline has every second.
const rolloutStepHold = 2 * time.Second

// versionsEvery is how often the running tasks per version are sampled.
const versionsEvery = 500 * time.Millisecond

// rolloutPoll is how often the update's state is read.
const rolloutPoll = 250 * time.Millisecond

// rolloutTarget is what a rollout needs of a deployment;
// *swarm.Deployment has it.
type rolloutTarget interface {
	URLs() []string
	Update(ctx context.Context, image string, env map[string]string, p swarm.UpdatePolicy) error
	UpdateState(ctx context.Context) (state, message string, err error)
	Versions(ctx context.Context) (map[string]int, error)
}

// updateOver reports whether Swarm's update state is final.
func updateOver(state string) bool {
	switch state {
	case "completed", "paused", "rollback_completed", "rollback_paused":
		return true
	}
	return false
}

// heldRollout is one measured rollout: its window, the steps of the held
// load, and the balancer's connection counts.
type heldRollout struct {
	Window   rollout.Window
	Steps    []record.Record
	Balancer balance.Stats
	// Message is Swarm's last word on the update ("" when none).
	Message string
}

// measureRollout holds ro's load on dep through a balancer that follows
// its tasks (each once its healthPath answers 2xx), starts Swarm's update in order after ro.Lead, waits until
// the update is over (or ro.Timeout), keeps the load ro.Tail longer, and
// hands every second (named order, with the tasks per version) to second.
// sc is the experiment's scenario; tmpl is copied into each step record.
// An error of second ends the measurement with it.
func measureRollout(ctx context.Context, dep rolloutTarget, sc scenarios.Scenario, ro Rollout, order, healthPath string, tmpl record.Record, seed int64, second func(record.Second) error) (heldRollout, error) {
	ro = ro.WithDefaults()
	var res heldRollout
	res.Window.Name = order
	bal, err := balance.Start(dep.URLs, healthPath)
	if err != nil {
		return res, err
	}
	defer bal.Close()
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	err = bal.WaitReady(wctx)
	cancel()
	if err != nil {
		return res, fmt.Errorf("rollout %s: %w", order, err)
	}

	rctx, stopLoad := context.WithCancel(ctx)
	defer stopLoad()
	tasks := &versionSampler{}
	if err := tasks.sample(rctx, dep); err != nil {
		return res, fmt.Errorf("rollout %s: running tasks before the update: %w", order, err)
	}
	go tasks.run(rctx, dep)

	var mu sync.Mutex
	var over time.Time // when the update ended (or timed out); zero before
	var secondErr error
	done := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return secondErr != nil || (!over.IsZero() && time.Since(over) >= ro.Tail)
	}
	planner := &holdPlanner{users: ro.HoldUsers, rate: ro.HoldRate, hold: rolloutStepHold, done: done}
	opt := engine.Options{
		Template: tmpl, Seed: seed, Planner: planner,
		Second: func(s record.Second) {
			s.Rollout = order
			s.Tasks = tasks.latest()
			if err := second(s); err != nil {
				mu.Lock()
				if secondErr == nil {
					secondErr = err
				}
				mu.Unlock()
			}
		},
	}
	opt.Hooks.Emit = func(r record.Record) error {
		if planner.finished && !r.Partial {
			r.StopReason = "the rollout and its tail are over" // not a search's end
		}
		res.Steps = append(res.Steps, r)
		return nil
	}
	hold := sc
	hold.Stop = scenarios.Stop{}
	hold.Stability = scenarios.Stability{}
	type ran struct{ err error }
	loadDone := make(chan ran, 1)
	go func() {
		_, err := engine.Run(rctx, hold, []string{bal.URL()}, opt)
		loadDone <- ran{err}
	}()
	finish := func(err error) (heldRollout, error) {
		mu.Lock()
		if over.IsZero() {
			over = time.Now().Add(-ro.Tail)
		}
		mu.Unlock()
		if err != nil {
			stopLoad()
		}
		r := <-loadDone
		res.Balancer = bal.Stats()
		mu.Lock()
		serr := secondErr
		mu.Unlock()
		return res, errors.Join(err, r.err, serr)
	}

	select {
	case <-time.After(ro.Lead):
	case r := <-loadDone:
		loadDone <- r
		return finish(fmt.Errorf("rollout %s: the load ended before the update started", order))
	case <-ctx.Done():
		return finish(ctx.Err())
	}
	res.Window.Start = time.Now()
	if err := dep.Update(ctx, ro.To.Image, ro.To.Env, ro.policy(order)); err != nil {
		return finish(fmt.Errorf("rollout %s: %w", order, err))
	}
	deadline := res.Window.Start.Add(ro.Timeout)
	for {
		state, msg, err := dep.UpdateState(ctx)
		if err != nil {
			return finish(fmt.Errorf("rollout %s: %w", order, err))
		}
		res.Window.State, res.Message = state, msg
		now := time.Now()
		if updateOver(state) {
			res.Window.End = now
			break
		}
		if now.After(deadline) {
			res.Window.State = fmt.Sprintf("not over after %s (%s)", ro.Timeout, state)
			break
		}
		select {
		case <-time.After(rolloutPoll):
		case <-ctx.Done():
			return finish(ctx.Err())
		}
	}
	mu.Lock()
	over = time.Now()
	mu.Unlock()
	return finish(nil)
}

// versionSampler keeps the latest count of running tasks per version.
type versionSampler struct {
	mu  sync.Mutex
	cur map[string]int
}

func (v *versionSampler) sample(ctx context.Context, dep rolloutTarget) error {
	m, err := dep.Versions(ctx)
	if err != nil {
		return err
	}
	v.mu.Lock()
	v.cur = m
	v.mu.Unlock()
	return nil
}

// run samples every versionsEvery until ctx ends; a failed sample keeps
// the previous count.
func (v *versionSampler) run(ctx context.Context, dep rolloutTarget) {
	t := time.NewTicker(versionsEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_ = v.sample(ctx, dep)
		}
	}
}

// latest is a copy of the last count.
func (v *versionSampler) latest() map[string]int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return maps.Clone(v.cur)
}

// holdPlanner plans steps of one load level, hold long each, until done
// says the rollout and its tail are over. Its length is unknown (0).
type holdPlanner struct {
	users int
	rate  float64
	hold  time.Duration
	done  func() bool
	// finished is set when Next ended the ramp (read by the Emit hook,
	// which the engine calls after Next on the same goroutine).
	finished bool
}

func (p *holdPlanner) Next(done []record.Record) (scenarios.Step, bool) {
	if len(done) > 0 && p.done() {
		p.finished = true
		return scenarios.Step{}, false
	}
	return scenarios.Step{Index: len(done), Users: p.users, Rate: p.rate, Hold: p.hold, Offset: time.Duration(len(done)) * p.hold}, true
}

func (p *holdPlanner) Len() int { return 0 }

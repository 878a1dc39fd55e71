package experiments

import (
	"context"
	"fmt"
	"time"

	"github.com/loadlab/loadlab/scenarios"
	"github.com/loadlab/loadlab/scenarios/agent"
	"github.com/loadlab/loadlab/scenarios/engine"
)

// MaxGenerators bounds an experiment's generators:.
const MaxGenerators = 64

// generators: N (Experiment.Generators) spreads every step's load over N
// `loadlab agent` processes, each with its share (users ÷ N, rate ÷ N, its
// own seed), whose step records the controller merges exactly (package
// scenarios/agent). 0 or 1 (the default) is today's in-process generator,
// on which no agent code runs.

// generatorCount is the number of load generators (at least 1).
func (e Experiment) generatorCount() int { return max(e.Generators, 1) }

// generatorProblems checks generators: its range and what several
// generators cannot do yet.
func (e Experiment) generatorProblems() []FieldError {
	var ps []FieldError
	add := func(path, format string, a ...any) {
		ps = append(ps, FieldError{Field: path, Msg: fmt.Sprintf(format, a...)})
	}
	if e.Generators < 0 || e.Generators > MaxGenerators {
		add("generators", "must be from 1 to %d load generators (got %d)", MaxGenerators, e.Generators)
	}
	if e.generatorCount() > 1 {
		if e.Scenario.Stability.Enabled {
			add("generators", "stability (scenario.stability.enabled) is not supported with generators > 1: "+
				"each generator would extend its own window; disable stability or use generators: 1")
		}
		if e.Rollout != nil {
			add("generators", "generators > 1 is not supported with rollout: yet (the held load goes through one balancer "+
				"on this machine): use generators: 1")
		}
		if e.Scenario.Model == "" || e.Scenario.Model == "users" {
			if first := e.Scenario.FirstLoad(); first > 0 && first < float64(e.Generators) {
				add("generators", "%d generators for a first step of %g users leaves some without a user: use at most %g generators", e.Generators, first, first)
			}
		}
	}
	return ps
}

// startGenerators starts e's load generation agents when it asks for more
// than one (the Runner's Agents launcher, else local `loadlab agent`
// processes of r.Binary), waiting until they have registered; stop, which
// the caller must defer, tells them to exit and stops them (also after an
// error or Ctrl-C). With one generator nothing is started.
func (r *Runner) startGenerators(ctx context.Context, e Experiment) (stop func(), err error) {
	n := e.generatorCount()
	if n <= 1 {
		return func() {}, nil
	}
	l := r.Agents
	if l == nil {
		l = &agent.Local{Binary: r.Binary, Log: r.Log}
	}
	addr := "127.0.0.1:0"
	if la, ok := l.(interface {
		ListenAddr(context.Context) (string, error)
	}); ok {
		if addr, err = la.ListenAddr(ctx); err != nil {
			return nil, fmt.Errorf("generators: %w", err)
		}
	}
	t0 := time.Now()
	f, err := agent.Start(ctx, addr, n, l)
	if err != nil {
		return nil, fmt.Errorf("generators: %w", err)
	}
	fmt.Fprintf(r.Log, "generators: %d load generation agents registered in %s\n", n, time.Since(t0).Round(10*time.Millisecond))
	r.fleet = f
	return func() {
		r.fleet = nil
		if err := f.Close(); err != nil {
			fmt.Fprintf(r.Log, "generators: stopping the agents: %v\n", err)
		}
	}, nil
}

// agents is the launcher of the run's agents on rt: a Swarm service under
// the swarm runtime (listening on the manager's swarm address), nil (local
// processes) under the others.
func (rt *Runtime) agents(runID string) agent.Launcher {
	if rt == nil || rt.swarm == nil {
		return nil
	}
	return rt.swarm.Agents(runID, "")
}

// runRamp runs a ramp with the run's generators: the agents when the run
// has them, else the in-process engine.
func (r *Runner) runRamp(ctx context.Context, sc scenarios.Scenario, urls []string, opt engine.Options) (engine.Outcome, error) {
	if r.fleet != nil {
		return r.fleet.Run(ctx, sc, urls, opt)
	}
	return engine.Run(ctx, sc, urls, opt)
}

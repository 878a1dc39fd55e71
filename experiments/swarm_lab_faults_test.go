package experiments

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/scenarios/agent"
)

// taskKilled: the API task on n2 is killed (docker -H …n2.sock kill)
// 2 s into the second step of three; that step's record holds the task's
// exit event and Swarm's restart (a replacement in the slot,
// Target.Restarts), and the service heals: two tasks run again, one per
// node, the replacement answering /health at n2's address.
func (l labEnv) taskKilled(t *testing.T) {
	e := l.experiment(t, "lab-kill", `configs: [{name: victim, cpus: 0.5, memory: 64m, replicas: 2}]
scenario:
  model: users
  ramp: {steps: [4, 4, 4], hold: 10s, settle: 1s}
  think: {min: 20ms, max: 50ms}
slo: p95<2s
`)
	var (
		once               sync.Once
		done               = make(chan struct{})
		victim             string
		killedAt, healedAt time.Time
		faultErr           error
	)
	_, res, runErr, recs, log := l.run(t, "kill", e, func(run string, p RunProgress) {
		if p.Step.Step != 2 || p.Step.Elapsed < 2*time.Second {
			return
		}
		once.Do(func() {
			go func() {
				defer close(done)
				victim, killedAt, healedAt, faultErr = killAndHeal(run)
			}()
		})
	})
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("the kill never ran")
	}
	if faultErr != nil {
		t.Fatalf("kill the task on n2: %v\n%s", faultErr, log)
	}
	if len(recs) != 3 {
		t.Fatalf("run = %+v, %v, %d records; want 3 steps\n%s", res, runErr, len(recs), log)
	}
	rec := recs[1]
	var exits, restarts []record.Event
	for _, ev := range rec.Events {
		switch ev.Kind {
		case record.EventExit:
			exits = append(exits, ev)
		case record.EventRestart:
			restarts = append(restarts, ev)
		}
	}
	if len(exits) != 1 || len(restarts) != 1 || rec.Target == nil || rec.Target.Restarts != 1 {
		t.Errorf("step 1: events %+v, restarts %v; want one exit and one restart event, Target.Restarts 1", rec.Events, rec.Target)
	}
	for _, other := range []record.Record{recs[0], recs[2]} {
		if len(other.Events) > 0 {
			t.Errorf("step %d has events %+v: the kill was in step 1", other.Step, other.Events)
		}
	}
	if healedAt.IsZero() {
		t.Errorf("the service did not heal within 60 s of the kill")
	}
	t.Logf("killed %s on n2 at %s; healed (2 tasks, one per node, the replacement healthy) %s later; step 1 events: %+v; errors per step %d/%d/%d",
		victim, killedAt.Format("15:04:05.000"), healedAt.Sub(killedAt).Round(time.Millisecond), rec.Events,
		recs[0].Errors, recs[1].Errors, recs[2].Errors)
}

// killAndHeal kills run's API container on n2 and waits (at most 60 s)
// until the service again has one running task per node and the one on
// n2 answers /health at 10.213.0.2.
func killAndHeal(run string) (victim string, killedAt, healedAt time.Time, err error) {
	_, n2, err := onNodes(run, "victim")
	if err != nil || len(n2) != 1 {
		return "", killedAt, healedAt, fmt.Errorf("API containers on n2: %v (%w)", n2, err)
	}
	victim = n2[0]
	killedAt = time.Now()
	if _, err := labCmd("docker", "-H", labN2, "kill", victim); err != nil {
		return victim, killedAt, healedAt, err
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		time.Sleep(250 * time.Millisecond)
		host, n2, err := onNodes(run, "victim")
		if err != nil || len(host) != 1 || len(n2) != 1 || n2[0] == victim {
			continue
		}
		port, err := labCmd("docker", "-H", labN2, "port", n2[0], "8000/tcp")
		if err != nil {
			continue
		}
		hp := strings.Fields(port)
		if len(hp) == 0 {
			continue
		}
		p := hp[0][strings.LastIndexByte(hp[0], ':')+1:]
		if _, err := labCmd("curl", "-fsS", "-m", "2", "http://"+labWorker+":"+p+"/health"); err == nil {
			return victim, killedAt, time.Now(), nil
		}
	}
	return victim, killedAt, time.Time{}, nil
}

// agentKilled: with generators: 2, the agent container on n2 is killed
// 1.5 s into the second step; that step is partial and its stop reason
// names the agent, its share is marked lost, the other agent's share is
// kept, and the run reports the lost agent.
func (l labEnv) agentKilled(t *testing.T) {
	e := l.experiment(t, "lab-agent", `generators: 2
configs: [{name: api, cpus: 0.5, memory: 64m, replicas: 2}]
scenario:
  model: users
  ramp: {steps: [4, 4, 4], hold: 4s, settle: 1s}
  think: {min: 20ms, max: 50ms}
slo: p95<2s
`)
	var (
		once    sync.Once
		victim  string
		killErr error
		done    = make(chan struct{})
	)
	_, res, runErr, recs, log := l.run(t, "agent", e, func(run string, p RunProgress) {
		if p.Step.Step != 2 || p.Step.Elapsed < 1500*time.Millisecond {
			return
		}
		once.Do(func() {
			go func() {
				defer close(done)
				_, n2, err := onNodes(run, "load-generators")
				if err != nil || len(n2) != 1 {
					killErr = fmt.Errorf("agent containers on n2: %v (%w)", n2, err)
					return
				}
				victim, killErr = labCmd("docker", "-H", labN2, "inspect", "-f", `{{index .Config.Labels "com.docker.swarm.task.name"}}`, n2[0])
				if killErr == nil {
					_, killErr = labCmd("docker", "-H", labN2, "kill", n2[0])
				}
			}()
		})
	})
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatalf("the kill never ran\n%s", log)
	}
	if killErr != nil || victim == "" {
		t.Fatalf("kill the agent on n2 (%q): %v\n%s", victim, killErr, log)
	}
	if len(recs) != 2 {
		t.Fatalf("run = %+v, %v, %d records; want 2 (the ramp ends at the partial step)\n%s", res, runErr, len(recs), log)
	}
	if recs[0].Partial {
		t.Errorf("step 0 partial: %s", recs[0].StopReason)
	}
	last := recs[1]
	if !last.Partial || !strings.Contains(last.StopReason, victim) {
		t.Fatalf("step 1: partial %v, stop reason %q; want partial naming %s\n%s", last.Partial, last.StopReason, victim, log)
	}
	for _, g := range last.Generators {
		if g.ID == victim && (!g.Partial || g.Reason == "" || g.Requests != 0) {
			t.Errorf("the lost agent's share: %+v", g)
		}
		if g.ID != victim && (g.Partial || g.Requests == 0 || g.Requests != last.Requests) {
			t.Errorf("the surviving agent's share %+v, step requests %d", g, last.Requests)
		}
	}
	if !errors.Is(runErr, agent.ErrAgentLost) && !strings.Contains(log, victim) {
		t.Errorf("run error %v, log does not name the lost agent %s\n%s", runErr, victim, log)
	}
	t.Logf("step 1: partial, %q; run: %+v, %v", last.StopReason, res, runErr)
}

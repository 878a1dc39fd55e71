package experiments

import (
	"context"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/loadlab/loadlab/internal/testsrv"
	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/scenarios"
	"github.com/loadlab/loadlab/scenarios/agent"
	"github.com/loadlab/loadlab/scenarios/engine"
	"github.com/loadlab/loadlab/slo"
)

// mergedSpread: a configuration of 2 replicas, at most one per node, under
// the swarm runtime, ramped 4 then 8 users by generators: 2 launched as a
// Swarm service: one task of the API runs on each node, one agent on each
// node (their node IDs differ), every step's counts are the sum of the
// agents' and both replicas are measured (the task on n2 through its
// node's engine, swarm.node_engines).
func (l labEnv) mergedSpread(t *testing.T) {
	e := l.experiment(t, "lab-merged", `generators: 2
configs: [{name: spread, cpus: 0.5, memory: 64m, replicas: 2}]
scenario:
  model: users
  ramp: {steps: [4, 8], hold: 4s, settle: 1s}
  think: {min: 20ms, max: 50ms}
slo: p95<2s
`)
	var once sync.Once
	var hostTasks, n2Tasks []string
	var placeErr error
	res, runErr, recs, log := func() (Result, error, []record.Record, string) {
		_, res, err, recs, log := l.run(t, "merge", e, func(run string, p RunProgress) {
			if p.Step.Step == 1 && p.Step.Elapsed > time.Second {
				once.Do(func() { hostTasks, n2Tasks, placeErr = onNodes(run, "spread") })
			}
		})
		return res, err, recs, log
	}()
	if runErr != nil || res.Steps != 2 || len(res.Failed) > 0 || len(recs) != 2 {
		t.Fatalf("run = %+v, %v, %d records; want 2 steps\n%s", res, runErr, len(recs), log)
	}
	if placeErr != nil || len(hostTasks) != 1 || len(n2Tasks) != 1 {
		t.Errorf("API tasks running on the manager %v and on n2 %v (%v), want one on each", hostTasks, n2Tasks, placeErr)
	}
	for i, rec := range recs {
		if rec.Partial || rec.Requests == 0 || rec.Errors > 0 || len(rec.Generators) != 2 || rec.Config.Runtime != "swarm" {
			t.Fatalf("step %d: partial %v requests %d errors %d generators %+v runtime %q\n%s", i, rec.Partial, rec.Requests, rec.Errors, rec.Generators, rec.Config.Runtime, log)
		}
		g0, g1 := rec.Generators[0], rec.Generators[1]
		if nodeIDOf(g0.Node) == "" || nodeIDOf(g0.Node) == nodeIDOf(g1.Node) {
			t.Errorf("step %d: agents on nodes %q and %q, want two different node IDs", i, g0.Node, g1.Node)
		}
		if sum := g0.Requests + g1.Requests; sum != rec.Requests || g0.Requests == 0 || g1.Requests == 0 {
			t.Errorf("step %d: agents counted %d + %d, merged step %d", i, g0.Requests, g1.Requests, rec.Requests)
		}
		if g0.Users+g1.Users != rec.Load.Users {
			t.Errorf("step %d: agents' users %d + %d, step %d", i, g0.Users, g1.Users, rec.Load.Users)
		}
		h, err := hdrhistogram.Decode([]byte(rec.Histogram))
		if err != nil || h.TotalCount() != rec.Requests {
			t.Errorf("step %d: merged histogram holds %d values (%v), want %d", i, h.TotalCount(), err, rec.Requests)
		}
		tg := rec.Target
		if tg == nil || len(tg.Replicas) != 2 || len(tg.UnmeasuredReplicas) > 0 || tg.Replicas[0].CPUCores <= 0 || tg.Replicas[1].CPUCores <= 0 {
			t.Errorf("step %d: target telemetry %+v, want both replicas measured", i, tg)
		}
		t.Logf("step %d: %d users, %d requests = %s %d + %s %d, p95 %.1f ms", i, rec.Load.Users, rec.Requests,
			g0.Node, g0.Requests, g1.Node, g1.Requests, rec.Latency.P95)
	}
}

// truth: the merged steps against a single-histogram truth. The truth
// server runs in this process on the host's side of the lab's veth
// (10.213.0.1, which both nodes reach); two agents launched as the Swarm
// service (one per node) are driven by the scenarios/agent controller
// directly, since an experiment's swarm path deploys its own target and
// cannot point the agents at a URL. Each merged step's counts are the sum
// of the agents' and within one request per user of the server's own
// count in the window, and its p50/p95/p99 are within 1 % of one
// histogram of the server's own service times.
func (l labEnv) truth(t *testing.T) {
	srv := testsrv.NewTruth(t, labManager+":0", 50*time.Millisecond, 250*time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rt, err := SelectRuntime(ctx, "swarm", l.experiment(t, "lab-truth", "configs: [{name: x, replicas: 1}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	run := "labtruth"
	t.Cleanup(func() { assertLabRunRemoved(t, run) })
	launcher := rt.swarm.Agents(run, l.bin)
	addr, err := launcher.ListenAddr(ctx)
	if err != nil || !strings.HasPrefix(addr, labManager+":") {
		t.Fatalf("controller address %q (%v), want the manager's swarm address %s", addr, err, labManager)
	}
	f, err := agent.Start(ctx, addr, 2, launcher)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := f.Close(); err != nil {
			t.Errorf("close the agents: %v", err)
		}
	}()
	settle := time.Second
	sc := scenarios.Scenario{
		Name: "lab-truth", Model: record.ModelUsers, Think: scenarios.Think{None: true},
		Ramp:     scenarios.Ramp{Steps: []float64{6, 12}, Hold: 5 * time.Second, Settle: settle},
		Timeout:  5 * time.Second,
		Requests: []scenarios.RequestSpec{{Method: "GET", Path: "/work"}},
	}
	objective, err := slo.Parse("p95<1s")
	if err != nil {
		t.Fatal(err)
	}
	out, err := f.Run(ctx, sc, []string{srv.URL}, engine.Options{
		Template: record.Record{Run: run, Config: record.Config{Name: "truth"}}, SLO: objective, Seed: 7,
	})
	if err != nil || len(out.Steps) != 2 {
		t.Fatalf("ramp: %d steps, %v; want 2", len(out.Steps), err)
	}
	for i, rec := range out.Steps {
		users := []int{6, 12}[i]
		if rec.Partial || len(rec.Generators) != 2 || rec.Errors > 0 {
			t.Fatalf("step %d: partial %v (%s) errors %d generators %+v", i, rec.Partial, rec.StopReason, rec.Errors, rec.Generators)
		}
		g0, g1 := rec.Generators[0], rec.Generators[1]
		if nodeIDOf(g0.Node) == "" || nodeIDOf(g0.Node) == nodeIDOf(g1.Node) {
			t.Errorf("step %d: agents on nodes %q and %q, want two different node IDs", i, g0.Node, g1.Node)
		}
		if g0.Requests+g1.Requests != rec.Requests || rec.Successes != rec.Requests {
			t.Errorf("step %d: agents %d + %d, merged %d (successes %d)", i, g0.Requests, g1.Requests, rec.Requests, rec.Successes)
		}
		from := rec.StartedAt.Add(settle)
		to := from.Add(time.Duration(rec.WindowS * float64(time.Second)))
		truth := srv.Between(from, to)
		if d := int64(len(truth)) - rec.Requests; d > int64(users) || d < -int64(users) {
			t.Errorf("step %d: the server answered %d in the window, the merged step counts %d (more than %d apart)", i, len(truth), rec.Requests, users)
		}
		want := testsrv.Percentiles(truth)
		got := [3]float64{rec.Latency.P50, rec.Latency.P95, rec.Latency.P99}
		for k, name := range []string{"p50", "p95", "p99"} {
			if math.Abs(got[k]-want[k]) > 0.01*want[k] {
				t.Errorf("step %d %s: merged %.2f ms, the server's own service times %.2f ms (over 1 %% apart)", i, name, got[k], want[k])
			}
		}
		t.Logf("step %d: %d users, merged %d requests (%s %d + %s %d), server %d; p50/p95/p99 merged %.1f/%.1f/%.1f ms, truth %.1f/%.1f/%.1f ms",
			i, users, rec.Requests, g0.Node, g0.Requests, g1.Node, g1.Requests, len(truth), got[0], got[1], got[2], want[0], want[1], want[2])
	}
}

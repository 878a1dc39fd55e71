package experiments

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/loadlab/loadlab/internal/apitest"
	"github.com/loadlab/loadlab/internal/testsrv"
	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/scenarios"
	"github.com/loadlab/loadlab/scenarios/agent"
	"github.com/loadlab/loadlab/scenarios/engine"
	"github.com/loadlab/loadlab/target/runtime"
	"github.com/loadlab/loadlab/target/runtime/docker"
	"github.com/loadlab/loadlab/target/runtime/swarm"
)

// The benchmarks of issue 14 on the two-node lab, which the caller has
// brought up (scripts/bench-swarm.sh does, and takes it down again).
// Both nodes share this machine's cores: they measure overhead, not scale.

// labBenchConfigs are the configurations whose deploy → healthy time is
// compared (the docker and swarm runtimes' own benchmarks use the same).
var labBenchConfigs = []record.Config{
	{Name: "cpu0.5-mem512m-x1", CPUs: 0.5, MemoryBytes: 512 << 20, Replicas: 1},
	{Name: "cpu1-mem1g-x2", CPUs: 1, MemoryBytes: 1 << 30, Replicas: 2},
}

// needLab skips b unless LOADLAB_SWARM_LAB=1 (the lab is up).
func needLab(b *testing.B) {
	if os.Getenv("LOADLAB_SWARM_LAB") != "1" {
		b.Skip("needs the two-node lab up and LOADLAB_SWARM_LAB=1 (make bench-swarm)")
	}
}

// labSwarm is the swarm runtime on the lab: at most one task per node,
// n2's tasks sampled through its engine.
func labSwarm(b *testing.B) *swarm.Runtime {
	host, err := os.Hostname()
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rt, err := swarm.New(ctx, swarm.Options{MaxReplicasPerNode: 1, NodeEngines: map[string]string{host: labN2}})
	if err != nil {
		b.Fatal(err)
	}
	return rt
}

// BenchmarkLabDeploy is deploy → healthy and teardown per configuration
// under the swarm runtime on the lab (the ×2 configuration spread over both
// nodes) and under the docker runtime on the same engine, as
// deploy-s/op and teardown-s/op. Images are built before the timer.
//
//	LOADLAB_SWARM_LAB=1 go test -run '^$' -bench LabDeploy -benchtime 3x ./experiments
func BenchmarkLabDeploy(b *testing.B) {
	needLab(b)
	bin := apitest.Binary(b)
	sw := labSwarm(b)
	defer sw.Close()
	dk, err := docker.New(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	defer dk.Close()
	for _, rt := range []runtime.Runtime{sw, dk} {
		for i, cfg := range labBenchConfigs {
			b.Run(rt.Name()+"/"+cfg.Name, func(b *testing.B) {
				ctx := context.Background()
				spec := runtime.Spec{RunID: fmt.Sprintf("benchlab-%d-%s-%d", os.Getpid(), rt.Name(), i), Config: cfg, Binary: bin, HealthTimeout: time.Minute}
				if _, err := dk.ResolveImage(ctx, spec); err != nil {
					b.Fatal(err)
				}
				var deploy, teardown time.Duration
				for b.Loop() {
					start := time.Now()
					d, err := rt.Deploy(ctx, spec)
					if err != nil {
						b.Fatal(err)
					}
					mid := time.Now()
					if n := len(d.URLs()); n != cfg.Replicas {
						b.Errorf("%d URLs, want %d", n, cfg.Replicas)
					}
					if err := d.Close(ctx); err != nil {
						b.Fatal(err)
					}
					deploy += mid.Sub(start)
					teardown += time.Since(mid)
				}
				b.ReportMetric(deploy.Seconds()/float64(b.N), "deploy-s/op")
				b.ReportMetric(teardown.Seconds()/float64(b.N), "teardown-s/op")
			})
		}
	}
}

// BenchmarkLabAgents sends the same open-loop load (LOADLAB_BENCH_RATE
// requests/s, 400 by default, for LOADLAB_BENCH_HOLD, 10 s with 2 s
// settle) to the reference API deployed on the lab as 2 replicas, one per
// node (0.5 CPU each), from 1 agent and from 2 agents (one per node), the
// agents a Swarm service, and reports each one's rps and p95 (ms) of the
// merged step, so that 2 agents' merged result can be set against 1
// agent's at the same total load. LOADLAB_BENCH_ROUNDS (3) rounds, each
// 1 agent then 2.
//
//	LOADLAB_SWARM_LAB=1 go test -run '^$' -bench LabAgents -benchtime 1x ./experiments
func BenchmarkLabAgents(b *testing.B) {
	needLab(b)
	rate := 400.0
	if v, err := strconv.ParseFloat(os.Getenv("LOADLAB_BENCH_RATE"), 64); err == nil && v > 0 {
		rate = v
	}
	hold := 10 * time.Second
	if v, err := time.ParseDuration(os.Getenv("LOADLAB_BENCH_HOLD")); err == nil && v > 2*time.Second {
		hold = v
	}
	bin := apitest.Binary(b)
	sw := labSwarm(b)
	defer sw.Close()
	ctx := context.Background()
	run := fmt.Sprintf("benchagents-%d", os.Getpid())
	d, err := sw.Deploy(ctx, runtime.Spec{RunID: run, Binary: bin, HealthTimeout: time.Minute,
		Config: record.Config{Name: "api", CPUs: 0.5, MemoryBytes: 128 << 20, Replicas: 2}})
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close(ctx)
	// Two targets: the reference API's tasks (sub-millisecond answers:
	// p95 is scheduling noise of the shared cores), and a server in this
	// process on the manager's lab address answering in 20–40 ms, where
	// the merged p95 is the service time's, as in production APIs.
	fixed := testsrv.NewTruth(b, labManager+":0", 20*time.Millisecond, 40*time.Millisecond)
	targets := []struct {
		name string
		urls []string
	}{{"api", d.URLs()}, {"fixed20-40ms", []string{fixed.URL}}}
	sc := scenarios.Default()
	sc.Model = record.ModelRate
	sc.Ramp = scenarios.Ramp{Steps: []float64{rate}, Hold: hold, Settle: 2 * time.Second}
	rounds := 3
	if v, err := strconv.Atoi(os.Getenv("LOADLAB_BENCH_ROUNDS")); err == nil && v > 0 {
		rounds = v
	}
	for _, tg := range targets {
		for i := 0; i < 2*rounds; i++ {
			n := 1 + i%2 // 1 and 2 agents in turn, so that drift hits both
			urls := tg.urls
			b.Run(fmt.Sprintf("%s/agents=%d", tg.name, n), func(b *testing.B) {
				for b.Loop() {
					l := sw.Agents(run, bin)
					rctx, cancel := context.WithTimeout(ctx, hold+2*time.Minute)
					addr, err := l.ListenAddr(rctx)
					if err != nil {
						cancel()
						b.Fatal(err)
					}
					f, err := agent.Start(rctx, addr, n, l)
					if err != nil {
						cancel()
						b.Fatal(err)
					}
					out, err := f.Run(rctx, sc, urls, engine.Options{Seed: 1})
					cerr := f.Close()
					cancel()
					if err != nil || cerr != nil || len(out.Steps) != 1 || out.Steps[0].Latency == nil {
						b.Fatalf("agents=%d: %v, close %v (%d steps)", n, err, cerr, len(out.Steps))
					}
					s := out.Steps[0]
					b.ReportMetric(s.RPS, "rps")
					b.ReportMetric(s.Latency.P95, "p95_ms")
					b.ReportMetric(s.Latency.P50, "p50_ms")
					b.ReportMetric(float64(s.Errors), "errors")
					var nodes []string
					for _, g := range s.Generators {
						nodes = append(nodes, fmt.Sprintf("%s %.0f rps cpu %.0f%%", g.Node, g.RPS, g.CPUPct))
					}
					b.Logf("agents=%d at %v: %.1f rps, p50 %.2f ms, p95 %.2f ms, %d errors; %v", n, urls, s.RPS, s.Latency.P50, s.Latency.P95, s.Errors, nodes)
				}
			})
		}
	}
}

// Command fixturegen writes the recorded-run fixtures of package report's
// tests (report/testdata/*/steps.jsonl, experiment.yaml, environment.json)
// from a small closed-loop queueing model with deterministic noise. The
// fixtures are committed; rerun only to change them:
//
//	go run ./report/internal/fixturegen -out report/testdata
//
// The model: a configuration serves at most mu requests per second; users
// think 1–2.5 s (mean 1.75 s) between requests. Offered demand is
// users / (think + base latency); throughput bends smoothly into mu, and the
// response time is what Little's law leaves: users / throughput − think.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"hash/fnv"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/slo"
)

const (
	mib      = 1 << 20
	gib      = 1 << 30
	thinkMin = 1.0
	thinkMax = 2.5
	window   = 25.0 // seconds measured per step
	hold     = 30.0 // seconds per step, settle included
)

type model struct {
	cfg        record.Config
	mu         float64 // max throughput, req/s
	baseMs     float64 // service latency without queueing
	baseMemMiB float64 // per replica
	kibPerUser float64 // memory per connected user, per replica
	oomAtMiB   float64 // per-replica memory at which the kernel kills
}

type gen struct {
	rnd  *rand.Rand
	t    time.Time
	run  string
	slo  slo.SLO
	recs []record.Record
}

func (g *gen) noise(f float64) float64 { return 1 + f*(2*g.rnd.Float64()-1) }

// ramp records one repeat of a closed-loop ramp from 500 to 10,000 users,
// stopping after two consecutive SLO breaches. spike forces the generator
// to saturate at one load (0 for none).
func (g *gen) ramp(m model, repeat int, spike int) {
	breached := 0
	think := (thinkMin + thinkMax) / 2
	for step, users := 0, 500; users <= 10000; step, users = step+1, users+500 {
		n := float64(users)
		demand := n / (think + m.baseMs/1000)
		r := demand / m.mu
		x0 := demand / math.Pow(1+math.Pow(r, 8), 1.0/8)
		respS := math.Max(n/x0-think, m.baseMs/1000)
		x := x0 * g.noise(0.01)
		qMs := respS*1000 - m.baseMs
		p95 := (2*m.baseMs + 2.2*qMs) * g.noise(0.06)
		errRate := 0.001*g.noise(0.3) + 0.02*math.Pow(math.Max(0, respS-0.4), 1.2)

		perReplicaUsers := n / float64(m.cfg.Replicas)
		memMiB := (m.baseMemMiB + perReplicaUsers*m.kibPerUser/1024) * g.noise(0.01)
		oom := 0
		var events []record.Event
		if m.oomAtMiB > 0 && memMiB >= m.oomAtMiB {
			oom = 1
			memMiB = m.oomAtMiB * 0.72 // the restarted replica starts small
			errRate += 0.08
			// As the docker runtime records a kernel OOM kill: an oom event,
			// then the container's exit with code 137.
			name := replicaName(g.run, m.cfg.Name, repeat, 1)
			killed := g.t.Add(12 * time.Second)
			events = append(events,
				record.Event{Time: killed, Replica: name, Kind: "oom", OOMKilled: true,
					Message: "killed by the kernel OOM killer (memory limit reached)"},
				record.Event{Time: killed.Add(40 * time.Millisecond), Replica: name, Kind: "exit", ExitCode: 137, OOMKilled: true,
					Message: "container exited with code 137 (OOM killed)"},
				record.Event{Time: killed.Add(900 * time.Millisecond), Replica: name, Kind: "restart", Message: "container restarted"})
		}
		cores := math.Min(x/(m.mu/(m.cfg.CPUs*float64(m.cfg.Replicas)))*g.noise(0.02), m.cfg.CPUs*float64(m.cfg.Replicas)*0.99)
		cpuPct := 100 * cores / (m.cfg.CPUs * float64(m.cfg.Replicas))
		throttled := window * math.Max(0, cpuPct-75) / 25 * 0.4 * float64(m.cfg.Replicas)

		genCPU := (x*0.22/1000*100 + n*0.002) * g.noise(0.05)
		saturated := false
		warning := ""
		if users == spike {
			genCPU = 176
			saturated = true
			warning = "generator CPU 176 % of 200 % available: measurements are untrustworthy"
			p95 *= 10
			errRate = 0.03
		}

		reqs := int64(x * window)
		errs := int64(math.Round(float64(reqs) * errRate))
		rec := record.Record{
			Run: g.run, Repeat: repeat, Step: step, Config: m.cfg, StartedAt: g.t, WindowS: window,
			Load:     record.Load{Model: record.ModelUsers, Users: users, ThinkMinS: thinkMin, ThinkMaxS: thinkMax, Connections: "per_user"},
			Requests: reqs, Successes: reqs - errs, Errors: errs,
			RPS: round(float64(reqs)/window, 1), OKRPS: round(float64(reqs-errs)/window, 1),
			ErrorRate: round(float64(errs)/float64(reqs), 6),
			Latency: &record.Latency{Min: round(m.baseMs*0.4, 2), Mean: round(respS*1000*g.noise(0.02), 2), P50: round((m.baseMs+qMs*0.8)*g.noise(0.04), 2),
				P90: round(p95*0.82, 2), P95: round(p95, 2), P99: round(p95*1.6, 2), Max: round(p95*3.1, 2)},
			Generator: record.Generator{CPUPct: round(genCPU, 1), CPUAvailablePct: 200, RSSBytes: int64(40*mib + n*9*1024), Saturated: saturated, Warning: warning},
			Target: &record.Target{CPUCores: round(cores, 3), CPUPctOfLimit: round(cpuPct, 1),
				MemoryBytes: int64(memMiB * mib * float64(m.cfg.Replicas)), MemoryPctOfLimit: round(100*memMiB*mib/float64(m.cfg.MemoryBytes), 1),
				ThrottledPeriods: int64(throttled * 40), ThrottledS: round(throttled, 2), OOMKills: oom, Restarts: oom},
			Events:          events,
			OpenConnections: users,
			BytesIn:         reqs * 96, BytesOut: reqs * 180,
		}
		rec.LatencyOK = &record.Latency{P50: rec.Latency.P50, P95: round(rec.Latency.P95*0.98, 2), P99: round(rec.Latency.P99*0.97, 2),
			Mean: rec.Latency.Mean, Min: rec.Latency.Min, Max: rec.Latency.Max, P90: rec.Latency.P90}
		if errs > 0 {
			rec.ErrorsByKind = map[string]int64{"timeout": errs * 2 / 3, "http_503": errs - errs*2/3}
			if oom > 0 {
				rec.ErrorsByKind = map[string]int64{"refused": errs / 2, "reset": errs - errs/2}
			}
		}
		rec.StatusCodes = map[string]int64{"200": reqs - errs}
		if errs > 0 {
			rec.StatusCodes["0"] = errs
		}
		rec.SLO = g.slo.Evaluate(rec)
		if rec.SLO.Pass || saturated {
			breached = 0
		} else {
			breached++
		}
		if breached == 2 {
			rec.StopReason = "stop condition: SLO breached on 2 consecutive steps (" + rec.SLO.Breaches[0] + ")"
		}
		g.recs = append(g.recs, rec)
		g.t = g.t.Add(hold * time.Second)
		if breached == 2 {
			break
		}
	}
	g.t = g.t.Add(20 * time.Second) // cooldown and the next deployment
}

// replicaName is a container name as the docker runtime gives it:
// loadlab-<run>-<config>-<deployment token>-<replica>, with a token fixed
// per run, configuration and repeat.
func replicaName(run, config string, repeat, replica int) string {
	h := fnv.New32a()
	fmt.Fprintf(h, "%s/%s/%d", run, config, repeat)
	return fmt.Sprintf("loadlab-%s-%s-%06x-%d", run, config, h.Sum32()&0xffffff, replica)
}

func round(v float64, d int) float64 {
	p := math.Pow(10, float64(d))
	return math.Round(v*p) / p
}

func cfg(name string, cpus float64, mem int64, replicas int) record.Config {
	return record.Config{Name: name, CPUs: cpus, MemoryBytes: record.Bytes(mem), Replicas: replicas, Runtime: "docker"}
}

func write(dir string, g *gen, files map[string]string) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		log.Fatal(err)
	}
	path := filepath.Join(dir, record.FileName)
	_ = os.Remove(path)
	w, err := record.Create(path)
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range g.recs {
		if err := w.Append(r); err != nil {
			log.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			log.Fatal(err)
		}
	}
}

func environment(started time.Time) string {
	b, err := json.MarshalIndent(map[string]any{
		"loadlab_version": "v0.1.0", "runtime": "docker", "docker_version": "20.10.24", "host_cpus": 2,
		"host_memory_bytes": 24 * gib, "go_version": "go1.26.8", "os": "linux", "arch": "amd64",
		"generator_gomaxprocs": 2, "started_at": started.Format(time.RFC3339), "experiment": "workshop",
		"experiment_file": "experiments/workshop.yaml",
	}, "", "  ")
	if err != nil {
		log.Fatal(err)
	}
	return string(b) + "\n"
}

const workshopYAML = `name: workshop
description: Seed workshop question — smallest configuration for 10,000 users at p95 < 1 s and < 1 % errors.
configs:
  - {name: cpu0.25-mem256m-x1, cpus: 0.25, memory: 256m, replicas: 1}
  - {name: cpu0.5-mem512m-x1, cpus: 0.5, memory: 512m, replicas: 1}
  - {name: cpu1-mem1g-x1, cpus: 1, memory: 1g, replicas: 1}
  - {name: cpu1-mem1g-x2, cpus: 1, memory: 1g, replicas: 2}
scenario:
  model: users
  ramp: {from: 500, to: 10000, by: 500, hold: 30s, settle: 5s}
  think: {min: 1s, max: 2.5s}
  stop: {slo: "p95<1s,error_rate<1%", consecutive: 2}
slo: p95<1s,error_rate<1%
target_users: 10000
repeat: 2
cooldown: 10s
`

// workshopModels are the three configurations of the seed workshop: the
// smallest saturates early and runs out of memory, one replica of 1 CPU
// holds 6,000 users, two replicas hold 10,000.
func workshopModels(speedup float64) []model {
	return []model{
		{cfg: cfg("cpu0.5-mem512m-x1", 0.5, 512*mib, 1), mu: 1500 * speedup, baseMs: 12, baseMemMiB: 340, kibPerUser: 40, oomAtMiB: 495},
		{cfg: cfg("cpu1-mem1g-x1", 1, gib, 1), mu: 2900 * speedup, baseMs: 11, baseMemMiB: 360, kibPerUser: 40},
		{cfg: cfg("cpu1-mem1g-x2", 1, gib, 2), mu: 5800 * speedup, baseMs: 11, baseMemMiB: 360, kibPerUser: 40},
	}
}

func main() {
	out := flag.String("out", "report/testdata", "directory to write the fixtures into")
	flag.Parse()
	s, err := slo.Parse("p95<1s,error_rate<1%")
	if err != nil {
		log.Fatal(err)
	}

	// workshop: 3 configurations × 2 repeats, one failed configuration,
	// one generator-saturated step (cpu1-mem1g-x2, repeat 2, 9,500 users).
	start := time.Date(2026, 3, 14, 10, 0, 0, 0, time.UTC)
	g := &gen{rnd: rand.New(rand.NewPCG(1, 2)), t: start, run: "20260314T100000Z-workshop", slo: s}
	g.recs = append(g.recs, record.Record{Run: g.run, Config: cfg("cpu0.25-mem256m-x1", 0.25, 256*mib, 1), StartedAt: g.t,
		Failure: "replica 1 never became healthy within 60s: container exited with code 137 (OOMKilled) while loading the model"})
	g.recs = append(g.recs, record.Record{Run: g.run, Repeat: 1, Config: cfg("cpu0.25-mem256m-x1", 0.25, 256*mib, 1), StartedAt: g.t.Add(65 * time.Second),
		Failure: "replica 1 never became healthy within 60s: container exited with code 137 (OOMKilled) while loading the model"})
	g.t = g.t.Add(150 * time.Second)
	for _, m := range workshopModels(1) {
		for rep := 0; rep < 2; rep++ {
			spike := 0
			if m.cfg.Replicas == 2 && rep == 1 {
				spike = 9500
			}
			g.ramp(m, rep, spike)
		}
	}
	write(filepath.Join(*out, "workshop"), g, map[string]string{"experiment.yaml": workshopYAML, "environment.json": environment(start)})

	// workshop-tuned: the same question after a 30 % faster model server,
	// one repeat, slo given as a map.
	start2 := time.Date(2026, 3, 21, 9, 30, 0, 0, time.UTC)
	g2 := &gen{rnd: rand.New(rand.NewPCG(3, 4)), t: start2, run: "20260321T093000Z-workshop", slo: s}
	for _, m := range workshopModels(1.3) {
		g2.ramp(m, 0, 0)
	}
	write(filepath.Join(*out, "workshop-tuned"), g2, map[string]string{
		"experiment.yaml":  "name: workshop-tuned\nslo: {p95: 1s, error_rate: 1%}\ntarget_users: 10000\n",
		"environment.json": environment(start2),
	})

	// ramp-local: an open-loop ramp of a local process (emulated limits),
	// no experiment.yaml: verdicts recorded with p95<250ms,error_rate<1%.
	local, err := slo.Parse("p95<250ms,error_rate<1%")
	if err != nil {
		log.Fatal(err)
	}
	g3 := &gen{rnd: rand.New(rand.NewPCG(5, 6)), t: time.Date(2026, 3, 15, 16, 0, 0, 0, time.UTC), run: "20260315T160000Z-ramp", slo: local}
	g3.openRamp(record.Config{Name: "local", CPUs: 1, MemoryBytes: gib, Replicas: 1, Runtime: "local", Approximate: true}, 850)
	write(filepath.Join(*out, "ramp-local"), g3, nil)

	// no-answers and interrupted: the quick experiment against an API
	// that stops answering, and stopped by SIGTERM in its first
	// configuration.
	noAnswers(*out)
	interrupted(*out)
	fmt.Println("fixtures written to", *out)
}

// openRamp records an open-loop ramp from 100 to 1,000 req/s by 100; the
// server holds mu req/s, and the last step saturates the generator.
func (g *gen) openRamp(c record.Config, mu float64) {
	for step, rate := 0, 100; rate <= 1000; step, rate = step+1, rate+100 {
		lam := float64(rate)
		rho := math.Min(lam/mu, 0.995)
		base := 8.0
		p95 := (base + base*3*rho/(1-rho)) * g.noise(0.05)
		x := math.Min(lam, mu) * g.noise(0.01)
		errRate := 0.0005 * g.noise(0.3)
		if lam > mu {
			p95 = 900 + (lam-mu)*8
			errRate = (lam - mu) / lam
		}
		sat := rate == 1000
		lag := 0.2
		if sat {
			lag = 48
		}
		reqs := int64(x * window)
		errs := int64(math.Round(float64(reqs) * errRate))
		rec := record.Record{Run: g.run, Step: step, Config: c, StartedAt: g.t, WindowS: window,
			Load: record.Load{Model: record.ModelRate, Rate: lam}, Requests: reqs, Successes: reqs - errs, Errors: errs,
			RPS: round(float64(reqs)/window, 1), OKRPS: round(float64(reqs-errs)/window, 1), ErrorRate: round(float64(errs)/float64(reqs), 6),
			Latency:   &record.Latency{Min: 3, Mean: round(p95*0.45, 2), P50: round(p95*0.35, 2), P90: round(p95*0.8, 2), P95: round(p95, 2), P99: round(p95*1.7, 2), Max: round(p95*3, 2)},
			Generator: record.Generator{CPUPct: round(20+lam*0.1, 1), CPUAvailablePct: 200, RSSBytes: 60 * mib, LagMs: lag, Saturated: sat},
			Target: &record.Target{CPUCores: round(math.Min(x/mu, 0.99), 3), CPUPctOfLimit: round(100*math.Min(x/mu, 0.99), 1),
				MemoryBytes: int64((120 + lam*0.05) * mib), MemoryPctOfLimit: round(100*(120+lam*0.05)/1024, 1)},
		}
		rec.LatencyOK = rec.Latency
		rec.LatencyScheduled = &record.Latency{P50: rec.Latency.P50, P95: rec.Latency.P95 * 1.1, P99: rec.Latency.P99 * 1.2}
		if sat {
			rec.Generator.Warning = "open-loop sends lagged the schedule by 48 ms at p95"
		}
		rec.SLO = g.slo.Evaluate(rec)
		g.recs = append(g.recs, rec)
		g.t = g.t.Add(hold * time.Second)
	}
}

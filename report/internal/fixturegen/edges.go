package main

import (
	"encoding/json"
	"log"
	"path/filepath"
	"time"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/slo"
)

// quickYAML is experiments/quick.yaml in short: a doubling ladder of
// 10 → 100 users, think 100–300 ms, 6 s steps of which 4 s measured.
const quickYAML = `name: quick
configs:
  - {name: cpu0.05-mem128m-x1, cpus: 0.05, memory: 128m, replicas: 1}
  - {name: cpu0.05-mem128m-x2, cpus: 0.05, memory: 128m, replicas: 2}
  - {name: cpu0.1-mem128m-x1, cpus: 0.1, memory: 128m, replicas: 1}
scenario:
  model: users
  ramp: {steps: [10, 25, 50, 100], hold: 6s, settle: 2s}
  think: {min: 100ms, max: 300ms}
slo: p95<250ms,error_rate<1%
target_users: 100
`

var quickConfigs = []record.Config{
	cfg("cpu0.05-mem128m-x1", 0.05, 128*mib, 1), cfg("cpu0.05-mem128m-x2", 0.05, 128*mib, 2), cfg("cpu0.1-mem128m-x1", 0.1, 128*mib, 1),
}

// quickStep is one measured 4 s step of the quick ladder at users, with
// a p95 of p95 ms and no errors.
func quickStep(g *gen, c record.Config, step, users int, p95 float64) record.Record {
	rps := float64(users) / 0.2
	reqs := int64(rps * 4)
	r := record.Record{Run: g.run, Step: step, Config: c, StartedAt: g.t, WindowS: 4,
		Load:     record.Load{Model: record.ModelUsers, Users: users, ThinkMinS: 0.1, ThinkMaxS: 0.3, Connections: "per_user"},
		Requests: reqs, Successes: reqs, RPS: rps, OKRPS: rps,
		Latency:   &record.Latency{Min: round(p95/5, 2), Mean: round(p95/2, 2), P50: round(p95/2.2, 2), P90: round(p95*0.8, 2), P95: p95, P99: round(p95*1.5, 2), Max: round(p95*3, 2)},
		Generator: record.Generator{CPUPct: round(5+float64(users)*0.1, 1), CPUAvailablePct: 200, RSSBytes: 30 * mib},
		Target: &record.Target{CPUCores: round(c.CPUs*float64(c.Replicas)*float64(users)/120, 3), CPUPctOfLimit: round(100*float64(users)/120, 1),
			MemoryBytes: 20 * mib * int64(c.Replicas), MemoryPctOfLimit: 15.6},
		OpenConnections: users, BytesIn: reqs * 96, BytesOut: reqs * 180,
		StatusCodes: map[string]int64{"200": reqs},
	}
	r.LatencyOK = r.Latency
	g.t = g.t.Add(6 * time.Second)
	return r
}

// noAnswers records the quick experiment against an API that breaks: its
// 0.05-CPU replica answers 10 and 25 users, answers every request at 50
// users with a 503, and at 100 users answers nothing (every request still
// in flight at the end of the window, a hundred of them older than the
// window and counted as timeouts); the two others serve.
func noAnswers(out string) {
	s, err := slo.Parse("p95<250ms,error_rate<1%")
	if err != nil {
		log.Fatal(err)
	}
	start := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	g := &gen{t: start, run: "20261130T080000Z-quick", slo: s}
	for ci, c := range quickConfigs {
		for i, users := range []int{10, 25, 50, 100} {
			r := quickStep(g, c, i, users, float64(4+ci+i*3))
			if ci == 0 && users == 50 { // every answer an error
				r.Latency = &record.Latency{Min: 0.4, Mean: 1.1, P50: 0.9, P90: 1.8, P95: 2.2, P99: 4.1, Max: 9.7}
				r.LatencyOK, r.Successes, r.Errors, r.OKRPS, r.ErrorRate = nil, 0, r.Requests, 0, 1
				r.ErrorsByKind, r.StatusCodes = map[string]int64{"http_503": r.Requests}, map[string]int64{"503": r.Requests}
			}
			if ci == 0 && users == 100 { // no answer at all
				r.Latency, r.LatencyOK = nil, nil
				r.Requests, r.Successes, r.Errors, r.InFlight, r.RPS, r.OKRPS, r.ErrorRate = 100, 0, 100, 100, 25, 0, 1
				r.ErrorsByKind, r.StatusCodes, r.BytesIn = map[string]int64{"timeout": 100}, map[string]int64{"0": 100}, 0
			}
			r.SLO = s.Evaluate(r)
			g.recs = append(g.recs, r)
		}
		g.t = g.t.Add(5 * time.Second)
	}
	write(filepath.Join(out, "no-answers"), g, map[string]string{
		"experiment.yaml": quickYAML, "environment.json": environment(start), record.PlanFile: planJSON(),
	})
}

// interrupted records the quick experiment stopped by SIGTERM 1.1 s into
// the 25-user step of its first configuration: a partial step whose p95
// would fail the SLO, two configurations never run.
func interrupted(out string) {
	s, err := slo.Parse("p95<250ms,error_rate<1%")
	if err != nil {
		log.Fatal(err)
	}
	start := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	g := &gen{t: start, run: "20261130T090000Z-quick", slo: s}
	first := quickStep(g, quickConfigs[0], 0, 10, 4.2)
	cut := quickStep(g, quickConfigs[0], 1, 25, 610)
	cut.WindowS, cut.Requests, cut.Successes, cut.RPS, cut.OKRPS = 1.1, 40, 40, 36.4, 36.4
	cut.Partial, cut.StopReason = true, "interrupted"
	for _, r := range []*record.Record{&first, &cut} {
		r.SLO = s.Evaluate(*r)
		g.recs = append(g.recs, *r)
	}
	write(filepath.Join(out, "interrupted"), g, map[string]string{
		"experiment.yaml": quickYAML, "environment.json": environment(start), record.PlanFile: planJSON(),
	})
}

func planJSON() string {
	b, err := json.MarshalIndent(record.Plan{Configs: quickConfigs, Repeat: 1}, "", "  ")
	if err != nil {
		log.Fatal(err)
	}
	return string(b) + "\n"
}

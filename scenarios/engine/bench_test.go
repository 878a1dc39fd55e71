package engine

import (
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/scenarios"
)

// Generator benchmarks: the engine's CPU per request at a paced rate (open
// loop) and with users without think time (closed loop), reported as
// requests per CPU-second of the process. The target is LOADLAB_BENCH_URL
// when set (a server in another process, pinned to another core, as
// scripts/bench-generator.sh runs one), else an in-process net/http server
// whose CPU counts too. Profile with
//
//	taskset -c 0 go test -run '^$' -bench Generator -benchtime 1x -cpuprofile cpu.out ./scenarios/engine
//
// Settings: LOADLAB_BENCH_RATE (4000), LOADLAB_BENCH_USERS (50),
// LOADLAB_BENCH_HOLD (3s).
func BenchmarkGeneratorOpenLoop(b *testing.B) {
	benchGenerator(b, record.ModelRate)
}

func BenchmarkGeneratorClosedLoop(b *testing.B) {
	benchGenerator(b, record.ModelUsers)
}

// BenchmarkGeneratorClosedLoopTimeline is the closed loop with the run cut
// into seconds (Options.Second): the cost per request of the timeline.
func BenchmarkGeneratorClosedLoopTimeline(b *testing.B) {
	benchGenerator(b, record.ModelUsers, func(o *Options) { o.Second = func(record.Second) {} })
}

func benchGenerator(b *testing.B, model string, opts ...func(*Options)) {
	var opt Options
	for _, o := range opts {
		o(&opt)
	}
	url := os.Getenv("LOADLAB_BENCH_URL")
	if url == "" {
		srv := newTestServer(b, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"label":1}`)) })
		url = srv.URL
	}
	rate := envFloat("LOADLAB_BENCH_RATE", 4000)
	users := int(envFloat("LOADLAB_BENCH_USERS", 50))
	hold := 3 * time.Second
	if d, err := time.ParseDuration(os.Getenv("LOADLAB_BENCH_HOLD")); err == nil {
		hold = d
	}
	sc := testScenario(model)
	steps := userSteps(hold, 0, users)
	if model == record.ModelRate {
		steps = rateSteps(hold, 0, rate)
	}
	var reqs int64
	var cpu time.Duration
	for b.Loop() {
		cpu0 := cpuTime()
		_, recs, err := runTest(b, sc, steps, &cycleSource{reqs: []scenarios.Request{get("/predict")}}, []string{url}, opt)
		cpu += cpuTime() - cpu0
		if err != nil {
			b.Fatal(err)
		}
		reqs += recs[0].Requests
		if recs[0].Errors > 0 || recs[0].Dropped > 0 {
			b.Logf("errors %d dropped %d", recs[0].Errors, recs[0].Dropped)
		}
	}
	b.ReportMetric(float64(reqs)/cpu.Seconds(), "req/cpu-s")
	b.ReportMetric(float64(reqs)/float64(b.N)/hold.Seconds(), "req/s")
}

func envFloat(key string, def float64) float64 {
	if v, err := strconv.ParseFloat(os.Getenv(key), 64); err == nil {
		return v
	}
	return def
}

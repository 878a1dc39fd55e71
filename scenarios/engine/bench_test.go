package engine

import (
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loadlab/loadlab/internal/testsrv"
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

// BenchmarkGeneratorStream is the closed loop reading SSE streams
// (stream: sse), reported as streamed tokens per CPU-second of the
// process. It needs a streaming target: LOADLAB_BENCH_STREAM_URL, such as
// scripts/bench-generator.sh's target-sse, or else an in-process
// testsrv.StreamTruth (100 tokens, one every 2 ms) whose CPU counts too.
// LOADLAB_BENCH_THINK (0) sets the users' think time, e.g. 1s-2.5s style
// as a duration pair "1s,2.5s".
func BenchmarkGeneratorStream(b *testing.B) {
	url := os.Getenv("LOADLAB_BENCH_STREAM_URL")
	if url == "" {
		url = testsrv.NewStreamTruth(b, testsrv.StreamConfig{First: 2 * time.Millisecond, Gap: 2 * time.Millisecond, Tokens: 100, Usage: true}).URL
	}
	users := int(envFloat("LOADLAB_BENCH_USERS", 50))
	hold := 3 * time.Second
	if d, err := time.ParseDuration(os.Getenv("LOADLAB_BENCH_HOLD")); err == nil {
		hold = d
	}
	sc := testScenario(record.ModelUsers)
	if lo, hi, ok := strings.Cut(os.Getenv("LOADLAB_BENCH_THINK"), ","); ok {
		min, err1 := time.ParseDuration(lo)
		max, err2 := time.ParseDuration(hi)
		if err1 != nil || err2 != nil {
			b.Fatalf("LOADLAB_BENCH_THINK=%q: want MIN,MAX durations", os.Getenv("LOADLAB_BENCH_THINK"))
		}
		sc.Think = scenarios.Think{Min: min, Max: max}
	}
	src := &cycleSource{reqs: []scenarios.Request{{Method: "POST", Path: "/v1/chat/completions", Body: []byte(`{"stream":true}`), Stream: scenarios.StreamSSE}}}
	var tokens int64
	var cpu time.Duration
	for b.Loop() {
		cpu0 := cpuTime()
		_, recs, err := runTest(b, sc, userSteps(hold, 0, users), src, []string{url}, Options{})
		cpu += cpuTime() - cpu0
		if err != nil {
			b.Fatal(err)
		}
		tokens += recs[0].OutputTokens
		if recs[0].Errors > 0 {
			b.Logf("errors %v", recs[0].ErrorsByKind)
		}
	}
	b.ReportMetric(float64(tokens)/cpu.Seconds(), "tokens/cpu-s")
	b.ReportMetric(float64(tokens)/float64(b.N)/hold.Seconds(), "tokens/s")
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

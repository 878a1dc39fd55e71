package agent

import (
	"context"
	"fmt"
	"math"
	"math/rand"
	"os"
	"strconv"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/loadlab/loadlab/internal/apitest"
	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/scenarios"
	"github.com/loadlab/loadlab/scenarios/engine"
)

// BenchmarkMergeStep is the controller's per-step merge cost: the records
// of 2 and 8 agents of an open-loop step, each with 10,000 requests'
// latencies (log-normal around 20 ms, a long tail) in its three histograms
// (all, successes, scheduled), decoded, merged and summarised.
func BenchmarkMergeStep(b *testing.B) {
	for _, n := range []int{2, 8} {
		shares := benchShares(b, n, 10000)
		b.Run(fmt.Sprintf("agents=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := Merge(shares); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// benchShares makes n agents' records of perAgent requests each.
func benchShares(b *testing.B, n, perAgent int) []Share {
	r := rand.New(rand.NewSource(1))
	var shares []Share
	for i := 0; i < n; i++ {
		rec := &record.Record{WindowS: 10, Requests: int64(perAgent), Successes: int64(perAgent), StatusCodes: map[string]int64{"200": int64(perAgent)}}
		for k, dst := range []struct {
			sum  **record.Latency
			hist *string
		}{{&rec.Latency, &rec.Histogram}, {&rec.LatencyOK, &rec.HistogramOK}, {&rec.LatencyScheduled, &rec.HistogramScheduled}} {
			h := hdrhistogram.New(1, int64(time.Hour/time.Microsecond), 3)
			var sum float64
			mn, mx := math.Inf(1), 0.0
			for j := 0; j < perAgent; j++ {
				us := 20000 * math.Exp(r.NormFloat64()*0.8) * (1 + 0.01*float64(k))
				_ = h.RecordValue(int64(us))
				ms := us / 1000
				sum += ms
				mn, mx = math.Min(mn, ms), math.Max(mx, ms)
			}
			enc, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
			if err != nil {
				b.Fatal(err)
			}
			*dst.sum = &record.Latency{Min: mn, Mean: sum / float64(perAgent), Max: mx}
			*dst.hist = string(enc)
		}
		shares = append(shares, Share{Agent: Hello{Agent: fmt.Sprintf("a%d", i+1)}, Record: rec})
	}
	return shares
}

// BenchmarkAgentsVsInProcess sends the same open-loop load to the API at
// LOADLAB_BENCH_AGENTS_URL (skipped when unset; scripts/bench-agents.sh
// starts the reference API and runs this) from the in-process engine, from
// 1 agent and from 2 agents (local `loadlab agent` processes), and reports
// each one's measured rps and p95 (ms), so that the merged result of 2
// agents can be set against 1 agent's and the in-process generator's.
// Settings: LOADLAB_BENCH_RATE (1000 requests/s), LOADLAB_BENCH_HOLD (10s,
// of which 2 s settle).
func BenchmarkAgentsVsInProcess(b *testing.B) {
	url := os.Getenv("LOADLAB_BENCH_AGENTS_URL")
	if url == "" {
		b.Skip("LOADLAB_BENCH_AGENTS_URL is not set (see scripts/bench-agents.sh)")
	}
	rate := 1000.0
	if v, err := strconv.ParseFloat(os.Getenv("LOADLAB_BENCH_RATE"), 64); err == nil && v > 0 {
		rate = v
	}
	hold := 10 * time.Second
	if v, err := time.ParseDuration(os.Getenv("LOADLAB_BENCH_HOLD")); err == nil && v > 2*time.Second {
		hold = v
	}
	sc := scenarios.Default()
	sc.Model = record.ModelRate
	sc.Ramp = scenarios.Ramp{Steps: []float64{rate}, Hold: hold, Settle: 2 * time.Second}
	bin := apitest.Binary(b)
	for _, mode := range []struct {
		name string
		n    int
	}{{"in-process", 0}, {"agents=1", 1}, {"agents=2", 2}} {
		b.Run(mode.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				ctx, cancel := context.WithTimeout(context.Background(), hold+time.Minute)
				run := func(ctx context.Context, sc scenarios.Scenario, urls []string, opt engine.Options) (engine.Outcome, error) {
					return engine.Run(ctx, sc, urls, opt)
				}
				var f *Fleet
				if mode.n > 0 {
					var err error
					if f, err = Start(ctx, "127.0.0.1:0", mode.n, &Local{Binary: bin}); err != nil {
						b.Fatal(err)
					}
					run = f.Run
				}
				out, err := run(ctx, sc, []string{url}, engine.Options{Seed: 1})
				if f != nil {
					_ = f.Close()
				}
				cancel()
				if err != nil || len(out.Steps) != 1 || out.Steps[0].Latency == nil {
					b.Fatalf("%s: %v (%d steps)", mode.name, err, len(out.Steps))
				}
				s := out.Steps[0]
				b.ReportMetric(s.RPS, "rps")
				b.ReportMetric(s.Latency.P95, "p95_ms")
				b.ReportMetric(s.Latency.P50, "p50_ms")
				b.ReportMetric(float64(s.Errors), "errors")
				b.ReportMetric(s.Generator.CPUPct, "gen_cpu_pct")
			}
		})
	}
}

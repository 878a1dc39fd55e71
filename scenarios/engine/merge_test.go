package engine

import (
	"math"
	"math/rand"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/loadlab/loadlab/record"
)

// TestMergeLatencyIsExact: merging the encodings of k generators'
// histograms gives the summary and histogram of one histogram of all their
// values: the same percentiles, min, max, and the mean to a nanosecond.
func TestMergeLatencyIsExact(t *testing.T) {
	cases := []struct {
		name  string
		sizes []int
		dist  func(r *rand.Rand) time.Duration
	}{
		{"one part", []int{5000}, uniform(time.Millisecond, 200*time.Millisecond)},
		{"two equal parts", []int{3000, 3000}, uniform(time.Millisecond, 200*time.Millisecond)},
		{"uneven parts", []int{10, 7000, 1}, lognormal(20 * time.Millisecond)},
		{"eight parts, long tail", []int{900, 1100, 1000, 950, 1050, 1000, 30, 1000}, lognormal(5 * time.Millisecond)},
		{"an empty part among others", []int{0, 2000, 0, 2000}, uniform(100*time.Microsecond, 2*time.Second)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewSource(int64(len(tc.name))))
			all := newLatStats()
			var parts []LatencyPart
			for _, n := range tc.sizes {
				part := newLatStats()
				for j := 0; j < n; j++ {
					d := tc.dist(r)
					part.add(d)
					all.add(d)
				}
				lp := LatencyPart{Summary: part.summary()}
				if part.n > 0 {
					enc, err := encodeHist(part.h)
					if err != nil {
						t.Fatal(err)
					}
					lp.Histogram = enc
				}
				parts = append(parts, lp)
			}
			got, enc, err := MergeLatency(parts)
			if err != nil {
				t.Fatal(err)
			}
			want := all.summary()
			if got == nil {
				t.Fatal("merged summary is nil")
			}
			for _, name := range []string{"min", "p50", "p90", "p95", "p99", "max"} {
				g, _ := got.Value(name)
				w, _ := want.Value(name)
				if math.Abs(g-w) > 1e-6 {
					t.Errorf("%s: merged %.6f ms, one histogram %.6f ms", name, g, w)
				}
			}
			if math.Abs(got.Mean-want.Mean) > 1e-6 {
				t.Errorf("mean: merged %.9f ms, one histogram %.9f ms", got.Mean, want.Mean)
			}
			h, err := hdrhistogram.Decode([]byte(enc))
			if err != nil {
				t.Fatal(err)
			}
			if !h.Equals(all.h) {
				t.Errorf("merged histogram (%d values) differs from one histogram of all values (%d)", h.TotalCount(), all.h.TotalCount())
			}
		})
	}
}

func TestMergeLatencyEmptyAndBroken(t *testing.T) {
	got, enc, err := MergeLatency([]LatencyPart{{}, {}})
	if err != nil || got != nil || enc != "" {
		t.Fatalf("no measured part: got %v %q %v, want nil, \"\", nil", got, enc, err)
	}
	_, _, err = MergeLatency([]LatencyPart{{Summary: &record.Latency{P50: 1}}})
	if err == nil {
		t.Fatal("a summary without its histogram was merged")
	}
	_, _, err = MergeLatency([]LatencyPart{{Summary: &record.Latency{P50: 1}, Histogram: "not base64!"}})
	if err == nil {
		t.Fatal("a histogram that does not decode was merged")
	}
}

func uniform(lo, hi time.Duration) func(*rand.Rand) time.Duration {
	return func(r *rand.Rand) time.Duration { return lo + time.Duration(r.Int63n(int64(hi-lo))) }
}

func lognormal(median time.Duration) func(*rand.Rand) time.Duration {
	return func(r *rand.Rand) time.Duration {
		return time.Duration(float64(median) * math.Exp(r.NormFloat64()))
	}
}

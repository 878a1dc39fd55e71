package engine

import (
	"errors"
	"fmt"
	"math"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/loadlab/loadlab/record"
)

// LatencyPart is one generator's latency distribution of a step: its
// summary (nil when it measured nothing) and its histogram in the
// encoding of record.Record.Histogram.
type LatencyPart struct {
	Summary   *record.Latency
	Histogram string
}

// MergeLatency merges the latency distributions of several generators of
// one step into the summary and histogram that one generator measuring
// all their requests would have written: the histograms are added bucket
// by bucket (HdrHistogram's Merge; the geometry is the engine's, so
// nothing is dropped), every percentile is read from the merged histogram
// (never averaged) and capped at the exact maximum as in a step's own
// summary, min and max are the extremes of the parts, and the mean is
// the parts' means weighted by their counts. Parts without a summary are
// skipped; the result is nil and "" when none has one. A part with a
// summary but no histogram, or one that does not decode, is an error: its
// percentiles could not be merged.
func MergeLatency(parts []LatencyPart) (*record.Latency, string, error) {
	merged := newLatStats()
	var sumMs float64
	for i, p := range parts {
		if p.Summary == nil {
			continue
		}
		if p.Histogram == "" {
			return nil, "", fmt.Errorf("part %d: a latency summary without its histogram cannot be merged", i)
		}
		h, err := hdrhistogram.Decode([]byte(p.Histogram))
		if err != nil {
			return nil, "", fmt.Errorf("part %d: decode histogram: %w", i, err)
		}
		if dropped := merged.h.Merge(h); dropped > 0 {
			return nil, "", fmt.Errorf("part %d: %d values outside the histogram's range", i, dropped)
		}
		n := h.TotalCount()
		if n == 0 {
			return nil, "", errors.New("part " + fmt.Sprint(i) + ": a latency summary with an empty histogram")
		}
		mn, mx := fromMs(p.Summary.Min), fromMs(p.Summary.Max)
		if merged.n == 0 || mn < merged.min {
			merged.min = mn
		}
		if mx > merged.max {
			merged.max = mx
		}
		merged.n += n
		sumMs += p.Summary.Mean * float64(n)
	}
	if merged.n == 0 {
		return nil, "", nil
	}
	merged.sum = fromMs(sumMs)
	enc, err := encodeHist(merged.h)
	if err != nil {
		return nil, "", fmt.Errorf("encode merged histogram: %w", err)
	}
	return merged.summary(), enc, nil
}

// fromMs converts milliseconds to a duration, to the nanosecond.
func fromMs(ms float64) time.Duration {
	return time.Duration(math.Round(ms * float64(time.Millisecond)))
}

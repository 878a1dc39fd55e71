package engine

import (
	"time"

	"github.com/loadlab/loadlab/record"
)

// Progress is a live view of the ramp. RPS, ErrorRate and P95 cover the
// last second (at a step end: the step's window); P95 is negative when no
// response arrived in that time. Steps is 0 when the number of steps is
// not known (a search); Remaining is then the rest of the running step.
type Progress struct {
	Step, Steps        int // Step counts from 1
	Users              int
	Rate               float64
	Elapsed, Remaining time.Duration
	RPS, ErrorRate     float64
	P95                time.Duration
	Done               bool // the step (and, when Step == Steps or StopReason is set, the ramp) ended
	// TTFTP95 and TokensPerS are a finished step's time to first token
	// p95 and output tokens per second (streamed responses only); TTFTP95
	// is negative when the step streamed nothing, and both are zero while
	// a step runs.
	TTFTP95    time.Duration
	TokensPerS float64
}

// StepDone is the progress of a step that ended with rec: its window's
// RPS, error rate, p95 (negative without answers), and, for streamed
// responses, TTFT p95 and output tokens per second. The caller sets the
// position (Step, Steps, load, Elapsed, Remaining).
func StepDone(rec record.Record) Progress {
	return Progress{
		RPS: rec.RPS, ErrorRate: rec.ErrorRate, P95: p95Duration(rec.Latency),
		TTFTP95: p95Duration(rec.TTFT), TokensPerS: rec.OutputTokensPerS, Done: true,
	}
}

// p95Duration is l's p95, or -1 when nothing was measured.
func p95Duration(l *record.Latency) time.Duration {
	if l == nil {
		return -1
	}
	return time.Duration(l.P95 * float64(time.Millisecond))
}

package engine

import (
	"github.com/loadlab/loadlab/scenarios"
	"math"
	"math/rand/v2"
	"sync"
	"time"
)

// DropAfter is how late an open-loop request may be sent: a scheduled send
// that the open loop could not make within DropAfter of its time (all
// MaxWorkers busy, or the generator starved of CPU) is counted as dropped
// and skipped, k6-style, instead of being sent in a burst later.
const DropAfter = 100 * time.Millisecond

// PaceQuantum is the granularity of the open-loop pacer's sleeps: the
// dispatcher wakes on multiples of it (from the start of the ramp) and
// hands out every request due by then, so a request leaves at most
// PaceQuantum after its scheduled time. Go's netpoller rounds shorter
// sleeps up to a millisecond anyway when the process is idle; batching the
// sends saves a wakeup per request at high rates. Latency from the
// scheduled send time includes this delay.
const PaceQuantum = time.Millisecond

// segment is one rate of a schedule: from elapsed time start on, rate
// arrivals per second, the schedule's position (expected arrivals so far)
// being first at start.
type segment struct {
	start time.Duration // elapsed time the segment begins
	rate  float64       // arrivals per second, > 0
	first float64       // position at start
}

// schedule is the offered load of a whole ramp: its segments in order of
// start, the first starting at 0. Its position at an elapsed time is the
// number of arrivals expected by then, a continuous, increasing function.
type schedule []segment

// segAt returns the segment in force at elapsed time t.
func (s schedule) segAt(t time.Duration) segment {
	for i := len(s) - 1; i > 0; i-- {
		if s[i].start <= t {
			return s[i]
		}
	}
	return s[0]
}

// posAt returns the schedule's position at elapsed time t.
func (s schedule) posAt(t time.Duration) float64 {
	seg := s.segAt(t)
	return seg.first + (t-seg.start).Seconds()*seg.rate
}

// timeAt returns the elapsed time at which the schedule reaches position
// pos (the inverse of posAt).
func (s schedule) timeAt(pos float64) time.Duration {
	seg := s[0]
	for i := len(s) - 1; i > 0; i-- {
		if pos >= s[i].first {
			seg = s[i]
			break
		}
	}
	return seg.start + time.Duration((pos-seg.first)/seg.rate*float64(time.Second))
}

// nextArrival is the open loop's pacing function: the position and due
// time of the arrival after the one at position prev (the first arrival is
// at position 0, due at 0). Constant arrivals are one position apart;
// Poisson arrivals an exponentially distributed gap of mean one position,
// drawn from rng. Positions map to times through the schedule, so over any
// stretch of a ramp the expected number of arrivals is exactly the
// stretch's rate × duration, for both processes.
func nextArrival(s schedule, arrival string, prev float64, rng *rand.Rand) (pos float64, due time.Duration) {
	gap := 1.0
	if arrival == scenarios.ArrivalPoisson {
		gap = rng.ExpFloat64()
	}
	pos = prev + gap
	return pos, s.timeAt(pos)
}

// stepPacer is the open-loop schedule of a whole ramp, whose rate changes
// at each step (setRate), shared by the dispatcher that sends on it and
// the controller that reaps the sends it missed. It hands out arrivals in
// order (pace); arrivals due more than DropAfter ago that nobody took are
// dropped (reap).
type stepPacer struct {
	mu      sync.Mutex
	sched   schedule
	arrival string
	rng     *rand.Rand // Poisson gaps; nil for constant arrivals
	next    float64    // position of the next arrival to hand out
	stopped bool
	// onDrop is called (under mu) with the number of arrivals just dropped.
	onDrop func(n int64)
}

// newStepPacer returns a pacer that starts at rate (arrivals per second,
// > 0) with the given arrival process, Poisson gaps drawn from seed.
func newStepPacer(rate float64, arrival string, seed int64, onDrop func(int64)) *stepPacer {
	p := &stepPacer{sched: schedule{{start: 0, rate: rate, first: 0}}, arrival: arrival, onDrop: onDrop}
	if arrival == scenarios.ArrivalPoisson {
		p.rng = rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15))
	}
	return p
}

// setRate switches to rate from elapsed time at on.
func (p *stepPacer) setRate(at time.Duration, rate float64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sched = append(p.sched, segment{start: at, rate: rate, first: p.sched.posAt(at)})
}

// stop makes the next pace call report the end of the load.
func (p *stepPacer) stop() {
	p.mu.Lock()
	p.stopped = true
	p.mu.Unlock()
}

// advance moves the next arrival one on.
func (p *stepPacer) advance() {
	p.next, _ = nextArrival(p.sched, p.arrival, p.next, p.rng)
}

// reap drops the arrivals due more than DropAfter before elapsed that
// were not handed out.
func (p *stepPacer) reap(elapsed time.Duration) {
	cut := p.sched.posAt(elapsed - DropAfter)
	if p.next >= cut {
		return
	}
	var n int64
	if p.arrival == scenarios.ArrivalPoisson {
		for ; p.next < cut; n++ {
			p.advance()
		}
	} else {
		n = int64(math.Ceil(cut - p.next))
		p.next += float64(n)
	}
	if p.onDrop != nil {
		p.onDrop(n)
	}
}

// Reap declares the overdue arrivals dropped now; the engine calls it at
// the end of each window, so that arrivals missed while the dispatcher was
// blocked are counted even if it never calls pace again.
func (p *stepPacer) Reap(elapsed time.Duration) {
	p.mu.Lock()
	p.reap(elapsed)
	p.mu.Unlock()
}

// pace looks at the next arrival at elapsed, after dropping the overdue
// ones; due is its scheduled time. When it is due (wait ≤ 0: minus its
// lateness) pace hands it to the caller, who sends it; otherwise (wait >
// 0) nothing is handed out: the caller sleeps wait (to the next multiple
// of PaceQuantum at or after due, so that one wake-up sends every arrival
// due by then) and asks again, and a rate change meanwhile moves the
// arrival (setRate). stop reports that the load ended.
func (p *stepPacer) pace(elapsed time.Duration) (due, wait time.Duration, stop bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped {
		return 0, 0, true
	}
	p.reap(elapsed)
	due = p.sched.timeAt(p.next)
	if due <= elapsed {
		p.advance()
		return due, due - elapsed, false
	}
	wake := (due + PaceQuantum - 1) / PaceQuantum * PaceQuantum
	return due, wake - elapsed, false
}

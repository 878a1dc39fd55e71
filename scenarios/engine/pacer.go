package engine

import (
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// DropAfter is how late an open-loop request may be sent: a scheduled send
// that the attacker could not make within DropAfter of its time (all
// MaxWorkers busy, or the generator starved of CPU) is counted as dropped
// and skipped, k6-style, instead of being sent in a burst later.
const DropAfter = 100 * time.Millisecond

// PaceQuantum is the granularity of the open-loop pacer's sleeps: the
// attacker wakes on multiples of it (from the start of the attack) and
// sends every request due by then, so a request leaves at most
// PaceQuantum after its scheduled time. Go's netpoller rounds shorter
// sleeps up to a millisecond anyway when the process is idle; batching the
// sends saves a wakeup per request at high rates. Latency from the
// scheduled send time includes this delay.
const PaceQuantum = time.Millisecond

// stepPacer is the open-loop schedule of a whole ramp: a vegeta.Pacer whose
// rate changes at each step (setRate), so that one vegeta Attacker serves
// the ramp. Send slots are numbered from 0; slot n of a segment with rate r
// starting at slot position f and elapsed time t0 is due at
// t0 + (n-f)/r. Each Pace call assigns the next slot to the hit vegeta is
// about to send and records the slot's due time under the hit's sequence
// number, so that results can be measured from their scheduled send time.
type stepPacer struct {
	mu      sync.Mutex
	segs    []segment
	next    int64 // next slot to assign
	stopped bool
	// onDrop is called (under mu) with the number of slots just dropped.
	onDrop func(n int64)

	ring []slot // indexed by hit sequence number mod len(ring)
	mask uint64
	// flight marks each hit in flight (see flightSlot), from the
	// transport's send until the collector takes its result, indexed like
	// ring; a compact array of its own, so that the scan at
	// each window's end reads 8 bytes per hit.
	flight []flightSlot
}

type segment struct {
	start time.Duration // elapsed time the segment begins
	rate  float64       // sends per second, > 0
	first float64       // slot position at start (fractional)
}

// slot is what the engine knows about one hit, by sequence number: its
// scheduled send time (written by Pace) and its outcome as seen by the
// transport (written by the transport, read and cleared by the consumer).
type slot struct {
	sched atomic.Int64 // elapsed ns of the scheduled send
	meta  atomic.Uint64
	// sent (ns since the transport's origin, so that rebuilt times keep
	// the monotonic clock) and wire (ns) time the request from asking for
	// a connection to the last byte of the response, as the transport saw
	// it: vegeta's own Latency also counts building the request and
	// copying the body, which is the generator's time, not the API's.
	sent atomic.Int64
	wire atomic.Int64
}

// newStepPacer returns a pacer that starts at rate; ringSize (rounded up
// to a power of two) must exceed the number of hits in flight or awaiting
// collection at any time.
func newStepPacer(rate float64, ringSize int, onDrop func(int64)) *stepPacer {
	n := 1
	for n < ringSize {
		n <<= 1
	}
	return &stepPacer{
		segs:   []segment{{start: 0, rate: rate, first: 0}},
		onDrop: onDrop,
		ring:   make([]slot, n),
		flight: make([]flightSlot, n),
		mask:   uint64(n - 1),
	}
}

// setRate switches to rate from elapsed time at on.
func (p *stepPacer) setRate(at time.Duration, rate float64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	last := p.segs[len(p.segs)-1]
	pos := last.first + (at-last.start).Seconds()*last.rate
	p.segs = append(p.segs, segment{start: at, rate: rate, first: pos})
}

// stop makes the next Pace call end the attack.
func (p *stepPacer) stop() {
	p.mu.Lock()
	p.stopped = true
	p.mu.Unlock()
}

// segFor returns the segment that slot n belongs to.
func (p *stepPacer) segFor(n int64) segment {
	for i := len(p.segs) - 1; i > 0; i-- {
		if float64(n) >= p.segs[i].first {
			return p.segs[i]
		}
	}
	return p.segs[0]
}

// due returns the elapsed time slot n is scheduled at.
func (p *stepPacer) due(n int64) time.Duration {
	s := p.segFor(n)
	return s.start + time.Duration((float64(n)-s.first)/s.rate*float64(time.Second))
}

// slotsBefore returns how many slots are due before elapsed time t.
func (p *stepPacer) slotsBefore(t time.Duration) int64 {
	s := p.segs[0]
	for i := len(p.segs) - 1; i >= 0; i-- {
		if p.segs[i].start <= t {
			s = p.segs[i]
			break
		}
	}
	pos := s.first + (t-s.start).Seconds()*s.rate
	return int64(math.Ceil(pos))
}

// reap drops the unassigned slots due more than DropAfter before elapsed.
func (p *stepPacer) reap(elapsed time.Duration) {
	if n := p.slotsBefore(elapsed-DropAfter) - p.next; n > 0 {
		p.next += n
		if p.onDrop != nil {
			p.onDrop(n)
		}
	}
}

// Reap declares the overdue slots dropped now; the engine calls it at the
// end of each window, so that slots missed while the attacker was blocked
// are counted even if it never calls Pace again.
func (p *stepPacer) Reap(elapsed time.Duration) {
	p.mu.Lock()
	p.reap(elapsed)
	p.mu.Unlock()
}

// Pace implements vegeta.Pacer: hits is the number of hits sent so far,
// and also the sequence number of the hit this call paces.
func (p *stepPacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped {
		return 0, true
	}
	p.reap(elapsed)
	n := p.next
	p.next++
	d := p.due(n)
	p.ring[hits&p.mask].sched.Store(int64(d))
	if d <= elapsed {
		return d - elapsed, false
	}
	wake := (d + PaceQuantum - 1) / PaceQuantum * PaceQuantum
	return wake - elapsed, false
}

// Rate implements vegeta.Pacer: the rate in force at elapsed.
func (p *stepPacer) Rate(elapsed time.Duration) float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := len(p.segs) - 1; i >= 0; i-- {
		if p.segs[i].start <= elapsed {
			return p.segs[i].rate
		}
	}
	return p.segs[0].rate
}

// scheduled returns the elapsed time hit seq was scheduled at.
func (p *stepPacer) scheduled(seq uint64) time.Duration {
	return time.Duration(p.ring[seq&p.mask].sched.Load())
}

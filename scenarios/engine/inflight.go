package engine

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/loadlab/loadlab/slo"
)

// flightSlot records the request its owner (a closed-loop user, or one
// open-loop hit) has in flight: 0 when none, otherwise its send time as
// nanoseconds since the driver's clock origin plus one (so that a send at
// the origin is not 0), negated once a window that closed while it was
// outstanding has counted it as a timeout (see claimAge). The sender
// writes it with one atomic store when a request begins; the collector
// swaps it to 0 when the request's result reaches it (collector.add), under
// the lock the window's claim and close take, so tracking costs no extra
// lock and no allocation per request.
//
// receiving is set once a streamed request's first token has arrived:
// the request is answering, its deadline bounds it, and a window's close
// never claims it as a timeout nor counts its age as a latency (a healthy
// stream longer than the window is not an error; its tokens are measured
// when it ends).
type flightSlot struct {
	v         atomic.Int64
	receiving atomic.Bool
}

// flightTime converts t to a slot value for origin: positive, monotonic.
func flightTime(origin, t time.Time) int64 { return int64(t.Sub(origin)) + 1 }

// begin marks a request sent at the slot value at.
func (s *flightSlot) begin(at int64) {
	s.receiving.Store(false)
	s.v.Store(at)
}

// streaming marks the request's first token arrived (see receiving).
func (s *flightSlot) streaming() { s.receiving.Store(true) }

// end marks the request's result collected and reports whether a window
// already counted it as a timeout, in which case its result must not be
// measured again.
func (s *flightSlot) end() (counted bool) { return s.v.Swap(0) < 0 }

// claim is called as a window closes: inFlight reports whether a request
// is outstanding; late whether it was sent before the slot value before
// (the window's claim cut: its end minus the claim age) and has not been
// counted yet, in which case it is now marked counted.
func (s *flightSlot) claim(before int64) (inFlight, late bool) {
	for {
		v := s.v.Load()
		switch {
		case v == 0:
			return false, false
		case v < 0 || v >= before || s.receiving.Load():
			return true, false
		case s.v.CompareAndSwap(v, -v):
			return true, true
		}
	}
}

// flightTally sums what a window's close finds in the flight slots: the
// requests in flight; the ages (at the close) of those it claims, sent
// before the claim cut; and the ages of the others sent before the slow
// cut (older than the SLO's latency bound), each a lower bound of its
// latency.
type flightTally struct {
	inFlight int64
	late     []time.Duration
	slow     []time.Duration
}

// cuts are a close's thresholds as slot values: requests sent before claim
// are claimed, those sent before slow (and not claimed) are slow; now is
// the close.
type cuts struct{ claim, slow, now int64 }

func (t *flightTally) add(s *flightSlot, c cuts) {
	sent := s.v.Load()
	in, late := s.claim(c.claim)
	switch {
	case !in:
	case late:
		t.late = append(t.late, time.Duration(c.now-sent))
	case sent > 0 && sent < c.slow && !s.receiving.Load():
		t.slow = append(t.slow, time.Duration(c.now-sent))
	}
	if in {
		t.inFlight++
	}
}

// flights is the set of closed-loop users' slots. Users register a slot
// when they start and drop it when they end; neither is per request.
type flights struct {
	origin time.Time
	mu     sync.Mutex
	slots  map[*flightSlot]struct{}
}

func newFlights() *flights {
	return &flights{origin: time.Now(), slots: make(map[*flightSlot]struct{})}
}

// register returns a new slot for one user.
func (f *flights) register() *flightSlot {
	s := &flightSlot{}
	f.mu.Lock()
	f.slots[s] = struct{}{}
	f.mu.Unlock()
	return s
}

// drop forgets s once its user has ended (its last request has ended too).
func (f *flights) drop(s *flightSlot) {
	f.mu.Lock()
	delete(f.slots, s)
	f.mu.Unlock()
}

// tally counts every slot's request in flight at now, claims those sent
// before claim and notes the ages of the others sent before slow.
func (f *flights) tally(claim, slow, now time.Time) flightTally {
	c := cuts{flightTime(f.origin, claim), flightTime(f.origin, slow), flightTime(f.origin, now)}
	var t flightTally
	f.mu.Lock()
	for s := range f.slots {
		t.add(s, c)
	}
	f.mu.Unlock()
	return t
}

// latencyBound is the tightest upper bound ("<" or "<=") that s puts on a
// latency metric of all requests (min, mean, p50 … max; not the _ok
// variants, whose distribution never holds a request without an answer,
// nor a stream's ttft_, itl_ and tpot_ ones, which bound parts of a
// request, not its whole latency); 0 when s bounds no such latency. Lower
// bounds ("min>5ms") are ignored: a long request cannot breach them.
// wholeLatency names the SLO metrics of all requests' latency.
var wholeLatency = map[string]bool{"min": true, "mean": true, "p50": true, "p90": true, "p95": true, "p99": true, "max": true}

func latencyBound(s slo.SLO) time.Duration {
	var bound time.Duration
	for _, c := range s {
		if c.Kind != slo.KindLatency || (c.Op != "<" && c.Op != "<=") || !wholeLatency[c.Metric] {
			continue
		}
		if b := time.Duration(c.Value * float64(time.Millisecond)); bound == 0 || b < bound {
			bound = b
		}
	}
	return bound
}

// claimAge returns the age beyond which a request still outstanding when
// a window of length win closes is claimed — counted once, as a timeout
// error, in that window and never again — and the reason, for the error
// sample: the window itself (the request got no answer in it) or, when
// shorter, the request timeout (the request has failed). When the SLO's
// tightest latency bound is longer than the window, a request outstanding
// for the whole window may still have met it: it is claimed all the same
// (an API that hangs must not pass on the answers it gave first), and the
// reason says to lengthen the step.
func claimAge(win, bound, timeout time.Duration) (time.Duration, string) {
	if timeout < win {
		return timeout, fmt.Sprintf("more than the request timeout %s", timeout)
	}
	if bound > win {
		return win, fmt.Sprintf("more than the whole window (%s, shorter than the SLO's latency bound %s: lengthen hold so that a request as slow as the bound can be measured)", win.Round(time.Millisecond), bound)
	}
	return win, "more than the whole window"
}

package engine

import (
	"sync"
	"sync/atomic"
	"time"
)

// flightSlot records the request its owner (a closed-loop user, or one
// open-loop hit) has in flight: 0 when none, otherwise its send time as
// nanoseconds since the driver's clock origin plus one (so that a send at
// the origin is not 0), negated once the window that closed while it was
// outstanding has counted it as a timeout. Owners write it with one atomic
// store when a request begins and one swap when it ends, so tracking costs
// no lock and no allocation per request.
type flightSlot struct{ v atomic.Int64 }

// flightTime converts t to a slot value for origin: positive, monotonic.
func flightTime(origin, t time.Time) int64 { return int64(t.Sub(origin)) + 1 }

// begin marks a request sent at the slot value at.
func (s *flightSlot) begin(at int64) { s.v.Store(at) }

// end marks the request answered (or failed) and reports whether a window
// already counted it as a timeout, in which case its result must not be
// measured again.
func (s *flightSlot) end() (counted bool) { return s.v.Swap(0) < 0 }

// claim is called as a window closes: inFlight reports whether a request
// is outstanding; late whether it was sent before the slot value before
// (the window's start) and has not been counted yet, in which case it is
// now marked counted.
func (s *flightSlot) claim(before int64) (inFlight, late bool) {
	for {
		v := s.v.Load()
		switch {
		case v == 0:
			return false, false
		case v < 0 || v >= before:
			return true, false
		case s.v.CompareAndSwap(v, -v):
			return true, true
		}
	}
}

// flightTally sums claims over slots.
type flightTally struct{ inFlight, late int64 }

func (t *flightTally) add(s *flightSlot, before int64) {
	in, late := s.claim(before)
	if in {
		t.inFlight++
	}
	if late {
		t.late++
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

// tally claims every slot for a window that started at start.
func (f *flights) tally(start time.Time) flightTally {
	before := flightTime(f.origin, start)
	var t flightTally
	f.mu.Lock()
	for s := range f.slots {
		t.add(s, before)
	}
	f.mu.Unlock()
	return t
}

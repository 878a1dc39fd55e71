package engine

import (
	"testing"
	"time"
)

// TestResultEndingAtCloseNotLost: a request that ends just as its window
// closes is either measured in the window or counted in flight, whichever
// of its result and the window's claim and close reaches the collector
// first.
func TestResultEndingAtCloseNotLost(t *testing.T) {
	for _, resultFirst := range []bool{true, false} {
		col := newCollector(nil)
		fls := newFlights()
		slot := fls.register()
		w := newWindow(time.Now(), false, 0)
		col.open(w)
		slot.begin(flightTime(fls.origin, time.Now()))
		smp := &sample{end: time.Now(), latency: time.Millisecond, ok: true, code: 200}
		if resultFirst {
			col.add(smp, nil, slot)
		}
		var tally flightTally
		col.close(func() { tally = fls.tally(w.start, w.start, time.Now()) })
		if !resultFirst {
			col.add(smp, nil, slot)
		}
		if w.requests+tally.inFlight != 1 || len(tally.late) != 0 {
			t.Errorf("result first %v: measured %d, in flight %d, claimed %d: want the request measured or in flight, once",
				resultFirst, w.requests, tally.inFlight, len(tally.late))
		}
	}
}

// TestClaimedResultNotMeasured: a request claimed at a window's close is
// not measured when its result reaches the next window.
func TestClaimedResultNotMeasured(t *testing.T) {
	col := newCollector(nil)
	fls := newFlights()
	slot := fls.register()
	sent := time.Now()
	slot.begin(flightTime(fls.origin, sent))
	w := newWindow(sent.Add(time.Nanosecond), false, 0)
	col.open(w)
	var tally flightTally
	col.close(func() { tally = fls.tally(w.start, w.start, time.Now()) })
	next := newWindow(time.Now(), false, 0)
	col.open(next)
	col.add(&sample{end: time.Now(), latency: time.Second, ok: true, code: 200}, nil, slot)
	if len(tally.late) != 1 || tally.inFlight != 1 || next.requests != 0 {
		t.Errorf("claimed %d in flight %d, next window measured %d: want 1, 1, 0", len(tally.late), tally.inFlight, next.requests)
	}
}

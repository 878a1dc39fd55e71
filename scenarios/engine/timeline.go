package engine

import (
	"sync"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/scenarios"
)

// timeline cuts a run's results into seconds for Options.Second: each
// second's requests, successes, errors by kind and p95 (an HDR histogram of
// two significant digits), with the offered load at its end. It holds one
// second at a time (bounded memory whatever the run's length); a result
// belongs to the second its arrival was added in, as a step's window
// counts it. The counters are guarded by the collector's lock (add is
// called under it); the second is handed to emit outside that lock, from
// the timeline's own goroutine, so a slow emit delays the next cut (that
// second is then longer, and says so in DurationS) but never the load.
type timeline struct {
	emit  func(record.Second)
	col   *collector
	users func() int // running closed-loop users

	// Guarded by col.mu.
	since     time.Time
	n, ok     int64
	errs      int64
	kinds     map[string]int64
	h         *hdrhistogram.Histogram
	offeredMu sync.Mutex
	step      int
	rate      float64

	stopc chan time.Time
	done  chan struct{}
}

// startTimeline starts cutting col's results into seconds from now, handing
// each to emit; stop ends it with the last, partial second.
func startTimeline(col *collector, users func() int, emit func(record.Second)) *timeline {
	t := &timeline{
		emit: emit, col: col, users: users,
		kinds: make(map[string]int64),
		h:     newHist(2),
		stopc: make(chan time.Time), done: make(chan struct{}),
	}
	col.mu.Lock()
	t.since = time.Now()
	col.tl = t
	col.mu.Unlock()
	go t.run()
	return t
}

// add counts one result; the caller holds the collector's lock.
func (t *timeline) add(s *sample) {
	t.n++
	if s.ok {
		t.ok++
	} else {
		t.errs++
		t.kinds[s.kind]++
	}
	recordUs(t.h, s.latency)
}

// setStep records the step whose load is now offered; nil-safe.
func (t *timeline) setStep(st scenarios.Step) {
	if t == nil {
		return
	}
	t.offeredMu.Lock()
	t.step, t.rate = st.Index, st.Rate
	t.offeredMu.Unlock()
}

func (t *timeline) run() {
	defer close(t.done)
	t.col.mu.Lock()
	next := t.since.Add(time.Second)
	t.col.mu.Unlock()
	timer := time.NewTimer(time.Until(next))
	defer timer.Stop()
	for {
		select {
		case now := <-timer.C:
			t.emit(t.cut(now))
			// The next cut is a whole second after the intended one, or
			// after now when emit ran late.
			next = next.Add(time.Second)
			if time.Until(next) < 0 {
				next = time.Now().Add(time.Second)
			}
			timer.Reset(time.Until(next))
		case now := <-t.stopc:
			if s := t.cut(now); s.DurationS > 0 {
				t.emit(s)
			}
			return
		}
	}
}

// cut closes the second that ends at now and starts the next.
func (t *timeline) cut(now time.Time) record.Second {
	t.offeredMu.Lock()
	step, rate := t.step, t.rate
	t.offeredMu.Unlock()
	users := 0
	if t.users != nil {
		users = t.users()
	}
	t.col.mu.Lock()
	s := record.Second{
		At:        t.since.UTC(),
		DurationS: now.Sub(t.since).Seconds(),
		Step:      step, Users: users, Rate: rate,
		Requests: t.n, Successes: t.ok, Errors: t.errs,
	}
	if s.DurationS < 0 {
		s.DurationS = 0
	}
	if t.n > 0 {
		p := float64(t.h.ValueAtQuantile(95)) / 1000
		s.P95Ms = &p
	}
	if len(t.kinds) > 0 {
		s.ErrorsByKind = t.kinds
		t.kinds = make(map[string]int64, len(s.ErrorsByKind))
	}
	t.since = now
	t.n, t.ok, t.errs = 0, 0, 0
	t.h.Reset()
	t.col.mu.Unlock()
	return s
}

// stop ends the timeline: the last second (from the previous cut to now,
// when not empty in time) is emitted before stop returns; nil-safe and
// called once.
func (t *timeline) stop() {
	if t == nil {
		return
	}
	t.stopc <- time.Now()
	<-t.done
	t.col.mu.Lock()
	t.col.tl = nil
	t.col.mu.Unlock()
}

// timeline returns the collector's timeline (nil when Options.Second is
// unset).
func (c *collector) timeline() *timeline {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tl
}

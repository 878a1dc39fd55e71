package engine

import (
	"fmt"
	"io"
	"sync"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/loadlab/loadlab/redact"
)

// collector receives every finished request from the load drivers and
// routes it to the open measurement window (if any), to the live progress
// figures and, when results are saved, to a vegeta gob encoder. A result
// belongs to the window that is open when it arrives and that began before
// it ended; results of the settle time and after the window are not
// measured (but are saved). A request stays in flight (its flightSlot set)
// until its result is added, and add ends it under the same lock as the
// window's claim and close, so that every request outstanding at a close
// is either measured in the window or seen in flight by its claim.
type collector struct {
	mu     sync.Mutex
	cur    *window
	live   live
	enc    vegeta.Encoder
	encErr error
	attack string    // Attack name given to saved results: the step
	tl     *timeline // Options.Second's seconds; nil when unset
}

// live holds the progress figures since the last snapshot.
type live struct {
	since time.Time
	n     int64
	errs  int64
	h     *hdrhistogram.Histogram
}

func newCollector(results io.Writer) *collector {
	c := &collector{live: live{since: time.Now(), h: newHist(2)}}
	if results != nil {
		c.enc = vegeta.NewEncoder(results)
	}
	return c
}

// saving reports whether results are encoded; drivers only build a full
// vegeta.Result (URL, method, error text) when they are.
func (c *collector) saving() bool { return c.enc != nil }

// add records one finished request and ends its flight slot fl (nil when
// the request was never marked in flight). res may be nil when not saving.
// A request a window already counted as a timeout (fl claimed, or
// s.counted) is saved and shown live but not measured again.
func (c *collector) add(s *sample, res *vegeta.Result, fl *flightSlot) {
	c.mu.Lock()
	if fl != nil && fl.end() {
		s.counted = true
	}
	c.live.n++
	if !s.ok {
		c.live.errs++
	}
	recordUs(c.live.h, s.latency)
	if c.tl != nil {
		c.tl.add(s)
	}
	if w := c.cur; w != nil && !s.counted && !s.end.Before(w.start) {
		w.add(s)
	}
	if c.enc != nil && res != nil && c.encErr == nil {
		res.Attack = c.attack
		redactResult(res)
		if err := c.enc.Encode(res); err != nil {
			c.encErr = fmt.Errorf("save results: %w", err)
		}
	}
	c.mu.Unlock()
}

// addDropped counts n open-loop requests that were not sent on schedule.
func (c *collector) addDropped(n int64) {
	c.mu.Lock()
	if c.cur != nil {
		c.cur.dropped += n
	}
	c.mu.Unlock()
}

// setAttack names the saved results of the step that begins.
func (c *collector) setAttack(name string) {
	c.mu.Lock()
	c.attack = name
	c.mu.Unlock()
}

// open makes w the window that receives results.
func (c *collector) open(w *window) {
	c.mu.Lock()
	c.cur = w
	c.mu.Unlock()
}

// close runs claim (which counts and claims the requests in flight, see
// flightSlot; nil for none) and stops routing results to the open window,
// which it returns, both under the lock: no result is added between the
// claim and the close, so none that the claim missed is lost.
func (c *collector) close(claim func()) *window {
	c.mu.Lock()
	if claim != nil {
		claim()
	}
	w := c.cur
	c.cur = nil
	c.mu.Unlock()
	return w
}

// with runs f on the open window (nil when none) under the lock.
func (c *collector) with(f func(w *window)) {
	c.mu.Lock()
	f(c.cur)
	c.mu.Unlock()
}

// snapshot returns the live figures since the previous snapshot and starts
// a new period; p95 is -1 when no result arrived in it.
func (c *collector) snapshot(now time.Time) (rps, errRate float64, p95 time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	l := &c.live
	if secs := now.Sub(l.since).Seconds(); secs > 0 {
		rps = float64(l.n) / secs
	}
	p95 = -1
	if l.n > 0 {
		errRate = float64(l.errs) / float64(l.n)
		p95 = time.Duration(l.h.ValueAtQuantile(95)) * time.Microsecond
	}
	l.since, l.n, l.errs = now, 0, 0
	l.h.Reset()
	return rps, errRate, p95
}

// err returns the first error of saving results.
func (c *collector) err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.encErr
}

// redactResult hides the secrets of a saved result (see package redact):
// the URL's credentials and secret query values, credential headers, and
// the same in the error text.
func redactResult(res *vegeta.Result) {
	res.URL = redact.URL(res.URL)
	res.Error = redact.String(res.Error)
	for k := range res.Headers {
		if redact.IsSecretHeader(k) {
			res.Headers[k] = []string{redact.Mask}
		}
	}
}

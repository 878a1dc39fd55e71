package engine

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/loadlab/loadlab/scenarios"
)

// openLoop drives arrival-rate steps for a whole ramp. One dispatcher
// goroutine follows the stepPacer: it sleeps until the next multiple of
// PaceQuantum at which requests are due and hands each due request's
// scheduled time to an idle worker. A worker sends one request at a time
// through the engine's sender (the closed loop's request path: the same
// request building, exchange, error kinds and timing), on the connection
// pool of the base URL its turn names (round-robin), reading the response
// in its own goroutine; then it waits for the next due request. Workers
// start when none is idle at a send time, up to maxWorkers; with all of
// them busy the dispatcher waits, and the requests due more than DropAfter
// ago by the time one comes free are dropped (see stepPacer.reap).
type openLoop struct {
	src        scenarios.Source
	pools      []*sharedPool // one per base URL
	set        *connSet
	col        *collector
	snd        *sender
	flights    *flights
	arrival    string
	seed       int64
	maxWorkers int

	pacer   *stepPacer // nil until start
	began   time.Time
	rr      atomic.Uint64
	tickets chan time.Time // a due request's scheduled send time, to an idle worker
	quit    chan struct{}  // closed by stop
	workers int            // started workers; the dispatcher's own count
	wg      sync.WaitGroup // the dispatcher and the workers
	once    sync.Once
}

// newOpenLoop prepares an open loop over bases with a connection pool of
// poolSize connections in all (split evenly over the bases) and at most
// maxWorkers requests in flight; start begins it.
func newOpenLoop(src scenarios.Source, bases []*base, set *connSet, col *collector, cfg config, poolSize int, seed int64) *openLoop {
	fl := newFlights()
	o := &openLoop{
		src: src, set: set, col: col, flights: fl,
		snd:        &sender{col: col, timeout: cfg.timeout, origin: fl.origin},
		arrival:    cfg.arrival,
		seed:       seed,
		maxWorkers: cfg.maxWorkers,
		tickets:    make(chan time.Time),
		quit:       make(chan struct{}),
	}
	per := (poolSize + len(bases) - 1) / len(bases)
	for _, b := range bases {
		o.pools = append(o.pools, newSharedPool(set, b, per))
	}
	return o
}

// start begins the load at rate.
func (o *openLoop) start(rate float64) {
	o.pacer = newStepPacer(rate, o.arrival, o.seed, o.col.addDropped)
	o.began = time.Now()
	o.wg.Add(1)
	go o.dispatch()
}

// setRate switches the load to rate now.
func (o *openLoop) setRate(rate float64) {
	o.pacer.setRate(time.Since(o.began), rate)
}

// reap counts the sends overdue by more than DropAfter as dropped.
func (o *openLoop) reap() {
	if o.pacer != nil {
		o.pacer.Reap(time.Since(o.began))
	}
}

// dispatch hands every due request to a worker until the load stops.
func (o *openLoop) dispatch() {
	defer o.wg.Done()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		due, wait, stop := o.pacer.pace(time.Since(o.began))
		if stop {
			return
		}
		if wait > 0 {
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-o.quit:
				return
			}
		}
		t := o.began.Add(due)
		select {
		case o.tickets <- t: // an idle worker took it
			continue
		default:
		}
		if o.workers < o.maxWorkers {
			o.workers++
			o.wg.Add(1)
			go o.work(t)
			continue
		}
		select {
		case o.tickets <- t:
		case <-o.quit:
			return
		}
	}
}

// work is one worker: it sends the request due at scheduled, then each
// one handed to it, until the load stops.
func (o *openLoop) work(scheduled time.Time) {
	defer o.wg.Done()
	fl := o.flights.register()
	defer o.flights.drop(fl)
	var uri []byte
	for {
		r := o.src.Next()
		p := o.pools[(o.rr.Add(1)-1)%uint64(len(o.pools))]
		uri = o.snd.send(p, p.b, &r, fl, scheduled, uri)
		select {
		case scheduled = <-o.tickets:
		case <-o.quit:
			return
		}
	}
}

// tally counts the requests in flight at now, claims those sent before
// claim and notes the ages of the others sent before slow (see
// flights.tally).
func (o *openLoop) tally(claim, slow, now time.Time) flightTally {
	return o.flights.tally(claim, slow, now)
}

// stop ends the load, interrupts in-flight requests and waits up to grace
// for the dispatcher and the workers to return.
func (o *openLoop) stop(grace time.Duration) {
	o.once.Do(func() {
		if o.pacer != nil {
			o.pacer.stop()
		}
		close(o.quit)
		o.snd.stopping.Store(true)
		o.set.interrupt()
		waitGroupTimeout(&o.wg, grace)
		o.set.closeAll()
	})
}

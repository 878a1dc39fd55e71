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
// scheduled time to an idle worker, the one idle for the shortest time
// (so that a few warm workers carry a steady load and the others stay
// asleep). A worker sends one request at a time through the engine's
// sender (the closed loop's request path: the same request building,
// exchange, error kinds and timing) to the base URL its turn names
// (round-robin), on its own keep-alive connection to that base, or
// through the base's shared pool (connections: shared), and reads the
// response in its own goroutine; then it waits for the next due request.
// Workers start when none is idle at a send time, up to maxWorkers; with
// all of them busy the dispatcher waits, and the requests due more than
// DropAfter ago by the time one comes free are dropped (see
// stepPacer.reap).
type openLoop struct {
	src        scenarios.Source
	bases      []*base
	pools      []*sharedPool // one per base URL; nil: each worker's own connections
	set        *connSet
	col        *collector
	snd        *sender
	flights    *flights
	arrival    string
	seed       int64
	maxWorkers int

	pacer *stepPacer // nil until start
	began time.Time
	rr    atomic.Uint64
	quit  chan struct{} // closed by stop
	once  sync.Once
	wg    sync.WaitGroup // the dispatcher and the workers

	mu      sync.Mutex
	idle    []*worker     // idle workers, the most recently idle last
	freed   chan struct{} // signals the dispatcher that a worker became idle
	kick    chan struct{} // signals the dispatcher that the rate changed
	workers int           // started workers; the dispatcher's own count
}

// worker is one open-loop sender goroutine.
type worker struct {
	due chan time.Time // the scheduled send time of its next request; capacity 1
}

// newOpenLoop prepares an open loop over bases with at most maxWorkers
// requests in flight; with shared connections (cfg.perUser false) they
// use a pool of cfg.pool connections in all, split evenly over the bases.
// start begins it.
func newOpenLoop(src scenarios.Source, bases []*base, set *connSet, col *collector, cfg config, seed int64) *openLoop {
	fl := newFlights()
	o := &openLoop{
		src: src, bases: bases, set: set, col: col, flights: fl,
		snd:        &sender{col: col, timeout: cfg.timeout, origin: fl.origin},
		arrival:    cfg.arrival,
		seed:       seed,
		maxWorkers: cfg.maxWorkers,
		quit:       make(chan struct{}),
		freed:      make(chan struct{}, 1),
		kick:       make(chan struct{}, 1),
	}
	if !cfg.perUser {
		per := (cfg.pool + len(bases) - 1) / len(bases)
		for _, b := range bases {
			o.pools = append(o.pools, newSharedPool(set, b, per))
		}
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

// setRate switches the load to rate now, and wakes the dispatcher so that
// it does not sleep on toward an arrival of the old rate.
func (o *openLoop) setRate(rate float64) {
	o.pacer.setRate(time.Since(o.began), rate)
	select {
	case o.kick <- struct{}{}:
	default:
	}
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
		if wait > 0 { // nothing due yet: sleep, then ask again
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-o.kick:
				timer.Stop()
			case <-o.quit:
				return
			}
			continue
		}
		if !o.hand(o.began.Add(due)) {
			return
		}
	}
}

// maxDialing bounds the connections the open loop dials at once: a new
// worker dials its connection with its first request, and while
// maxDialing dials are in progress no worker starts. A generator starved
// of CPU (or a target slow to accept) then sends late and drops requests,
// which the step reports, instead of answering every late request with
// one more connection, a storm that overflows the target's accept queue
// and stalls both for seconds.
const maxDialing = 64

// hand gives the request scheduled at t to the most recently idle worker,
// or to a new one while fewer than maxWorkers run and fewer than
// maxDialing dials are in progress, or else waits for one to come free,
// and drops the request (counted) once it is more than DropAfter late, as
// the pacer drops the arrivals it could not hand out; it reports false
// when the load stopped meanwhile.
func (o *openLoop) hand(t time.Time) bool {
	var retry *time.Timer
	defer func() {
		if retry != nil {
			retry.Stop()
		}
	}()
	for {
		o.mu.Lock()
		if n := len(o.idle); n > 0 {
			w := o.idle[n-1]
			o.idle = o.idle[:n-1]
			o.mu.Unlock()
			w.due <- t // never blocks: an idle worker's channel is empty
			return true
		}
		o.mu.Unlock()
		var again <-chan time.Time // while dials are in progress: soon
		switch {
		case o.workers >= o.maxWorkers:
		case o.set.dialing.Load() < maxDialing:
			o.workers++
			o.wg.Add(1)
			go o.work(t)
			return true
		default:
			if retry == nil {
				retry = time.NewTimer(PaceQuantum)
			} else {
				retry.Reset(PaceQuantum)
			}
			again = retry.C
		}
		if again == nil { // all workers busy: wait for one, at most until t is DropAfter late
			if retry == nil {
				retry = time.NewTimer(time.Until(t.Add(DropAfter)))
			} else {
				retry.Reset(time.Until(t.Add(DropAfter)))
			}
			again = retry.C
		}
		select {
		case <-o.freed:
		case <-again:
		case <-o.quit:
			return false
		}
		if time.Since(t) > DropAfter {
			o.col.addDropped(1)
			return true
		}
	}
}

// work is one worker: it sends the request due at scheduled, then each
// one handed to it, until the load stops.
func (o *openLoop) work(scheduled time.Time) {
	defer o.wg.Done()
	fl := o.flights.register()
	defer o.flights.drop(fl)
	var own []*ownConn // by base; nil with shared pools
	if o.pools == nil {
		own = make([]*ownConn, len(o.bases))
		defer func() {
			for _, c := range own {
				if c != nil {
					c.close()
				}
			}
		}()
	}
	w := &worker{due: make(chan time.Time, 1)}
	var scr scratch
	for {
		r := o.src.Next()
		i := (o.rr.Add(1) - 1) % uint64(len(o.bases))
		var cs connSource
		if own != nil {
			if own[i] == nil {
				own[i] = &ownConn{set: o.set, b: o.bases[i]}
			}
			cs = own[i]
		} else {
			cs = o.pools[i]
		}
		o.snd.send(cs, o.bases[i], &r, fl, scheduled, &scr)
		o.mu.Lock()
		o.idle = append(o.idle, w)
		o.mu.Unlock()
		select {
		case o.freed <- struct{}{}:
		default:
		}
		select {
		case scheduled = <-w.due:
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

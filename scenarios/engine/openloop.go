package engine

import (
	"net/http"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/loadlab/loadlab/scenarios"
)

// initialWorkers is how many vegeta workers start; vegeta adds more (up to
// MaxWorkers) whenever all are busy at a send time.
const initialWorkers = 10

// openLoop drives arrival-rate steps with one vegeta Attacker for the
// whole ramp, paced by a stepPacer whose rate changes at each step. It
// consumes vegeta's results, completes them with what the transport saw
// (success by expected status, error kind, body bytes) and the scheduled
// send time, and hands them to the collector.
type openLoop struct {
	src      scenarios.Source
	bases    []*base
	set      *connSet
	col      *collector
	pacer    *stepPacer
	atk      *vegeta.Attacker
	began    time.Time
	rr       atomic.Uint64
	stopping atomic.Bool
	done     chan struct{} // closed when vegeta's results channel is drained
	origin   time.Time     // the transport's clock origin (see slot.sent)
}

// newOpenLoop prepares the attacker; start begins the attack at rate.
func newOpenLoop(src scenarios.Source, bases []*base, set *connSet, col *collector, poolSize, maxWorkers int, timeout time.Duration, ringSize int) *openLoop {
	o := &openLoop{src: src, bases: bases, set: set, col: col, done: make(chan struct{})}
	o.pacer = newStepPacer(1, ringSize, col.addDropped)
	per := (poolSize + len(bases) - 1) / len(bases)
	o.origin = time.Now()
	tr := &vegetaTransport{pools: make(map[string]*sharedPool, len(bases)), timeout: timeout, pacer: o.pacer, origin: o.origin}
	for _, b := range bases {
		if _, ok := tr.pools[b.host]; !ok {
			tr.pools[b.host] = newSharedPool(set, b, per)
		}
	}
	client := &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	o.atk = vegeta.NewAttacker(
		vegeta.Client(client),
		vegeta.Workers(uint64(min(initialWorkers, maxWorkers))),
		vegeta.MaxWorkers(uint64(maxWorkers)),
		vegeta.MaxBody(0), // the transport counts body bytes; nothing to copy
	)
	return o
}

// start begins the attack at rate.
func (o *openLoop) start(rate float64) {
	o.pacer.segs[0].rate = rate
	o.began = time.Now()
	results := o.atk.Attack(vegeta.Targeter(o.target), o.pacer, 0, "")
	go o.consume(results)
}

// setRate switches the attack to rate now.
func (o *openLoop) setRate(rate float64) {
	o.pacer.setRate(time.Since(o.began), rate)
}

// reap counts the sends overdue by more than DropAfter as dropped.
func (o *openLoop) reap() { o.pacer.Reap(time.Since(o.began)) }

// target is the attack's Targeter: the next request of the source, sent
// round-robin to the base URLs.
func (o *openLoop) target(tgt *vegeta.Target) error {
	if tgt == nil {
		return vegeta.ErrNilTarget
	}
	r := o.src.Next()
	b := o.bases[(o.rr.Add(1)-1)%uint64(len(o.bases))]
	method := r.Method
	if method == "" {
		method = "GET"
		if len(r.Body) > 0 {
			method = "POST"
		}
	}
	path := r.Path
	if path == "" || path[0] != '/' {
		path = "/" + path
	}
	tgt.Method = method
	tgt.URL = b.raw + path
	tgt.Body = r.Body
	tgt.Header = nil
	if len(r.Headers) > 0 || len(r.Expect) > 0 {
		h := make(http.Header, len(r.Headers)+1)
		for _, kv := range r.Headers {
			k := http.CanonicalHeaderKey(kv.Key)
			h[k] = append(h[k], kv.Value)
		}
		if len(r.Expect) > 0 {
			h[expectHeader] = []string{formatExpect(r.Expect)}
		}
		tgt.Header = h
	}
	return nil
}

// consume turns vegeta's results into samples until the channel closes.
func (o *openLoop) consume(results <-chan *vegeta.Result) {
	defer close(o.done)
	for res := range results {
		if o.stopping.Load() {
			continue
		}
		sl := &o.pacer.ring[res.Seq&o.pacer.mask]
		meta := sl.meta.Swap(0)
		sent, wire := sl.sent.Swap(0), sl.wire.Swap(0)
		smp := sample{
			end:       res.End(),
			latency:   res.Latency,
			code:      int(res.Code),
			bytesOut:  int64(res.BytesOut),
			sent:      res.Timestamp,
			scheduled: o.began.Add(o.pacer.scheduled(res.Seq)),
		}
		if meta&metaTimed != 0 {
			// The transport's timing: connection to last byte, without
			// vegeta's request building and body copy (the generator's).
			smp.sent = o.origin.Add(time.Duration(sent))
			smp.latency = time.Duration(wire)
			smp.end = smp.sent.Add(smp.latency)
		}
		switch {
		case meta&metaWritten == 0: // the transport never saw it
			smp.msg = errorCause(res.Error)
			smp.kind = kindOther
			smp.code = 0
		case res.Code == 0:
			smp.msg = errorCause(res.Error)
			smp.kind = kindOther
			if i := (meta >> metaKindSh) & 0x3f; i > 0 && i < uint64(len(metaKinds)) {
				smp.kind = metaKinds[i]
			}
		default:
			smp.bytesIn = int64(meta & metaBytes)
			smp.ok = meta&metaOK != 0
			if !smp.ok {
				smp.kind = httpKind(smp.code)
			}
		}
		var saved *vegeta.Result
		if o.col.saving() {
			res.BytesIn = uint64(smp.bytesIn)
			switch {
			case smp.ok:
				res.Error = ""
			case res.Error == "":
				res.Error = "unexpected status " + statusText(smp.code)
			}
			saved = res
		}
		// The hit stays in flight until the collector ends its slot.
		o.col.add(&smp, saved, &o.pacer.flight[res.Seq&o.pacer.mask])
	}
}

// tally counts the hits in flight at now, claims those sent before claim
// and notes the ages of the others sent before slow (see flights.tally). It
// scans every flight slot (the ring holds every hit in flight, and a slot
// no hit has used is 0), once per window, under the collector's lock; it
// takes no other lock, since the pacer calls the collector under its own.
func (o *openLoop) tally(claim, slow, now time.Time) flightTally {
	c := cuts{flightTime(o.origin, claim), flightTime(o.origin, slow), flightTime(o.origin, now)}
	var t flightTally
	for i := range o.pacer.flight {
		t.add(&o.pacer.flight[i], c)
	}
	return t
}

// stop ends the attack, interrupts in-flight requests and waits up to
// grace for vegeta's workers to return.
func (o *openLoop) stop(grace time.Duration) {
	if o.stopping.Swap(true) {
		return
	}
	o.pacer.stop()
	o.atk.Stop()
	o.set.interrupt()
	if !o.began.IsZero() {
		t := time.NewTimer(grace)
		defer t.Stop()
		select {
		case <-o.done:
		case <-t.C:
		}
	}
	o.set.closeAll()
}

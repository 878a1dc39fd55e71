package engine

import (
	"fmt"
	"os"
	"time"
)

// sharedPool is a bounded pool of keep-alive connections to one base URL,
// shared by every request sent to it. A request that finds all size
// connections busy waits for one until its deadline (the wait counts in
// its latency, as it would in any pooled client).
type sharedPool struct {
	set   *connSet
	b     *base
	idle  chan *pconn
	slots chan struct{} // one token per open or dialing connection
}

func newSharedPool(set *connSet, b *base, size int) *sharedPool {
	if size < 1 {
		size = 1
	}
	return &sharedPool{set: set, b: b, idle: make(chan *pconn, size), slots: make(chan struct{}, size)}
}

// errPoolWait is returned when no pooled connection came free in time; it
// classifies as a timeout.
var errPoolWait = fmt.Errorf("no pooled connection free before the request timeout: %w", os.ErrDeadlineExceeded)

func (p *sharedPool) get(deadline time.Time) (*pconn, error) {
	for {
		c, err := p.take(deadline)
		if err != nil || c == nil {
			return c, err
		}
		if time.Since(c.lastUse) > probeIdle && peerClosed(c.Conn) {
			p.put(c, false)
			continue
		}
		return c, nil
	}
}

// take returns an idle connection, or dials one when the pool has room;
// nil, nil never happens.
func (p *sharedPool) take(deadline time.Time) (*pconn, error) {
	select {
	case c := <-p.idle:
		return c, nil
	default:
	}
	select {
	case c := <-p.idle:
		return c, nil
	case p.slots <- struct{}{}:
		return p.dial(deadline)
	default:
	}
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case c := <-p.idle:
		return c, nil
	case p.slots <- struct{}{}:
		return p.dial(deadline)
	case <-t.C:
		return nil, errPoolWait
	}
}

func (p *sharedPool) dial(deadline time.Time) (*pconn, error) {
	c, err := p.set.dial(p.b, deadline)
	if err != nil {
		<-p.slots
		return nil, err
	}
	return c, nil
}

func (p *sharedPool) put(c *pconn, reusable bool) {
	if !reusable {
		c.Close()
		<-p.slots
		return
	}
	c.lastUse = time.Now()
	p.idle <- c // never blocks: at most cap(slots) connections exist
}

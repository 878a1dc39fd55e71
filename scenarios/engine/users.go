package engine

import (
	"context"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/loadlab/loadlab/scenarios"
)

// userPool runs closed-loop users with Locust semantics: each user loops
// "pick a request from the source, send it, wait a think time drawn
// uniformly from [Think.Min, Think.Max]". Users persist across steps;
// scale adds or removes users at the spawn rate. With per-user connections
// user i holds its own keep-alive connection to base URL i mod len(bases);
// with a shared pool, requests go round-robin over the bases' pools.
type userPool struct {
	src       scenarios.Source
	bases     []*base
	set       *connSet
	shared    []*sharedPool // nil: per-user connections
	snd       *sender
	flights   *flights
	think     scenarios.Think
	spawnRate float64 // users per second; <= 0 means all at once
	seed      int64

	mu     sync.Mutex
	users  []*user
	nextID int
	wg     sync.WaitGroup
	done   chan struct{}
	rr     atomic.Uint64

	scaleCancel context.CancelFunc
	scaleDone   chan struct{}
}

type user struct {
	id   int
	stop chan struct{}
}

func newUserPool(src scenarios.Source, bases []*base, set *connSet, shared []*sharedPool, snd *sender, fl *flights, think scenarios.Think, spawnRate float64, seed int64) *userPool {
	return &userPool{
		src: src, bases: bases, set: set, shared: shared, snd: snd, flights: fl,
		think: think, spawnRate: spawnRate, seed: seed,
		done: make(chan struct{}),
	}
}

// count returns the number of running users.
func (p *userPool) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.users)
}

// scale starts moving the number of users towards n at the spawn rate,
// replacing any scaling still in progress. It returns at once.
func (p *userPool) scale(n int) {
	p.mu.Lock()
	if p.scaleCancel != nil {
		p.scaleCancel()
	}
	prev := p.scaleDone
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	p.scaleCancel, p.scaleDone = cancel, done
	p.mu.Unlock()
	go func() {
		defer close(done)
		if prev != nil {
			<-prev
		}
		p.scaleLoop(ctx, n)
	}()
}

// spawnTick is how often scaling adds or removes a batch of users.
const spawnTick = 10 * time.Millisecond

func (p *userPool) scaleLoop(ctx context.Context, n int) {
	start := time.Now()
	changed := 0
	t := time.NewTicker(spawnTick)
	defer t.Stop()
	for {
		allowed := n + p.count() // everything at once
		if p.spawnRate > 0 {
			allowed = int(p.spawnRate*time.Since(start).Seconds()) + 1 - changed
		}
		for ; allowed > 0; allowed-- {
			if !p.step(n) {
				return
			}
			changed++
		}
		select {
		case <-ctx.Done():
			return
		case <-p.done:
			return
		case <-t.C:
		}
	}
}

// step adds or removes one user towards n; it reports false when the pool
// already has n users or is stopped.
func (p *userPool) step(n int) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.done:
		return false
	default:
	}
	switch {
	case len(p.users) < n:
		u := &user{id: p.nextID, stop: make(chan struct{})}
		p.nextID++
		p.users = append(p.users, u)
		p.wg.Add(1)
		go p.run(u)
	case len(p.users) > n:
		last := len(p.users) - 1
		u := p.users[last]
		p.users[last] = nil
		p.users = p.users[:last]
		// Reuse the id so that per-user connections stay balanced across
		// base URLs.
		p.nextID = u.id
		close(u.stop)
	default:
		return false
	}
	return true
}

// run is one user's loop.
func (p *userPool) run(u *user) {
	defer p.wg.Done()
	fl := p.flights.register()
	defer p.flights.drop(fl)
	var own *ownConn
	var b *base
	if p.shared == nil {
		b = p.bases[u.id%len(p.bases)]
		own = &ownConn{set: p.set, b: b}
		defer own.close()
	}
	rng := rand.New(rand.NewPCG(uint64(p.seed), uint64(u.id)))
	var timer *time.Timer
	var scr scratch
	for {
		select {
		case <-u.stop:
			return
		case <-p.done:
			return
		default:
		}
		r := p.src.Next()
		if own != nil {
			p.snd.send(own, b, &r, fl, time.Time{}, &scr)
		} else {
			sp := p.shared[(p.rr.Add(1)-1)%uint64(len(p.shared))]
			p.snd.send(sp, sp.b, &r, fl, time.Time{}, &scr)
		}
		d := thinkTime(p.think, rng)
		if d <= 0 {
			continue
		}
		if timer == nil {
			timer = time.NewTimer(d)
		} else {
			timer.Reset(d)
		}
		select {
		case <-timer.C:
		case <-u.stop:
			timer.Stop()
			return
		case <-p.done:
			timer.Stop()
			return
		}
	}
}

// thinkTime draws a pause uniformly from [t.Min, t.Max].
func thinkTime(t scenarios.Think, rng *rand.Rand) time.Duration {
	if t.Max <= t.Min {
		return t.Min
	}
	return t.Min + time.Duration(rng.Int64N(int64(t.Max-t.Min)+1))
}

// stop ends every user: thinking users at once, users in a request by
// interrupting their connection. It waits up to grace for them to return.
func (p *userPool) stop(grace time.Duration) {
	p.mu.Lock()
	select {
	case <-p.done:
		p.mu.Unlock()
		return
	default:
	}
	close(p.done)
	if p.scaleCancel != nil {
		p.scaleCancel()
	}
	p.users = nil
	p.mu.Unlock()
	p.snd.stopping.Store(true)
	p.set.interrupt()
	waitGroupTimeout(&p.wg, grace)
	p.set.closeAll()
}

// waitGroupTimeout waits for wg up to d and reports whether it finished.
func waitGroupTimeout(wg *sync.WaitGroup, d time.Duration) bool {
	ch := make(chan struct{})
	go func() {
		wg.Wait()
		close(ch)
	}()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ch:
		return true
	case <-t.C:
		return false
	}
}

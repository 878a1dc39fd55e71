// Package balance is a client-side TCP balancer on 127.0.0.1 over a
// target whose replicas come and go: a rolling update on Swarm with
// host-mode ports gives every new task a new port, which a load engine
// started with a fixed list of URLs would never reach. The balancer
// accepts the engine's connections and hands each one, round-robin, to
// one of the replicas listed at that moment (runtime.Deployment.URLs,
// re-read for every connection), then copies bytes both ways until either
// side closes. It is an L4 balancer like Swarm's routing mesh or
// kube-proxy: a keep-alive connection stays on its replica until that
// replica closes it; a connection whose replica cannot be dialled is
// closed at once (no retry, so the request on it fails and is counted as
// the engine sees it: eof or reset); with no replica listed it is closed
// too. With a health path, a replica gets connections only once its
// health path has answered 2xx (checked in the background every
// healthEvery from when it is listed, as a load balancer's health check or
// a Kubernetes readiness probe would): a task Swarm reports running but
// whose API still loads is not sent load. It never hides a failure of the
// target.
package balance

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// dialTimeout bounds the connection to a replica.
const dialTimeout = 2 * time.Second

// healthEvery is how often a listed replica that is not ready yet is
// checked.
const healthEvery = 100 * time.Millisecond

// Balancer is a listening balancer; Close stops it and every connection.
type Balancer struct {
	ln    net.Listener
	urls  func() []string
	next  atomic.Uint64
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns map[net.Conn]struct{}
	done  chan struct{}

	accepted, dialFailed, noReplica atomic.Int64

	health string // "" : every listed replica is ready
	hmu    sync.Mutex
	ready  map[string]bool // base URL → its health path answered 2xx
	check  map[string]bool // base URLs being checked
}

// Stats counts the balancer's connections: accepted from the engine,
// closed because their replica could not be dialled, closed because no
// replica was listed.
type Stats struct {
	Accepted, DialFailed, NoReplica int64
}

// Start listens on 127.0.0.1 (a free port) and balances over the replicas
// urls lists (base URLs such as "http://10.213.0.2:32768"; only their
// host:port is used).
//
// healthPath, when not empty ("/health"), gates each replica on its
// health check (see the package comment).
func Start(urls func() []string, healthPath string) (*Balancer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("balancer: listen on 127.0.0.1: %w", err)
	}
	b := &Balancer{ln: ln, urls: urls, conns: map[net.Conn]struct{}{}, done: make(chan struct{}),
		health: healthPath, ready: map[string]bool{}, check: map[string]bool{}}
	b.wg.Add(1)
	go b.serve()
	if healthPath != "" {
		b.wg.Add(1)
		go b.watch()
	}
	return b, nil
}

// URL is the balancer's base URL ("http://127.0.0.1:<port>").
func (b *Balancer) URL() string { return "http://" + b.ln.Addr().String() }

// Stats returns the counts so far.
func (b *Balancer) Stats() Stats {
	return Stats{Accepted: b.accepted.Load(), DialFailed: b.dialFailed.Load(), NoReplica: b.noReplica.Load()}
}

// Close stops listening, closes every connection and waits for the
// copies to end; it is safe to call more than once.
func (b *Balancer) Close() error {
	select {
	case <-b.done:
		return nil
	default:
	}
	close(b.done)
	err := b.ln.Close()
	b.mu.Lock()
	for c := range b.conns {
		_ = c.Close()
	}
	b.mu.Unlock()
	b.wg.Wait()
	if err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("balancer: close: %w", err)
	}
	return nil
}

func (b *Balancer) serve() {
	defer b.wg.Done()
	for {
		c, err := b.ln.Accept()
		if err != nil {
			select {
			case <-b.done:
				return
			default:
			}
			time.Sleep(10 * time.Millisecond) // a transient accept error (EMFILE)
			continue
		}
		b.accepted.Add(1)
		b.wg.Add(1)
		go b.handle(c)
	}
}

// track adds (or removes) c from the open connections; it refuses a new
// one once the balancer is closing.
func (b *Balancer) track(c net.Conn, add bool) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !add {
		delete(b.conns, c)
		return true
	}
	select {
	case <-b.done:
		return false
	default:
	}
	b.conns[c] = struct{}{}
	return true
}

func (b *Balancer) handle(client net.Conn) {
	defer b.wg.Done()
	defer client.Close()
	if !b.track(client, true) {
		return
	}
	defer b.track(client, false)
	addr := b.pick()
	if addr == "" {
		b.noReplica.Add(1)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), dialTimeout)
	var d net.Dialer
	server, err := d.DialContext(ctx, "tcp", addr)
	cancel()
	if err != nil {
		b.dialFailed.Add(1)
		return
	}
	defer server.Close()
	if !b.track(server, true) {
		return
	}
	defer b.track(server, false)
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		// Half-close so the other direction can finish; a full close
		// follows when both are done.
		if tc, ok := dst.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
		done <- struct{}{}
	}
	go pipe(server, client)
	go pipe(client, server)
	<-done
	// One side ended: the other side gets what was in flight, then both
	// close (a replica that went away ends the engine's connection too).
	select {
	case <-done:
	case <-time.After(dialTimeout):
	case <-b.done:
	}
}

// pick returns the next replica's host:port, round-robin over the list of
// the moment; "" when none is listed.
func (b *Balancer) pick() string {
	us := b.readyOf(b.urls())
	if len(us) == 0 {
		return ""
	}
	raw := us[int(b.next.Add(1)-1)%len(us)]
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	return u.Host
}

// watch starts the health checks of newly listed replicas every
// healthEvery, so that a replica is ready by the time a connection needs
// it (connections are rare under keep-alive: checking only when one
// arrives would leave the new tasks of a rollout unchecked at the moment
// the old ones close their connections).
func (b *Balancer) watch() {
	defer b.wg.Done()
	t := time.NewTicker(healthEvery)
	defer t.Stop()
	for {
		b.readyOf(b.urls())
		select {
		case <-b.done:
			return
		case <-t.C:
		}
	}
}

// readyOf keeps the replicas of us whose health check passed (all of them
// without a health path) and starts checking the others.
func (b *Balancer) readyOf(us []string) []string {
	if b.health == "" {
		return us
	}
	b.hmu.Lock()
	defer b.hmu.Unlock()
	var out []string
	for _, u := range us {
		switch {
		case b.ready[u]:
			out = append(out, u)
		case !b.check[u]:
			b.check[u] = true
			b.wg.Add(1)
			go b.await(u)
		}
	}
	return out
}

// await checks u's health path every healthEvery until it answers 2xx
// (then u is ready), u is no longer listed, or the balancer closes.
func (b *Balancer) await(u string) {
	defer b.wg.Done()
	client := &http.Client{Timeout: time.Second}
	t := time.NewTicker(healthEvery)
	defer t.Stop()
	for {
		if resp, err := client.Get(u + b.health); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode >= 200 && resp.StatusCode < 300 {
				b.hmu.Lock()
				b.ready[u] = true
				delete(b.check, u)
				b.hmu.Unlock()
				return
			}
		}
		select {
		case <-b.done:
			return
		case <-t.C:
		}
		if !slices.Contains(b.urls(), u) {
			b.hmu.Lock()
			delete(b.check, u)
			b.hmu.Unlock()
			return
		}
	}
}

// WaitReady returns once every replica listed now has passed its health
// check (at once without a health path), or with ctx's error.
func (b *Balancer) WaitReady(ctx context.Context) error {
	for {
		listed := b.urls()
		if len(listed) > 0 && len(b.readyOf(listed)) == len(listed) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("balancer: replicas %v not all healthy: %w", listed, ctx.Err())
		case <-time.After(healthEvery / 2):
		}
	}
}

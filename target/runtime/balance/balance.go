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
// too. It never hides a failure of the target.
package balance

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// dialTimeout bounds the connection to a replica.
const dialTimeout = 2 * time.Second

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
func Start(urls func() []string) (*Balancer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("balancer: listen on 127.0.0.1: %w", err)
	}
	b := &Balancer{ln: ln, urls: urls, conns: map[net.Conn]struct{}{}, done: make(chan struct{})}
	b.wg.Add(1)
	go b.serve()
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
	us := b.urls()
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

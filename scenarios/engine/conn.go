package engine

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// probeIdle is how long a per-user connection may sit idle before it is
// checked for a close by the server (as urllib3 does before reusing one),
// so that a server's keep-alive timeout is not reported as an error.
const probeIdle = 500 * time.Millisecond

var errStopped = errors.New("load stopped")

// base is one parsed base URL; request paths are appended to prefix.
type base struct {
	raw    string // as given, without a trailing slash
	addr   string // host:port to dial
	host   string // Host header
	prefix string // path prefix without a trailing slash
	tls    bool
}

// parseBases parses the base URLs: http or https, a host, no query.
func parseBases(urls []string) ([]*base, error) {
	if len(urls) == 0 {
		return nil, errors.New("no target URL: give at least one base URL such as http://127.0.0.1:8000")
	}
	var errs []error
	out := make([]*base, 0, len(urls))
	for _, raw := range urls {
		u, err := url.Parse(raw)
		if err != nil {
			errs = append(errs, fmt.Errorf("url %q: %w", raw, err))
			continue
		}
		if u.Scheme != "http" && u.Scheme != "https" {
			errs = append(errs, fmt.Errorf("url %q: scheme must be http or https", raw))
			continue
		}
		if u.Host == "" {
			errs = append(errs, fmt.Errorf("url %q: missing host (want e.g. http://127.0.0.1:8000)", raw))
			continue
		}
		if u.RawQuery != "" || u.Fragment != "" {
			errs = append(errs, fmt.Errorf("url %q: a base URL takes no query or fragment; put them in the request path", raw))
			continue
		}
		port := u.Port()
		if port == "" {
			port = "80"
			if u.Scheme == "https" {
				port = "443"
			}
		}
		b := &base{
			raw:    strings.TrimSuffix(u.Scheme+"://"+u.Host+u.EscapedPath(), "/"),
			addr:   net.JoinHostPort(u.Hostname(), port),
			host:   u.Host,
			prefix: strings.TrimSuffix(u.EscapedPath(), "/"),
			tls:    u.Scheme == "https",
		}
		out = append(out, b)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// pconn is one client connection. It counts itself in its connSet while
// open and remembers when it was last used.
type pconn struct {
	net.Conn
	raw     *rawSock // plain TCP: reads and writes go through it; nil otherwise
	set     *connSet
	lastUse time.Time
	once    sync.Once
}

// Read reads into b, through the raw socket on a plain TCP connection.
func (c *pconn) Read(b []byte) (int, error) {
	if c.raw == nil {
		return c.Conn.Read(b)
	}
	return c.raw.read(b)
}

// Write writes b, through the raw socket on a plain TCP connection.
func (c *pconn) Write(b []byte) (int, error) {
	if c.raw == nil {
		return c.Conn.Write(b)
	}
	return c.raw.write(b)
}

// Close closes the connection and removes it from its set; it is safe to
// call more than once.
func (c *pconn) Close() error {
	var err error
	c.once.Do(func() {
		c.set.remove(c)
		err = c.Conn.Close()
	})
	return err
}

// connSet dials connections and tracks every open one, so that the number
// of open connections can be reported and in-flight requests interrupted
// when the load stops.
type connSet struct {
	timeout time.Duration
	tls     *tls.Config
	// dialing counts the dials in progress (TLS handshakes included).
	dialing atomic.Int64

	mu      sync.Mutex
	open    map[*pconn]struct{}
	stopped bool
}

// newConnSet returns an empty set dialing with tlsCfg for https bases (nil:
// the system roots).
func newConnSet(timeout time.Duration, tlsCfg *tls.Config) *connSet {
	return &connSet{timeout: timeout, tls: tlsCfg, open: make(map[*pconn]struct{})}
}

// dial opens a connection to b before deadline.
func (s *connSet) dial(b *base, deadline time.Time) (*pconn, error) {
	s.mu.Lock()
	stopped := s.stopped
	s.mu.Unlock()
	if stopped {
		return nil, errStopped
	}
	s.dialing.Add(1)
	defer s.dialing.Add(-1)
	d := net.Dialer{Deadline: deadline, KeepAlive: 30 * time.Second}
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	nc, err := d.DialContext(ctx, "tcp", b.addr)
	if err != nil {
		return nil, err
	}
	if b.tls {
		cfg := &tls.Config{}
		if s.tls != nil {
			cfg = s.tls.Clone()
		}
		if cfg.ServerName == "" {
			cfg.ServerName = hostOnly(b.host)
		}
		tc := tls.Client(nc, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			nc.Close()
			return nil, &tlsError{addr: b.addr, err: err}
		}
		nc = tc
	}
	c := &pconn{Conn: nc, raw: newRawSock(nc), set: s, lastUse: time.Now()}
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		nc.Close()
		return nil, errStopped
	}
	s.open[c] = struct{}{}
	s.mu.Unlock()
	return c, nil
}

// loadSystemRoots has crypto/x509 load the system's root certificates now
// when a handshake of the run will verify against them. x509 loads them
// once per process, otherwise on the first verification: inside the first
// step, where parsing them (140-200 ms under the race detector on a busy
// machine) was timed as the latency of the first requests and could
// reach into the measured window. A failure to load is left to the
// handshakes, which report it as kind tls.
func loadSystemRoots(bases []*base, tlsCfg *tls.Config) {
	if verifiesWithSystemRoots(bases, tlsCfg) {
		_, _ = x509.SystemCertPool()
	}
}

// verifiesWithSystemRoots reports whether a handshake with one of bases
// verifies the server against the system's roots: a base is https and
// tlsCfg (nil: the defaults) neither skips verification nor sets its own
// roots.
func verifiesWithSystemRoots(bases []*base, tlsCfg *tls.Config) bool {
	if tlsCfg != nil && (tlsCfg.InsecureSkipVerify || tlsCfg.RootCAs != nil) {
		return false
	}
	for _, b := range bases {
		if b.tls {
			return true
		}
	}
	return false
}

func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return hostport
}

func (s *connSet) remove(c *pconn) {
	s.mu.Lock()
	delete(s.open, c)
	s.mu.Unlock()
}

// count returns the number of open connections.
func (s *connSet) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.open)
}

// interrupt refuses new connections and makes every pending read and write
// on the open ones fail at once, so that in-flight requests end promptly.
func (s *connSet) interrupt() {
	s.mu.Lock()
	s.stopped = true
	conns := make([]*pconn, 0, len(s.open))
	for c := range s.open {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	past := time.Unix(1, 0)
	for _, c := range conns {
		_ = c.SetDeadline(past)
	}
}

// closeAll closes every open connection.
func (s *connSet) closeAll() {
	s.mu.Lock()
	s.stopped = true
	conns := make([]*pconn, 0, len(s.open))
	for c := range s.open {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		_ = c.Close()
	}
}

// connSource hands out a connection for one request and takes it back.
type connSource interface {
	// get returns a connection, dialing or waiting until deadline.
	get(deadline time.Time) (*pconn, error)
	// put returns c; a connection that is not reusable is closed.
	put(c *pconn, reusable bool)
}

// ownConn is a closed-loop user's own keep-alive connection, dialed on
// first use and redialed after an error or a close by the server.
type ownConn struct {
	set *connSet
	b   *base
	c   *pconn
}

func (o *ownConn) get(deadline time.Time) (*pconn, error) {
	if o.c != nil && time.Since(o.c.lastUse) > probeIdle && peerClosed(o.c.Conn) {
		o.c.Close()
		o.c = nil
	}
	if o.c == nil {
		c, err := o.set.dial(o.b, deadline)
		if err != nil {
			return nil, err
		}
		o.c = c
	}
	return o.c, nil
}

func (o *ownConn) put(c *pconn, reusable bool) {
	if !reusable {
		c.Close()
		o.c = nil
		return
	}
	c.lastUse = time.Now()
}

func (o *ownConn) close() {
	if o.c != nil {
		o.c.Close()
		o.c = nil
	}
}

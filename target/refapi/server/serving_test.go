package server

import (
	"context"
	"net"
	"testing"
)

// serving is a server with the embedded model run by its own Serve on a
// loopback listener, for tests of its lifecycle: cancel starts the
// shutdown, served receives Serve's result.
type serving struct {
	ln     net.Listener
	url    string
	cancel context.CancelFunc
	served chan error
}

// serveLoaded starts Serve for a server with configuration cfg and the
// embedded model; the test's end cancels it.
func serveLoaded(t *testing.T, cfg Config) serving {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetModel(embedded(t), "embedded"); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	sv := serving{ln: ln, url: "http://" + ln.Addr().String(), cancel: cancel, served: make(chan error, 1)}
	go func() { sv.served <- s.Serve(ctx, ln) }()
	return sv
}

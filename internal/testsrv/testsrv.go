// Package testsrv holds what tests that start a server in their own
// process share: a free loopback address to serve on, waiting until the
// server answers, waiting until it has stopped, and a self-signed HTTPS
// server with its certificate in a file.
package testsrv

import (
	"net"
	"testing"
	"time"
)

// FreeAddr is a loopback host:port that was free a moment ago (the
// listener that found it is closed before returning).
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// Poll is how often WaitUntil tries again.
const Poll = 20 * time.Millisecond

// WaitUntil calls ready every Poll until it returns nil, failing the test
// with its last error when timeout has passed first; what names the
// awaited state ("healthy").
func WaitUntil(t testing.TB, timeout time.Duration, what string, ready func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := ready()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("never %s within %s: %v", what, timeout, err)
		}
		time.Sleep(Poll)
	}
}

// WaitStopped waits up to timeout for the error of a server's serve
// function (what names it) and fails the test when it returns one or
// does not return.
func WaitStopped(t testing.TB, done <-chan error, timeout time.Duration, what string) {
	t.Helper()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("%s after it was stopped: %v", what, err)
		}
	case <-time.After(timeout):
		t.Fatalf("%s did not return within %s of being stopped", what, timeout)
	}
}

package testsrv

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"testing"
	"time"
)

// fakeTB records a failure instead of stopping the test.
type fakeTB struct {
	testing.TB
	failed string
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.failed = format
	panic(f)
}

// outcome runs f against a fakeTB and returns the failure format, "" if none.
func outcome(f func(testing.TB)) (failed string) {
	tb := &fakeTB{}
	defer func() {
		if r := recover(); r != nil && r != any(tb) {
			panic(r)
		}
		failed = tb.failed
	}()
	f(tb)
	return
}

func TestFreeAddrIsListenable(t *testing.T) {
	ln, err := net.Listen("tcp", FreeAddr(t))
	if err != nil {
		t.Fatalf("FreeAddr gave an address one cannot listen on: %v", err)
	}
	ln.Close()
}

func TestWaitUntil(t *testing.T) {
	tries := 0
	if f := outcome(func(tb testing.TB) {
		WaitUntil(tb, time.Second, "ready", func() error {
			if tries++; tries < 3 {
				return errors.New("not yet")
			}
			return nil
		})
	}); f != "" || tries != 3 {
		t.Errorf("ready on the third try: failure %q after %d tries", f, tries)
	}
	if f := outcome(func(tb testing.TB) {
		WaitUntil(tb, 3*Poll, "ready", func() error { return errors.New("down") })
	}); f == "" {
		t.Error("never ready: no failure")
	}
}

func TestWaitStopped(t *testing.T) {
	stopped := make(chan error, 1)
	stopped <- nil
	if f := outcome(func(tb testing.TB) { WaitStopped(tb, stopped, time.Second, "serve") }); f != "" {
		t.Errorf("stopped cleanly: failure %q", f)
	}
	failed := make(chan error, 1)
	failed <- errors.New("boom")
	if f := outcome(func(tb testing.TB) { WaitStopped(tb, failed, time.Second, "serve") }); f == "" {
		t.Error("serve returned an error: no failure")
	}
	if f := outcome(func(tb testing.TB) { WaitStopped(tb, make(chan error), 10*time.Millisecond, "serve") }); f == "" {
		t.Error("serve never returned: no failure")
	}
}

// TestSelfSignedTLS: a client trusting caFile gets the handler's answer;
// one with the system roots is refused.
func TestSelfSignedTLS(t *testing.T) {
	srv, caFile := SelfSignedTLS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("hi")) }))
	b, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		t.Fatalf("%s holds no PEM certificate", caFile)
	}
	trusting := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := trusting.Get(srv.URL)
	if err != nil {
		t.Fatalf("client trusting %s: %v", caFile, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "hi" {
		t.Errorf("body %q, want the handler's", body)
	}
	if _, err := http.Get(srv.URL); err == nil {
		t.Error("a client with the system roots accepted the self-signed certificate")
	}
}

package server

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/loadlab/loadlab/internal/testsrv"
)

// TestDrainKeepsServingWithConnectionClose: with a drain period, shutdown
// first keeps serving — /predict answers on a connection that was open
// before and on a new one, each response with Connection: close so that
// clients leave it; /health says 503 "draining" so balancers stop sending
// — and only then stops accepting; Serve returns nil. Without a drain the
// listener closes at once (TestGracefulShutdownFinishesInFlightRequest).
func TestDrainKeepsServingWithConnectionClose(t *testing.T) {
	cfg := testConfig()
	cfg.DrainTimeout = 1500 * time.Millisecond
	sv := serveLoaded(t, cfg)
	ln, url, cancel, served := sv.ln, sv.url, sv.cancel, sv.served

	keep := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	defer keep.CloseIdleConnections()
	predict := func(c *http.Client) *http.Response {
		t.Helper()
		resp, err := c.Post(url+"/predict", "application/json", strings.NewReader(`{"age":35,"salary":75000,"web_visits":15,"last_action":"form_submit"}`))
		if err != nil {
			t.Fatalf("predict while draining: %v", err)
		}
		resp.Body.Close()
		return resp
	}
	if r := predict(keep); r.StatusCode != 200 || r.Close {
		t.Fatalf("before shutdown: status %d, close %v", r.StatusCode, r.Close)
	}
	began := time.Now()
	cancel() // as SIGTERM does in `loadlab serve`
	testsrv.WaitUntil(t, 5*time.Second, "health says draining", func() error {
		resp, err := http.Get(url + "/health")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable {
			return fmt.Errorf("health %s, want 503 draining", resp.Status)
		}
		return nil
	})
	for name, c := range map[string]*http.Client{"the kept-alive connection": keep, "a new connection": {Transport: &http.Transport{}}} {
		if r := predict(c); r.StatusCode != 200 || !r.Close {
			t.Errorf("%s while draining: status %d, Connection: close %v; want 200 and close", name, r.StatusCode, r.Close)
		}
	}
	select {
	case err := <-served:
		if err != nil || time.Since(began) < cfg.DrainTimeout {
			t.Fatalf("Serve returned %v after %v, want nil after the drain (%v)", err, time.Since(began), cfg.DrainTimeout)
		}
	case <-time.After(cfg.DrainTimeout + 10*time.Second):
		t.Fatal("Serve did not return after the drain")
	}
	if c, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		c.Close()
		t.Error("the listener still accepts after the drain")
	}
}

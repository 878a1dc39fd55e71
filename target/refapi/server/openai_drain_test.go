package server

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/loadlab/loadlab/internal/testsrv"
)

// TestStreamsAcrossShutdown: a stream in flight when shutdown begins runs
// to its end ([DONE], every token); while the server drains, a new stream
// is still served, with Connection: close; then Serve returns nil.
func TestStreamsAcrossShutdown(t *testing.T) {
	cfg := testConfig()
	cfg.DrainTimeout = 1 * time.Second
	sv := serveLoaded(t, cfg)
	const n = 1500
	resp := openStream(t, context.Background(), sv.url, chatPath, chatBody(fmt.Sprintf(`,"max_tokens":%d,"ignore_eos":true,"stream":true`, n)))
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	if _, ok := nextEvent(t, r); !ok {
		t.Fatal("no first event")
	}
	sv.cancel() // as SIGTERM does in `loadlab serve`
	testsrv.WaitUntil(t, 5*time.Second, "health says draining", func() error {
		h, err := http.Get(sv.url + "/health")
		if err != nil {
			return err
		}
		h.Body.Close()
		if h.StatusCode != http.StatusServiceUnavailable {
			return fmt.Errorf("health %s, want 503 draining", h.Status)
		}
		return nil
	})
	fresh := openStream(t, context.Background(), sv.url, chatPath, chatBody(`,"max_tokens":5,"ignore_eos":true,"stream":true`))
	if s := parseSSE(t, fresh.Header, bufio.NewReader(fresh.Body)); !fresh.Close || len(s.pieces) != 5 || !s.done {
		t.Errorf("a stream started while draining: Connection: close %v, %d tokens, [DONE] %v", fresh.Close, len(s.pieces), s.done)
	}
	fresh.Body.Close()
	rest := parseSSE(t, resp.Header, r)
	if len(rest.pieces) != n-1 || rest.finish != "length" || !rest.done {
		t.Fatalf("the in-flight stream: %d more tokens, finish %q, [DONE] %v; want %d, length, [DONE]", len(rest.pieces), rest.finish, rest.done, n-1)
	}
	select {
	case err := <-sv.served:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(cfg.DrainTimeout + 20*time.Second):
		t.Fatal("Serve did not return after the drain")
	}
}

package balance

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// TestBalancerFollowsTheReplicaList sends real HTTP requests through the
// balancer while the replica list changes: new connections go round-robin
// to the replicas listed at that moment, a listed replica that is gone
// fails the request (never retried elsewhere), an empty list fails it too,
// and Close ends everything.
func TestBalancerFollowsTheReplicaList(t *testing.T) {
	serve := func(name string) *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, name) }))
	}
	a, bsrv := serve("a"), serve("b")
	defer a.Close()
	defer bsrv.Close()
	var mu sync.Mutex
	list := []string{a.URL}
	set := func(us ...string) { mu.Lock(); list = us; mu.Unlock() }
	bal, err := Start(func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), list...) }, "")
	if err != nil {
		t.Fatal(err)
	}
	defer bal.Close()
	// A new connection per request: each is balanced on its own.
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	get := func() (string, error) {
		resp, err := client.Get(bal.URL() + "/")
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return string(b), err
	}
	for range 3 {
		if got, err := get(); err != nil || got != "a" {
			t.Fatalf("only a listed: got %q, %v", got, err)
		}
	}
	set(a.URL, bsrv.URL)
	seen := map[string]int{}
	for range 6 {
		got, err := get()
		if err != nil {
			t.Fatal(err)
		}
		seen[got]++
	}
	if seen["a"] != 3 || seen["b"] != 3 {
		t.Errorf("round-robin over a and b: %v", seen)
	}
	set(bsrv.URL)
	if got, err := get(); err != nil || got != "b" {
		t.Errorf("only b listed: got %q, %v", got, err)
	}
	gone := a.URL
	a.Close()
	set(gone)
	if got, err := get(); err == nil {
		t.Errorf("a gone but listed: answered %q", got)
	}
	set()
	if got, err := get(); err == nil {
		t.Errorf("nothing listed: answered %q", got)
	}
	st := bal.Stats()
	if st.DialFailed != 1 || st.NoReplica != 1 || st.Accepted != 12 {
		t.Errorf("stats %+v, want 12 accepted, 1 dial failure, 1 without replica", st)
	}
	if err := bal.Close(); err != nil {
		t.Fatal(err)
	}
	if err := bal.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := get(); err == nil {
		t.Error("answered after Close")
	}
}

// TestBalancerWaitsForHealth lists a replica whose health path answers 503
// (an API still loading its model) beside a healthy one: it gets no
// connection until its health path answers 200, then its share.
func TestBalancerWaitsForHealth(t *testing.T) {
	var ready sync.Mutex
	loading := true
	mk := func(name string, gated bool) *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ready.Lock()
			l := loading
			ready.Unlock()
			if gated && l {
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			io.WriteString(w, name)
		}))
	}
	a, b := mk("a", false), mk("b", true)
	defer a.Close()
	defer b.Close()
	bal, err := Start(func() []string { return []string{a.URL, b.URL} }, "/health")
	if err != nil {
		t.Fatal(err)
	}
	defer bal.Close()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	get := func() string {
		resp, err := client.Get(bal.URL() + "/predict")
		if err != nil {
			return "error: " + err.Error()
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return string(body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if err := bal.WaitReady(ctx); err == nil {
		t.Fatal("WaitReady returned while b's health answers 503")
	}
	if got := get(); got != "a" {
		t.Fatalf("a is ready, b loads: got %q", got)
	}
	for range 10 {
		if got := get(); got != "a" {
			t.Fatalf("while b loads, got %q", got)
		}
	}
	ready.Lock()
	loading = false
	ready.Unlock()
	ctx2, cancel2 := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel2()
	if err := bal.WaitReady(ctx2); err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	deadline := time.Now().Add(5 * time.Second)
	for seen["b"] == 0 && time.Now().Before(deadline) {
		seen[get()]++
		time.Sleep(10 * time.Millisecond)
	}
	if seen["b"] == 0 {
		t.Errorf("b never served once healthy: %v", seen)
	}
}

package balance

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
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
	bal, err := Start(func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), list...) })
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

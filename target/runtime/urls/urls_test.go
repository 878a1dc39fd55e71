package urls

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/loadlab/loadlab/target/runtime"
)

func TestDeployReturnsURLsUnchanged(t *testing.T) {
	var hits int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/health" {
			hits++
			return
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()
	urls := []string{srv.URL, srv.URL + "/"}
	d, err := New().Deploy(context.Background(), runtime.Spec{URLs: urls, HealthPath: "/health", HealthTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if got := d.URLs(); !slices.Equal(got, urls) {
		t.Errorf("URLs() = %v, want %v", got, urls)
	}
	if hits != 2 {
		t.Errorf("health checked %d times, want once per URL", hits)
	}
	u, err := d.Stats(context.Background())
	if err != nil || len(u.Replicas) != 0 {
		t.Errorf("Stats = %+v, %v; want empty", u, err)
	}
	if err := d.Close(context.Background()); err != nil {
		t.Error(err)
	}
}

func TestDeployNoHealthPathSkipsCheck(t *testing.T) {
	// Nothing listens on this URL; without a health path it is not probed.
	d, err := New().Deploy(context.Background(), runtime.Spec{URLs: []string{"http://127.0.0.1:1"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.URLs()) != 1 {
		t.Errorf("URLs() = %v", d.URLs())
	}
}

func TestDeployUnhealthy(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	_, err := New().Deploy(context.Background(), runtime.Spec{URLs: []string{srv.URL}, HealthPath: "health", HealthTimeout: 300 * time.Millisecond})
	if err == nil {
		t.Fatal("Deploy succeeded against an API answering 503")
	}
	for _, want := range []string{"url 1", srv.URL + "/health", "HTTP 503"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		raw     string
		wantErr string
	}{
		{"http://127.0.0.1:8000", ""},
		{"https://api.example.com/v1", ""},
		{"ftp://127.0.0.1", "http or https"},
		{"127.0.0.1:8000", "http or https"},
		{"http://", "needs a host"},
		{"http://u:p@127.0.0.1", "user:password"},
		{"http://127.0.0.1/?a=1", "without query"},
		{"http://[::1", "not a URL"},
	}
	for _, tt := range tests {
		err := Check(tt.raw)
		if tt.wantErr == "" {
			if err != nil {
				t.Errorf("Check(%q) = %v", tt.raw, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("Check(%q) = %v, want error with %q", tt.raw, err, tt.wantErr)
		}
	}
}

func TestDeployJoinsAllBadURLs(t *testing.T) {
	_, err := New().Deploy(context.Background(), runtime.Spec{URLs: []string{"ftp://a", "http://ok:1", "nohost"}})
	if err == nil || !strings.Contains(err.Error(), "url 1") || !strings.Contains(err.Error(), "url 3") || strings.Contains(err.Error(), "url 2") {
		t.Errorf("Deploy = %v, want errors for urls 1 and 3 only", err)
	}
	if _, err := New().Deploy(context.Background(), runtime.Spec{}); err == nil {
		t.Error("Deploy with no URLs succeeded")
	}
}

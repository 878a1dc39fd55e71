package runtime

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestHealthURL(t *testing.T) {
	for _, tt := range [][3]string{
		{"http://127.0.0.1:8000", "/health", "http://127.0.0.1:8000/health"},
		{"http://127.0.0.1:8000/", "health", "http://127.0.0.1:8000/health"},
		{"http://127.0.0.1:8000/api/", "/v1/health", "http://127.0.0.1:8000/api/v1/health"},
	} {
		if got := HealthURL(tt[0], tt[1]); got != tt[2] {
			t.Errorf("HealthURL(%q, %q) = %q, want %q", tt[0], tt[1], got, tt[2])
		}
	}
}

// TestWaitHealthy: a server that turns healthy after a few 503s passes; one
// that never does fails after the timeout naming its last status; a dead
// replica (alive fails) fails at once; a cancelled context says so.
func TestWaitHealthy(t *testing.T) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow-start" && calls.Add(1) <= 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		if r.URL.Path == "/never" {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
	}))
	defer srv.Close()
	ctx := context.Background()

	if err := WaitHealthy(ctx, srv.URL+"/slow-start", 5*time.Second, nil); err != nil {
		t.Errorf("slow start: %v", err)
	}
	if calls.Load() != 4 {
		t.Errorf("slow start probed %d times, want 4", calls.Load())
	}

	err := WaitHealthy(ctx, srv.URL+"/never", 300*time.Millisecond, nil)
	if err == nil || !strings.Contains(err.Error(), "not healthy after 300ms") || !strings.Contains(err.Error(), "HTTP 500") {
		t.Errorf("never healthy: %v", err)
	}

	start := time.Now()
	dead := errors.New("container exited with code 3")
	err = WaitHealthy(ctx, srv.URL+"/never", 10*time.Second, func() error { return dead })
	if !errors.Is(err, dead) || time.Since(start) > 2*time.Second {
		t.Errorf("dead replica: %v after %v", err, time.Since(start))
	}

	cctx, cancel := context.WithCancel(ctx)
	time.AfterFunc(100*time.Millisecond, cancel)
	if err := WaitHealthy(cctx, srv.URL+"/never", 10*time.Second, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}

	srv.Close()
	err = WaitHealthy(ctx, srv.URL+"/health", 200*time.Millisecond, nil)
	if err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("nothing listening: %v", err)
	}
}

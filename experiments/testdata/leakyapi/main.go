// Command leakyapi is the target of the OOM fault test: an HTTP API whose
// every POST /predict keeps 1 MiB (every page written) in a cache that
// grows to 96 MiB, like a model server caching per-request tensors. Under
// a 48 MiB limit the kernel OOM-kills it within a few dozen requests;
// under 512 MiB it serves for ever. It is built FROM scratch by the test,
// as a user's `build:` target.
package main

import (
	"context"
	"io"
	"log"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

const (
	perRequest = 1 << 20 // bytes kept per request
	maxCached  = 96      // requests whose memory is kept
)

func main() {
	var (
		mu    sync.Mutex
		cache [][]byte
	)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"status":"ok"}`)
	})
	mux.HandleFunc("POST /predict", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		mu.Lock()
		if len(cache) < maxCached {
			b := make([]byte, perRequest)
			for i := 0; i < len(b); i += 4096 {
				b[i] = 1
			}
			cache = append(cache, b)
		}
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"conversion_probability":0.5,"predicted_conversion":1,"segment":"warm"}`)
	})
	srv := &http.Server{Addr: ":8000", Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.ListenAndServe(); err != nil && err != http.ErrServerClosed {
		log.Fatal(err)
	}
}

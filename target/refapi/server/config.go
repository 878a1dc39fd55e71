package server

import (
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Config is everything that shapes the reference API server.
type Config struct {
	// Addr is the TCP listen address (host:port).
	Addr string
	// Leads is the size of the precomputed lead table (ids 1..Leads),
	// drawn from the synthetic population with LeadsSeed.
	Leads     int
	LeadsSeed uint64
	// MaxBodyBytes bounds a request body; larger ones get 413.
	MaxBodyBytes int64
	// MaxBatch bounds the instances of one POST /predict.
	MaxBatch int
	// Timeouts of the HTTP server, see net/http.Server.
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	// ShutdownTimeout bounds how long in-flight requests may take to
	// finish after shutdown begins.
	ShutdownTimeout time.Duration
	// DrainTimeout is how long the server goes on serving once shutdown
	// begins (a lame duck), before it stops accepting: every response
	// then carries Connection: close, so that clients leave their
	// keep-alive connections after their next answer instead of sending
	// on a connection the server is about to close, and /health answers
	// 503 "draining", so that balancers stop sending it new ones. A
	// rolling update that replaces a draining replica then loses no
	// request. 0, the default, stops accepting at once; at most
	// MaxDrainTimeout.
	DrainTimeout time.Duration
	// Logger receives structured logs; nil discards them.
	Logger *slog.Logger
	// LogRequests logs one line per request at debug level (off by
	// default: it costs throughput).
	LogRequests bool
	// ExtraCPUPerRequest is a fixture for testing performance gates: every
	// POST /predict served with a model first burns this much CPU time of
	// its thread in a busy loop (see burnCPU). 0, the default, is off; at
	// most MaxExtraCPUPerRequest.
	ExtraCPUPerRequest time.Duration
}

// DefaultConfig is `loadlab serve` without flags.
func DefaultConfig() Config {
	return Config{
		Addr:              "127.0.0.1:8000",
		Leads:             10000,
		LeadsSeed:         20240115,
		MaxBodyBytes:      1 << 20,
		MaxBatch:          1000,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		ShutdownTimeout:   25 * time.Second,
	}
}

// Validate reports every invalid field at once.
func (c Config) Validate() error {
	var errs []error
	if c.Addr == "" {
		errs = append(errs, errors.New("addr: empty, want host:port such as 127.0.0.1:8000 or :8000"))
	}
	if c.Leads < 0 || c.Leads > 1_000_000 {
		errs = append(errs, fmt.Errorf("leads: %d, want 0–1000000", c.Leads))
	}
	if c.MaxBodyBytes < 1 {
		errs = append(errs, fmt.Errorf("max_body_bytes: %d, want ≥ 1", c.MaxBodyBytes))
	}
	if c.MaxBatch < 1 {
		errs = append(errs, fmt.Errorf("max_batch: %d, want ≥ 1", c.MaxBatch))
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"read_header_timeout", c.ReadHeaderTimeout}, {"read_timeout", c.ReadTimeout},
		{"write_timeout", c.WriteTimeout}, {"idle_timeout", c.IdleTimeout}, {"shutdown_timeout", c.ShutdownTimeout},
	} {
		if d.v <= 0 {
			errs = append(errs, fmt.Errorf("%s: %v, want > 0", d.name, d.v))
		}
	}
	if err := checkExtraCPU(c.ExtraCPUPerRequest); err != nil {
		errs = append(errs, fmt.Errorf("extra_cpu_per_request: %w", err))
	}
	if err := checkDrain(c.DrainTimeout); err != nil {
		errs = append(errs, fmt.Errorf("drain_timeout: %w", err))
	}
	return errors.Join(errs...)
}

// Package api is loadlab's reference inference API: a production-shaped
// net/http service that scores sales leads with the embedded (or a loaded)
// tree-ensemble model. Routes:
//
//	POST /predict                 one lead, or {"instances": [...]} (≤ 1,000)
//	GET  /predictions/{lead_id}   precomputed prediction (404 if unknown)
//	GET  /predictions             ?segment=&min_probability=&limit= listing
//	GET  /stats                   aggregates over the precomputed table
//	GET  /health                  503 until the model is loaded
//	GET  /metrics                 Prometheus text format
//	GET  /model                   model metadata
//	POST /v1/chat/completions     OpenAI-compatible chat completion (stream: true for SSE)
//	POST /v1/completions          OpenAI-compatible text completion (stream: true for SSE)
//	GET  /v1/models               the language model (GET /v1/models/{id}: one)
//
// Errors are JSON: 400 malformed JSON, 404, 405, 413 body over 1 MiB, 422
// with one {"loc","msg","type"} entry per bad field (FastAPI's shape); the
// /v1 routes answer theirs in OpenAI's shape, {"error": {"message",
// "type", "param", "code"}} (see openai.go). Their model is the embedded
// trigram language model of package lm, loaded with the scoring model.
package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/loadlab/loadlab/target/refapi/lm"
	"github.com/loadlab/loadlab/target/refapi/model"
)

// Server is the reference API; it serves 503 until SetModel is called.
type Server struct {
	cfg     Config
	log     *slog.Logger
	metrics *metrics
	started time.Time
	state   atomic.Pointer[state]
	// draining is set for the lame-duck period of Config.DrainTimeout.
	draining atomic.Bool
}

// state is everything derived from one model, swapped atomically.
type state struct {
	model     *model.Model
	source    string
	suffix    []byte // `,"model_version":"..."}`
	table     *leadTable
	modelJSON []byte // GET /model body
	lm        *lm.Model
}

// New returns a server with no model loaded.
func New(cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("invalid API config: %w", err)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Server{cfg: cfg, log: log, metrics: newMetrics(), started: time.Now()}, nil
}

// SetModel scores the precomputed lead table with m, takes the embedded
// language model (lm.Embedded) and starts serving both;
// source names where m came from (a path, or "embedded").
func (s *Server) SetModel(m *model.Model, source string) error {
	modelJSON, err := encodeModelInfo(m, source)
	if err != nil {
		return err
	}
	gen, err := lm.Embedded()
	if err != nil {
		return fmt.Errorf("load the language model: %w", err)
	}
	start := time.Now()
	st := &state{
		model:     m,
		source:    source,
		suffix:    versionSuffix(m.Version()),
		table:     buildTable(m, model.GenerateLeads(s.cfg.LeadsSeed, s.cfg.Leads)),
		modelJSON: modelJSON,
		lm:        gen,
	}
	s.state.Store(st)
	s.metrics.setModel(m.Version())
	s.log.Info("model loaded", "model_version", m.Version(), "source", source, "trees", m.NumTrees(),
		"precomputed_leads", s.cfg.Leads, "scoring_ms", time.Since(start).Milliseconds())
	return nil
}

// Serve serves HTTP on ln until ctx ends, then shuts down gracefully:
// it drains for DrainTimeout (see Config.DrainTimeout), stops accepting,
// lets in-flight requests finish (up to ShutdownTimeout) and returns nil.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	attrs := []any{"addr", ln.Addr().String()}
	if d := s.cfg.ExtraCPUPerRequest; d > 0 {
		attrs = append(attrs, "extra_cpu_per_request", d.String())
	}
	s.log.Info("listening", attrs...)
	select {
	case err := <-errc:
		return fmt.Errorf("serve on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	s.drain()
	s.log.Info("shutting down: finishing in-flight requests", "timeout", s.cfg.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		_ = srv.Close()
		return fmt.Errorf("graceful shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve on %s: %w", ln.Addr(), err)
	}
	s.log.Info("stopped")
	return nil
}

// Run listens on cfg.Addr, starts serving (503 while loading), loads the
// model with load and serves until ctx ends; it returns nil after a
// graceful shutdown. source names the model's origin for logs and /model.
func Run(ctx context.Context, cfg Config, source string, load func() (*model.Model, error)) error {
	s, err := New(cfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- s.Serve(sctx, ln) }()
	m, err := load()
	if err == nil {
		err = s.SetModel(m, source)
	}
	if err != nil {
		stop()
		<-errc
		return fmt.Errorf("load model from %s: %w", source, err)
	}
	return <-errc
}

package server

import (
	"fmt"
	"net/http"
	"time"
)

// MaxDrainTimeout bounds Config.DrainTimeout: it must end well within the
// grace an orchestrator gives between SIGTERM and SIGKILL (Docker's and
// Swarm's default is 10 s).
const MaxDrainTimeout = 30 * time.Second

// ParseDrain reads a drain period such as 3s (0 turns it off).
func ParseDrain(text string) (time.Duration, error) {
	d, err := time.ParseDuration(text)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration: give one such as 3s (0 turns it off)", text)
	}
	return d, checkDrain(d)
}

// checkDrain is the one range rule of the drain period.
func checkDrain(d time.Duration) error {
	if d < 0 || d > MaxDrainTimeout {
		return fmt.Errorf("%v is out of range: give 0 (off) to %v, such as 3s, and keep it below your orchestrator's stop grace period", d, MaxDrainTimeout)
	}
	return nil
}

// drain is the lame-duck period of Config.DrainTimeout: from now on every
// response closes its connection and /health answers 503, until the period
// ends (under `loadlab serve`, a second SIGINT/SIGTERM exits at once).
func (s *Server) drain() {
	if s.cfg.DrainTimeout <= 0 {
		return
	}
	s.draining.Store(true)
	s.log.Info("draining: serving with Connection: close, /health 503", "for", s.cfg.DrainTimeout.String())
	time.Sleep(s.cfg.DrainTimeout)
}

// markDraining makes w's response close its connection while the server
// drains.
func (s *Server) markDraining(w http.ResponseWriter) {
	if s.draining.Load() {
		w.Header().Set("Connection", "close")
	}
}

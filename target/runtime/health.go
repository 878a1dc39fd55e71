package runtime

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Defaults of a deployment, owned here for every runtime and for the
// experiment files (whose target.health_path and target.health_timeout
// default to them).
const (
	// DefaultHealthPath is polled when Spec.HealthPath is empty (docker and
	// local runtimes; the url runtime checks health only when asked).
	DefaultHealthPath = "/health"
	// DefaultHealthTimeout bounds the wait for a deployment to become
	// healthy when Spec.HealthTimeout is zero.
	DefaultHealthTimeout = 60 * time.Second
)

// healthPoll is the interval between two health probes; short, because
// deploy-to-healthy time is overhead paid once per configuration.
const healthPoll = 50 * time.Millisecond

// WaitHealthy polls url (a full URL, base plus health path) until it
// answers 2xx. It gives up when ctx ends, after timeout, or as soon as
// alive (if not nil) returns an error, which means the replica is gone and
// waiting longer is pointless. The error says what the last probe saw.
func WaitHealthy(ctx context.Context, url string, timeout time.Duration, alive func() error) error {
	if timeout <= 0 {
		timeout = DefaultHealthTimeout
	}
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	client := &http.Client{
		Timeout:   time.Second,
		Transport: &http.Transport{DisableKeepAlives: true, Proxy: nil},
	}
	defer client.CloseIdleConnections()
	last := "no answer yet"
	tick := time.NewTicker(healthPoll)
	defer tick.Stop()
	for {
		status, err := probe(ctx, client, url)
		switch {
		case err == nil && status >= 200 && status < 300:
			return nil
		case err == nil:
			last = fmt.Sprintf("last answer was HTTP %d", status)
		case ctx.Err() == nil:
			last = "last probe: " + shortErr(err)
		}
		if alive != nil {
			if err := alive(); err != nil {
				return fmt.Errorf("health check %s: %w (%s)", url, err, last)
			}
		}
		select {
		case <-ctx.Done():
			if err := parent.Err(); err != nil {
				return fmt.Errorf("health check %s: %w (%s)", url, err, last)
			}
			return fmt.Errorf("health check %s: not healthy after %s (%s)", url, timeout, last)
		case <-tick.C:
		}
	}
}

func probe(ctx context.Context, client *http.Client, url string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}

// shortErr drops the repeated "Get \"url\": " prefix of client errors.
func shortErr(err error) string {
	s := err.Error()
	if i := strings.Index(s, "\": "); i >= 0 && strings.HasPrefix(s, "Get \"") {
		return s[i+3:]
	}
	return s
}

// HealthURL joins a base URL and a health path, whatever slashes either
// carries: HealthURL("http://127.0.0.1:8000/", "health") is
// "http://127.0.0.1:8000/health".
func HealthURL(base, path string) string {
	return strings.TrimSuffix(base, "/") + "/" + strings.TrimPrefix(path, "/")
}

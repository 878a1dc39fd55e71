package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/spf13/cobra"
)

// healthcheckCmd probes a running reference API's /health: exit 0 when it
// answers 200 with status "ok", 1 otherwise. It is the container
// healthcheck of the scratch image, which has no curl or shell.
type healthcheckCmd struct {
	url     string
	timeout time.Duration
}

func newHealthcheckCmd() *cobra.Command {
	c := &healthcheckCmd{}
	cmd := &cobra.Command{
		Use:   "healthcheck [--url http://127.0.0.1:8000/health]",
		Short: "Exit 0 if the reference API is healthy, 1 if not (for container healthchecks)",
		Args:  cobra.NoArgs,
		RunE:  c.run,
	}
	cmd.Flags().StringVar(&c.url, "url", "http://127.0.0.1:8000/health", "health endpoint to probe")
	cmd.Flags().DurationVar(&c.timeout, "timeout", 3*time.Second, "give up after this long")
	return cmd
}

func (c *healthcheckCmd) run(cmd *cobra.Command, _ []string) error {
	if c.timeout <= 0 {
		return usagef("--timeout %v: want > 0", c.timeout)
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), c.timeout)
	defer cancel()
	status, err := probeHealth(ctx, c.url)
	if err != nil {
		return &exitError{Code: 1, Err: fmt.Errorf("unhealthy: %w", err)}
	}
	_, err = fmt.Fprintf(cmd.OutOrStdout(), "healthy: model %s\n", status.ModelVersion)
	return err
}

// healthStatus is the GET /health body.
type healthStatus struct {
	Status       string  `json:"status"`
	ModelLoaded  bool    `json:"model_loaded"`
	ModelVersion string  `json:"model_version"`
	Uptime       float64 `json:"uptime_seconds"`
}

func probeHealth(ctx context.Context, url string) (healthStatus, error) {
	var hs healthStatus
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return hs, fmt.Errorf("--url %q: %w", url, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return hs, fmt.Errorf("GET %s: %w", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return hs, fmt.Errorf("GET %s: read body: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return hs, fmt.Errorf("GET %s: status %d: %s", url, resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, &hs); err != nil {
		return hs, fmt.Errorf("GET %s: decode body: %w", url, err)
	}
	if hs.Status != "ok" || !hs.ModelLoaded {
		return hs, fmt.Errorf("GET %s: status %q, model_loaded %v", url, hs.Status, hs.ModelLoaded)
	}
	return hs, nil
}

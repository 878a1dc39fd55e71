package main

import (
	"log/slog"
	"os"

	"github.com/spf13/cobra"

	"github.com/loadlab/loadlab/target/refapi/model"
	"github.com/loadlab/loadlab/target/refapi/server"
)

// modelEnv names the environment variable that sets --model's default.
const modelEnv = "LOADLAB_MODEL"

// serveCmd runs the reference inference API until SIGINT/SIGTERM, then
// shuts down gracefully (in-flight requests finish) and exits 0.
type serveCmd struct {
	addr        string
	modelPath   string
	leads       int
	logLevel    string
	logRequests bool
}

func newServeCmd() *cobra.Command {
	c := &serveCmd{}
	cmd := &cobra.Command{
		Use:   "serve [--addr 127.0.0.1:8000] [--model PATH]",
		Short: "Run the reference lead-scoring inference API",
		Long: `serve runs loadlab's reference inference API: a gradient-boosted trees
lead-scoring model behind POST /predict, GET /predictions/{lead_id},
GET /predictions, GET /stats, GET /health, GET /metrics and GET /model.

The model is the one embedded in the binary unless --model (or the
` + modelEnv + ` environment variable) names an artifact written by
'loadlab train'. Logs are JSON lines on stderr. SIGTERM or SIGINT stops
accepting connections, lets in-flight requests finish and exits 0.`,
		Args: cobra.NoArgs,
		RunE: c.run,
	}
	def := server.DefaultConfig()
	f := cmd.Flags()
	f.StringVar(&c.addr, "addr", def.Addr, "listen address (host:port; the image uses :8000)")
	f.StringVar(&c.modelPath, "model", os.Getenv(modelEnv), "model artifact to serve instead of the embedded one (env "+modelEnv+")")
	f.IntVar(&c.leads, "leads", def.Leads, "size of the precomputed lead table served by GET /predictions")
	f.StringVar(&c.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	f.BoolVar(&c.logRequests, "log-requests", false, "log every request at debug level (costs throughput)")
	return cmd
}

func (c *serveCmd) run(cmd *cobra.Command, _ []string) error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.logLevel)); err != nil {
		return usagef("--log-level %q: want debug, info, warn or error", c.logLevel)
	}
	cfg := server.DefaultConfig()
	cfg.Addr = c.addr
	cfg.Leads = c.leads
	cfg.LogRequests = c.logRequests
	cfg.Logger = slog.New(slog.NewJSONHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: level}))
	if err := cfg.Validate(); err != nil {
		return usagef("%v", err)
	}
	source, load := "embedded", model.Embedded
	if c.modelPath != "" {
		source = c.modelPath
		load = func() (*model.Model, error) { return model.Load(c.modelPath) }
	}
	return server.Run(cmd.Context(), cfg, source, load)
}

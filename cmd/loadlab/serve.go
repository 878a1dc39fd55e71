package main

import (
	"log/slog"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/loadlab/loadlab/target/refapi/model"
	"github.com/loadlab/loadlab/target/refapi/server"
)

// modelEnv names the environment variable that sets --model's default.
const modelEnv = "LOADLAB_MODEL"

// extraCPUFlag and extraCPUEnv name the two ways to set the reference API's
// extra CPU work per POST /predict (server.Config.ExtraCPUPerRequest); the
// flag wins over the variable.
const (
	extraCPUFlag = "extra-cpu-per-request"
	extraCPUEnv  = "LOADLAB_EXTRA_CPU_PER_REQUEST"
	drainFlag    = "drain"
	drainEnv     = "LOADLAB_DRAIN"
)

// serveCmd runs the reference inference API until SIGINT/SIGTERM, then
// shuts down gracefully (in-flight requests finish) and exits 0.
type serveCmd struct {
	addr        string
	modelPath   string
	leads       int
	logLevel    string
	logRequests bool
	extraCPU    string
	drain       string
}

func newServeCmd() *cobra.Command {
	c := &serveCmd{}
	cmd := &cobra.Command{
		Use:   "serve [--addr 127.0.0.1:8000] [--model PATH]",
		Short: "Run the reference lead-scoring inference API",
		Long: `serve runs loadlab's reference inference API: a gradient-boosted trees
lead-scoring model behind POST /predict, GET /predictions/{lead_id},
GET /predictions, GET /stats, GET /health, GET /metrics and GET /model;
and a generative endpoint for streaming (LLM) load tests: the
OpenAI-compatible POST /v1/chat/completions, POST /v1/completions and
GET /v1/models over an embedded trigram language model (stream: true sends
server-sent events, one token a chunk).

The model is the one embedded in the binary unless --model (or the
` + modelEnv + ` environment variable) names an artifact written by
'loadlab train'. Logs are JSON lines on stderr. SIGTERM or SIGINT stops
accepting connections, lets in-flight requests finish and exits 0.

--` + extraCPUFlag + ` (or the ` + extraCPUEnv + ` environment
variable, which an experiment's target.env sets inside a container) is a
fixture for testing performance gates: every POST /predict first burns that
much CPU time in a busy loop, so the API's CPU per request rises by a known
amount. Off (0) by default.

--` + drainFlag + ` 3s (or ` + drainEnv + `=3s) makes shutdown a lame duck first:
for that long the API goes on serving, every response with Connection:
close, and GET /health answers 503 "draining", so that clients and balancers
move to other replicas before it stops accepting; a rolling update then
loses no request. Off (0) by default; keep it below the orchestrator's stop
grace period (10 s in Docker and Swarm).`,
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
	f.StringVar(&c.extraCPU, extraCPUFlag, "", "gate-testing fixture: CPU time every POST /predict burns in a busy loop, such as 300us; 0 is off (env "+extraCPUEnv+", default 0)")
	f.StringVar(&c.drain, drainFlag, "", "on SIGTERM, keep serving this long with Connection: close and /health 503 before stopping, such as 3s; 0 is off (env "+drainEnv+", default 0)")
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
	extra, err := durationSetting(extraCPUFlag, c.extraCPU, cmd.Flags().Changed(extraCPUFlag), extraCPUEnv, os.Getenv(extraCPUEnv), server.ParseExtraCPU)
	if err != nil {
		return err
	}
	drain, err := durationSetting(drainFlag, c.drain, cmd.Flags().Changed(drainFlag), drainEnv, os.Getenv(drainEnv), server.ParseDrain)
	if err != nil {
		return err
	}
	cfg.ExtraCPUPerRequest, cfg.DrainTimeout = extra, drain
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

// durationSetting is a duration serve runs with, given as --flag or as the
// environment variable env (whose value is envValue): the flag's value when the flag was given, else
// the variable's when it is set and not empty, else 0 (off), each read by
// parse. A bad value is a usage error naming where it came from.
func durationSetting(flag, value string, flagGiven bool, env, envValue string, parse func(string) (time.Duration, error)) (time.Duration, error) {
	switch e := envValue; {
	case flagGiven:
		d, err := parse(value)
		if err != nil {
			return 0, usagef("--%s: %w", flag, err)
		}
		return d, nil
	case e != "":
		d, err := parse(e)
		if err != nil {
			return 0, usagef("environment variable %s: %w; fix or unset it, or give --%s", env, err, flag)
		}
		return d, nil
	}
	return 0, nil
}

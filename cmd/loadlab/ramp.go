package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/loadlab/loadlab/experiments"
	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/redact"
	"github.com/loadlab/loadlab/rundir"
	"github.com/loadlab/loadlab/scenarios/engine"
	"github.com/loadlab/loadlab/slo"
)

// rampCmd ramps load against running base URLs (no deployment): the
// scenario comes from --scenario (or the reference-API default) and the
// flags override its fields.
type rampCmd struct {
	urls        []string
	users, rate string
	hold        time.Duration
	settle      time.Duration
	think       string
	slo         string
	keepGoing   bool
	scenario    string
	preset      string
	spawnRate   float64
	timeout     time.Duration
	connections string
	arrival     string
	pool        int
	maxWorkers  int
	margin      float64
	abort       float64
	seed        int64
	out         string
	saveResults bool
	allowLarge  bool
	caFile      string
	insecure    bool
	search      string
	repeat      int
}

func newRampCmd() *cobra.Command {
	c := &rampCmd{}
	cmd := &cobra.Command{
		Use:   "ramp --url URL [--url URL ...] [--users FROM:TO:BY | --rate FROM:TO:BY] [flags]",
		Short: "Ramp load in steps against a running API and measure each step",
		Long: `Ramp load in steps against one or more running base URLs (replicas are
balanced round-robin) and measure every step: RPS, errors by kind, latency
percentiles, the generator's own CPU and memory.

Closed loop (--users): each user sends a request, waits for the answer and
thinks (--think, default 1s-2.5s), on its own keep-alive connection.
Open loop (--rate): requests/s sent on schedule whatever the answers, at
most max_workers in flight; sends that fall behind are counted as dropped.

Without --scenario the reference API's request mix is used (POST /predict
with random valid leads). Each step is appended to DIR/steps.jsonl as soon
as it ends; DIR/summary.json and a table follow. Ctrl-C stops the load,
records the current step as partial, prints the table and exits 130.

With --search the steps are a capacity search's probes: bracket from FROM
(doubling while probes meet --slo), bisect until the gap is within
RESOLUTION, confirm; the ramp ends when the search has its answer.

With --repeat N the whole ramp (ladder or search) runs N times, one after
the other; each step record carries its 0-based repeat, and the summary,
reports and gates combine the repeats of a step (its median, and the
gate's statistics across repeats).

  loadlab ramp --url http://127.0.0.1:8000 --users 50:500:50 --hold 30s --slo 'p95<1s,error_rate<1%'
  loadlab ramp --url http://127.0.0.1:8000 --rate 100:2000:100 --hold 20s --settle 5s
  loadlab ramp --url http://127.0.0.1:8000 --rate 200 --hold 10s --repeat 5
  loadlab ramp --url http://127.0.0.1:8000 --search 100:20000:5% --hold 20s \
    --slo 'p95<1s,error_rate<1%'
  loadlab ramp --url http://127.0.0.1:8001 --url http://127.0.0.1:8002 \
    --scenario my.yaml --out results/mine`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return c.run(cmd.Context(), cmd.Flags(), cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	c.flags(cmd.Flags())
	return cmd
}

// flags declares the command's flags on f.
func (c *rampCmd) flags(f *pflag.FlagSet) {
	f.StringArrayVar(&c.urls, "url", nil, "base URL of the API (repeat for replicas, balanced round-robin)")
	f.StringVar(&c.users, "users", "", "closed-loop users per step: FROM:TO:BY (e.g. 500:10000:500) or one level")
	f.StringVar(&c.rate, "rate", "", "open-loop requests/s per step: FROM:TO:BY (e.g. 100:2000:100) or one level")
	f.StringVar(&c.search, "search", "", "find the capacity instead of walking a ladder: FROM:MAX[:RESOLUTION] (e.g. 100:20000:5%), judged by --slo; users, or requests/s when the --scenario says model: rate")
	f.IntVar(&c.repeat, "repeat", 1, fmt.Sprintf("run the whole ramp N times (1 to %d), each step record carrying its 0-based repeat; reports and gates combine the repeats", experiments.MaxRepeat))
	f.DurationVar(&c.hold, "hold", 0, "duration of each step (default 30s)")
	f.DurationVar(&c.settle, "settle", 0, "start of each step left out of its measurement window")
	f.StringVar(&c.think, "think", "", "think time between a user's requests: MIN-MAX (1s-2.5s), a constant (1s) or 0")
	f.StringVar(&c.slo, "slo", "", "SLO judging each step, e.g. 'p95<1s,error_rate<1%'; the ramp stops after the first step that breaches it (see --margin, --keep-going)")
	f.BoolVar(&c.keepGoing, "keep-going", false, "judge steps by --slo but do not stop the ramp on a breach")
	f.StringVar(&c.scenario, "scenario", "", "scenario file (YAML); flags override its fields")
	f.StringVar(&c.preset, "preset", "", "load shape filling what is not set: smoke, load, stress, spike, soak")
	f.Float64Var(&c.spawnRate, "spawn-rate", 0, "users added or removed per second (default 500)")
	f.DurationVar(&c.timeout, "timeout", 0, "per-request timeout (default 30s)")
	f.StringVar(&c.connections, "connections", "", "per_user (one keep-alive connection per user, default) or shared (see --pool)")
	f.IntVar(&c.pool, "pool", 0, "connections of the shared pool (default 100)")
	f.StringVar(&c.arrival, "arrival", "", "open-loop arrivals: constant (evenly spaced, default) or poisson (exponential gaps of mean 1/rate)")
	f.IntVar(&c.maxWorkers, "max-workers", 0, "open-loop bound on requests in flight (default 10000)")
	f.Float64Var(&c.margin, "margin", 0, "stop only when a step misses an SLO limit by more than this fraction (0.1 = 10%); not with --search")
	f.Float64Var(&c.abort, "abort-error-rate", 0, "stop after a step whose error rate exceeds this fraction (0 = never); not with --search")
	f.Int64Var(&c.seed, "seed", 1, "seed for generated request bodies and think times")
	f.StringVar(&c.out, "out", "", "results folder (default results/<UTC time>-ramp)")
	f.StringVar(&c.caFile, "ca-file", "", "PEM file of CA certificates to trust for https URLs (e.g. a self-signed server's certificate)")
	f.BoolVar(&c.insecure, "insecure", false, "do not verify the server's TLS certificate (test servers only)")
	f.BoolVar(&c.saveResults, "save-results", false, "also save every request in vegeta's gob format (DIR/"+rundir.ResultsFile+"; read with vegeta report/plot)")
	f.BoolVar(&c.allowLarge, "allow-large", false, "lift the sanity bounds (100,000 users, 1,000,000 req/s, hold 24h, timeout 1h, …) to loadlab's ceilings, like allow_large: true in a scenario")
}

func (c *rampCmd) run(ctx context.Context, flags *pflag.FlagSet, stdout, stderr io.Writer) error {
	if len(c.urls) == 0 {
		return usagef("give at least one --url, e.g. --url http://127.0.0.1:8000")
	}
	sc, err := c.bind(flags)
	if err != nil {
		return err
	}
	verdict, _ := slo.Parse(sc.Stop.SLO)
	if c.keepGoing {
		sc.Stop.SLO = ""
	}
	addrs, err := resolveURLs(ctx, c.urls)
	if err != nil {
		return err
	}
	// Everything printed and written goes through the redactor: the
	// scenario's credential headers and secret query values never show.
	red := useSecrets(redact.New(sc.Secrets()...))
	term := stderr
	stdout, stderr = red.Writer(stdout), red.Writer(stderr)

	runID := rundir.NewRunID(time.Now(), "ramp")
	dir := c.out
	if dir == "" {
		if dir, err = rundir.Create("results", runID); err != nil {
			return err
		}
	}
	w, err := rundir.CreateSteps(dir)
	if errors.Is(err, rundir.ErrStepsExist) {
		return usagef("--out %s already holds %s from another run: choose another folder", dir, rundir.StepsFile)
	}
	if err != nil {
		return err
	}
	defer w.Close()
	w.RedactWith(red)
	cfg := record.Config{Name: "url", Replicas: len(c.urls), Runtime: "url"}
	// The plan tells a ramp killed between steps from a finished one.
	plan := record.Plan{Configs: []record.Config{cfg}, Repeat: c.repeat}
	plan.Model, plan.Steps = experiments.RampSteps(sc)
	if err := record.WritePlan(dir, plan); err != nil {
		return err
	}
	var saved *os.File
	var resultsBuf *bufio.Writer
	opt := engine.Options{
		Template: record.Record{Run: runID, Config: cfg},
		SLO:      verdict,
		Seed:     c.seed,
	}
	if c.saveResults {
		if saved, err = os.Create(filepath.Join(dir, rundir.ResultsFile)); err != nil {
			return fmt.Errorf("create results file: %w", err)
		}
		defer saved.Close()
		resultsBuf = bufio.NewWriterSize(saved, 1<<18)
		opt.Results = resultsBuf
	}

	fmt.Fprintf(stderr, "loadlab: ramp %s: %s\n", runID, sc.Describe())
	if c.repeat > 1 {
		fmt.Fprintf(stderr, "loadlab: the whole ramp runs %d times (--repeat), its records carrying repeat 0 to %d\n", c.repeat, c.repeat-1)
	}
	for i, u := range c.urls {
		fmt.Fprintf(stderr, "loadlab: load goes to %s (%s)\n", u, strings.Join(addrs[i], ", "))
	}
	fmt.Fprintf(stderr, "loadlab: steps are appended to %s as they end\n", filepath.Join(dir, rundir.StepsFile))

	prog, finish := newProgress(term)
	prog.red = red
	opt.Hooks.Emit = w.Append
	started := time.Now()
	outs, runErr := rampRepeats(ctx, sc, c.urls, opt, c.repeat, prog)
	finish()
	out := allSteps(outs)

	var errs []error
	if runErr != nil {
		errs = append(errs, runErr)
	}
	if resultsBuf != nil {
		if err := resultsBuf.Flush(); err != nil {
			errs = append(errs, fmt.Errorf("save results: %w", err))
		} else if err := saved.Close(); err != nil {
			errs = append(errs, fmt.Errorf("save results: %w", err))
		}
	}
	if len(out.Steps) > 0 {
		if err := writeRampSummary(dir, outs, verdict, sc, c.urls, addrs, started, c.saveResults, red); err != nil {
			errs = append(errs, err)
		}
		if err := renderRepeatTables(stdout, outs); err != nil {
			errs = append(errs, err)
		}
	}
	if out.Interrupted {
		fmt.Fprintf(stderr, "loadlab: interrupted: %d step(s) recorded in %s, the last one partial\n", len(out.Steps), dir)
	}
	for i, o := range outs {
		if end := rampEnd(o, i, c.repeat); end != "" {
			fmt.Fprintf(stderr, "loadlab: %s\n", end)
		}
	}
	if len(errs) == 0 {
		fmt.Fprintf(stderr, "loadlab: results in %s\n", dir)
	}
	return errors.Join(errs...)
}

// resolveURLs resolves each base URL's host, so that the user sees where
// the load will go before any is sent.
func resolveURLs(ctx context.Context, urls []string) ([][]string, error) {
	out := make([][]string, len(urls))
	for i, raw := range urls {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, usagef("--url %q: want an http(s) base URL such as http://127.0.0.1:8000", redact.URL(raw))
		}
		if u.User != nil {
			return nil, usagef("--url %q carries user:password, which loadlab does not send: remove it and send the "+
				"credentials as a request header in a --scenario file, e.g. headers: {Authorization: Basic <base64 of user:password>}", redact.URL(raw))
		}
		port := u.Port()
		if port == "" {
			port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
		}
		ips, err := net.DefaultResolver.LookupHost(ctx, u.Hostname())
		if err != nil {
			return nil, fmt.Errorf("resolve --url %s: %w", redact.URL(raw), err)
		}
		for _, ip := range ips {
			out[i] = append(out[i], net.JoinHostPort(ip, port))
		}
	}
	return out, nil
}

// progressLine is one line of progress, e.g. "step 3/20 · 1500 users ·
// 712.3 rps · errors 0.10% · p95 210ms · 8m30s left"; a finished step of
// streamed responses adds "· TTFT p95 745ms · 1258 tokens/s".
func progressLine(pr engine.Progress) string {
	load := fmt.Sprintf("%d users", pr.Users)
	if pr.Rate > 0 {
		load = fmt.Sprintf("%g req/s offered", pr.Rate)
	}
	state := ""
	if pr.Done {
		state = " done"
	}
	stream := ""
	if pr.Done && (pr.TTFTP95 > 0 || pr.TokensPerS > 0) {
		stream = fmt.Sprintf(" · TTFT p95 %s · %.0f tokens/s", fmtP95(pr.TTFTP95), pr.TokensPerS)
	}
	if pr.Steps == 0 { // a search: the number of probes is not known
		return fmt.Sprintf("probe %d%s · %s · %.1f rps · errors %.2f%% · p95 %s%s · %s left in the probe",
			pr.Step, state, load, pr.RPS, pr.ErrorRate*100, fmtP95(pr.P95), stream, pr.Remaining.Round(time.Second))
	}
	return fmt.Sprintf("step %d/%d%s · %s · %.1f rps · errors %.2f%% · p95 %s%s · %s left",
		pr.Step, pr.Steps, state, load, pr.RPS, pr.ErrorRate*100,
		fmtP95(pr.P95), stream, pr.Remaining.Round(time.Second))
}

// fmtP95 renders a latency for progress lines: 0.4ms, 12ms, 1.2s, or
// "- (no answers)" when it is negative (nothing was measured).
func fmtP95(d time.Duration) string {
	switch {
	case d < 0:
		return "- (no answers)"
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	}
	return d.Round(10 * time.Millisecond).String()
}

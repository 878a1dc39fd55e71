package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/scenarios"
	"github.com/loadlab/loadlab/scenarios/engine"
	"github.com/loadlab/loadlab/slo"
)

// DefaultLostAfter is how long an agent keeps trying to reach a
// controller that does not answer before it gives up and exits.
const DefaultLostAfter = 30 * time.Second

// Config is one agent's.
type Config struct {
	// Controller is the controller's base URL (http://host:port).
	Controller string
	// Token is the run's token (never logged).
	Token string
	// ID names the agent, unique in the run; Node the host it runs on
	// (default: the host name).
	ID, Node string
	// Log receives one line per event (registered, ramp, exit); nil
	// discards them.
	Log io.Writer
	// LostAfter bounds how long the controller may not answer (default
	// DefaultLostAfter).
	LostAfter time.Duration
}

// ErrRefused wraps a refusal of the controller that retrying cannot fix
// (a wrong token: 401; another protocol version: 409; an unknown agent).
var ErrRefused = errors.New("refused by the controller")

// Serve runs an agent until the controller tells it to exit (nil), ctx is
// cancelled, the controller refuses it (ErrRefused) or stops answering
// for LostAfter: it registers, then runs every ramp the controller sends
// with the real engine (engine.Run with a planner that posts each step's
// record, histograms included, and waits for the next step share).
func Serve(ctx context.Context, cfg Config) error {
	if cfg.ID == "" {
		return errors.New("agent: an ID is required")
	}
	if cfg.Node == "" {
		cfg.Node, _ = os.Hostname()
	}
	if cfg.LostAfter <= 0 {
		cfg.LostAfter = DefaultLostAfter
	}
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	cl := &client{cfg: cfg, http: &http.Client{Timeout: PollHold + 10*time.Second}}
	var w Welcome
	if err := cl.call(ctx, PathRegister, Hello{Version: Version, Agent: cfg.ID, Node: cfg.Node, PID: os.Getpid()}, &w); err != nil {
		return fmt.Errorf("register with %s: %w", cfg.Controller, err)
	}
	if err := versionErr("the controller", w.Version); err != nil {
		return fmt.Errorf("%w: %w", ErrRefused, err)
	}
	fmt.Fprintf(cfg.Log, "agent %s: registered with %s as generator %d of %d\n", cfg.ID, cfg.Controller, w.Index+1, w.Generators)
	var pending *received
	for {
		cmd := pending
		pending = nil
		if cmd == nil {
			var err error
			if cmd, err = cl.poll(ctx); err != nil {
				return err
			}
		}
		switch cmd.Kind {
		case KindExit:
			fmt.Fprintf(cfg.Log, "agent %s: the controller ended the run\n", cfg.ID)
			return nil
		case KindStop:
		case KindStep:
			next, err := cl.runJob(ctx, cmd)
			if err != nil {
				return err
			}
			pending = next
		default:
			return fmt.Errorf("%w: unknown command %q", ErrRefused, cmd.Kind)
		}
	}
}

// received is a command and the local instant it arrived.
type received struct {
	Command
	at time.Time
}

// startAt is when the command's step starts on this agent's clock.
func (r *received) startAt() time.Time {
	return r.at.Add(time.Duration(r.Step.StartInMs * float64(time.Millisecond)))
}

// runJob runs the ramp that cmd (a step with its job) starts, until the
// controller stops it; it returns a command that arrived for after the
// ramp (exit, or another ramp's first step), or the error that ends the
// agent.
func (cl *client) runJob(ctx context.Context, cmd *received) (*received, error) {
	if cmd.Step == nil || cmd.Job == nil {
		if cmd.Step != nil {
			cl.report(ctx, Result{Job: cmd.Step.Job, Step: cmd.Step.Step.Index, Error: "the agent has no ramp for this step (was it restarted?)"})
		}
		return nil, nil
	}
	job := *cmd.Job
	verdict, err := slo.Parse(job.SLO)
	if err != nil {
		cl.report(ctx, Result{Job: job.ID, Step: cmd.Step.Step.Index, Error: "slo: " + err.Error()})
		return nil, nil
	}
	fmt.Fprintf(cl.cfg.Log, "agent %s: ramp %d against %d URL(s)\n", cl.cfg.ID, job.ID, len(job.URLs))
	p := &remote{cl: cl, ctx: ctx, job: job.ID, first: cmd}
	_, err = engine.Run(ctx, job.Scenario, job.URLs, engine.Options{
		SLO: verdict, Seed: job.Seed, BaseDir: job.BaseDir, Planner: p, Histograms: true,
	})
	if p.fatal != nil {
		return nil, p.fatal
	}
	if err != nil {
		// The engine stopped (a bad input file on this node, Ctrl-C):
		// tell the controller at once, so that it need not wait.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		cl.report(rctx, Result{Job: job.ID, Step: p.step, Error: err.Error()})
		if ctx.Err() != nil {
			return nil, fmt.Errorf("agent %s: %w", cl.cfg.ID, ctx.Err())
		}
	}
	return p.after, nil
}

// remote is the planner of an agent's ramp: each Next posts the step just
// measured to the controller and waits for the next step's share, or the
// end of the ramp. Len is 0 (unknown), so that the agent's engine applies
// no stop condition to its share: the controller judges the merged step.
type remote struct {
	cl    *client
	ctx   context.Context
	job   int
	first *received
	step  int       // index of the step running
	after *received // a command for after this ramp
	fatal error     // the controller refused or stopped answering
}

func (p *remote) Len() int { return 0 }

func (p *remote) Next(done []record.Record) (scenarios.Step, bool) {
	if len(done) > 0 {
		last := done[len(done)-1]
		if err := p.cl.call(p.ctx, PathResult, Result{Version: Version, Agent: p.cl.cfg.ID, Job: p.job, Step: last.Step, Record: last}, nil); err != nil {
			p.fatal = fmt.Errorf("post step %d: %w", last.Step, err)
			return scenarios.Step{}, false
		}
	}
	cmd := p.first
	p.first = nil
	if cmd == nil {
		var err error
		if cmd, err = p.cl.poll(p.ctx); err != nil {
			p.fatal = err
			return scenarios.Step{}, false
		}
	}
	if cmd.Kind != KindStep || cmd.Step == nil || cmd.Step.Job != p.job {
		if cmd.Kind != KindStop {
			p.after = cmd
		}
		return scenarios.Step{}, false
	}
	p.step = cmd.Step.Step.Index
	t := time.NewTimer(time.Until(cmd.startAt()))
	defer t.Stop()
	select {
	case <-t.C:
	case <-p.ctx.Done(): // the engine's own check stops the step at once
	}
	return cmd.Step.Step, true
}

// client speaks the protocol to the controller.
type client struct {
	cfg  Config
	http *http.Client
}

// poll waits for the next command.
func (cl *client) poll(ctx context.Context) (*received, error) {
	for {
		var cmd Command
		err := cl.call(ctx, PathNext, Poll{Version: Version, Agent: cl.cfg.ID}, &cmd)
		if errors.Is(err, errNothing) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("poll: %w", err)
		}
		if err := versionErr("the controller", cmd.Version); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrRefused, err)
		}
		return &received{Command: cmd, at: time.Now()}, nil
	}
}

// report posts a result, best effort: the controller calls a silent agent
// lost anyway.
func (cl *client) report(ctx context.Context, res Result) {
	res.Version, res.Agent = Version, cl.cfg.ID
	if err := cl.call(ctx, PathResult, res, nil); err != nil {
		fmt.Fprintf(cl.cfg.Log, "agent %s: report an error to the controller: %v\n", cl.cfg.ID, err)
	}
}

// errNothing is a poll answered 204.
var errNothing = errors.New("no command")

// call posts in to path and decodes the answer into out (nil: none),
// retrying transport failures and 5xx answers until LostAfter has passed
// since the first; 401, 404, 409 are ErrRefused at once.
func (cl *client) call(ctx context.Context, path string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("encode %s: %w", path, err)
	}
	var since time.Time
	for {
		err := cl.once(ctx, path, body, out)
		var retry *retryable
		if !errors.As(err, &retry) {
			return err
		}
		if since.IsZero() {
			since = time.Now()
		}
		if time.Since(since) > cl.cfg.LostAfter {
			return fmt.Errorf("the controller has not answered for %s: %w", cl.cfg.LostAfter, retry.err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// retryable is a failure worth trying again.
type retryable struct{ err error }

func (r *retryable) Error() string { return r.err.Error() }

func (cl *client) once(ctx context.Context, path string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(cl.cfg.Controller, "/")+path, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+cl.cfg.Token)
	resp, err := cl.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &retryable{err: err}
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNoContent:
		drain(resp.Body)
		if out != nil && path == PathNext {
			return errNothing
		}
		return nil
	case resp.StatusCode == http.StatusOK:
		if out == nil {
			drain(resp.Body)
			return nil
		}
		if err := json.NewDecoder(io.LimitReader(resp.Body, maxBody)).Decode(out); err != nil {
			return &retryable{err: fmt.Errorf("%s: decode the answer: %w", path, err)}
		}
		return nil
	}
	var eb ErrorBody
	_ = json.NewDecoder(io.LimitReader(resp.Body, maxBody)).Decode(&eb)
	err = fmt.Errorf("%s: %s: %s", path, resp.Status, eb.Error)
	switch resp.StatusCode {
	case http.StatusUnauthorized:
		return fmt.Errorf("%w: the controller does not accept this agent's token (check --token-file/--token-env): %w", ErrRefused, err)
	case http.StatusConflict, http.StatusNotFound, http.StatusBadRequest:
		return fmt.Errorf("%w: %w", ErrRefused, err)
	}
	return &retryable{err: err}
}

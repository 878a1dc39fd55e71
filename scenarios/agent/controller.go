package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// maxBody bounds a message's size: a step record with its histograms is
// a few tens of kilobytes.
const maxBody = 16 << 20

// Controller is the controller side of the protocol for one run: an HTTP
// server the agents dial, the agents registered with it, and Run, which
// ramps a scenario on them.
type Controller struct {
	token string
	n     int
	ln    net.Listener
	srv   *http.Server
	done  chan error

	mu      sync.Mutex
	agents  []*peer          // in registration order: index
	byID    map[string]*peer // by agent ID
	joined  chan struct{}    // closed when n agents have registered
	results chan Result
	job     int
	lost    string // why an agent was lost (a later ramp is refused)

	// observe, when set (by tests), sees every result a ramp accepts.
	observe func(Result)
}

// peer is one registered agent.
type peer struct {
	Hello
	index int
	cmds  chan Command
	seen  time.Time // last request from it
}

// Listen starts a controller for n agents on addr ("127.0.0.1:0" for
// agents on this machine), authenticating them with token.
func Listen(addr string, n int, token string) (*Controller, error) {
	if n < 1 {
		return nil, fmt.Errorf("a controller needs at least 1 agent (got %d)", n)
	}
	if len(token) < 16 {
		return nil, errors.New("the agent token is too short: use NewToken")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen for agents on %s: %w", addr, err)
	}
	c := &Controller{
		token: token, n: n, ln: ln,
		byID:    make(map[string]*peer),
		joined:  make(chan struct{}),
		results: make(chan Result, 4*n),
		done:    make(chan error, 1),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+PathRegister, c.auth(c.register))
	mux.HandleFunc("POST "+PathNext, c.auth(c.next))
	mux.HandleFunc("POST "+PathResult, c.auth(c.result))
	c.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { c.done <- c.srv.Serve(ln) }()
	return c, nil
}

// URL is the controller's base URL, for the agents' --controller.
func (c *Controller) URL() string { return "http://" + c.ln.Addr().String() }

// Agents returns the registered agents' hellos, in index order.
func (c *Controller) Agents() []Hello {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]Hello, len(c.agents))
	for i, a := range c.agents {
		out[i] = a.Hello
	}
	return out
}

// WaitJoined waits until all n agents have registered, at most timeout;
// it fails naming how many came.
func (c *Controller) WaitJoined(ctx context.Context, timeout time.Duration) error {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-c.joined:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		c.mu.Lock()
		got := len(c.agents)
		c.mu.Unlock()
		return fmt.Errorf("only %d of %d load generation agents registered within %s", got, c.n, timeout)
	}
}

// Close tells every agent to exit (they see it on their next poll, within
// wait), then stops the server.
func (c *Controller) Close(wait time.Duration) error {
	c.mu.Lock()
	for _, a := range c.agents {
		send(a, Command{Version: Version, Kind: KindExit})
	}
	c.mu.Unlock()
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) && c.pending() {
		time.Sleep(20 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	err := c.srv.Shutdown(ctx)
	if err != nil {
		err = c.srv.Close()
	}
	if e := <-c.done; e != nil && !errors.Is(e, http.ErrServerClosed) {
		return fmt.Errorf("agent controller: %w", e)
	}
	return err
}

// pending reports whether a command waits for an agent.
func (c *Controller) pending() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, a := range c.agents {
		if len(a.cmds) > 0 {
			return true
		}
	}
	return false
}

// send queues cmd for a, dropping the oldest command when a does not
// collect them (a dead agent must not block the controller).
func send(a *peer, cmd Command) {
	for {
		select {
		case a.cmds <- cmd:
			return
		default:
			select {
			case <-a.cmds:
			default:
			}
		}
	}
}

// auth refuses requests without the run's token (401).
func (c *Controller) auth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !authorized(r, c.token) {
			refuse(w, http.StatusUnauthorized, errors.New("missing or wrong agent token (Authorization: Bearer)"))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		h(w, r)
	}
}

// decode reads a message of this protocol's version into v, whose version
// is got; it answers the refusal itself and returns false on a problem.
func decode(w http.ResponseWriter, r *http.Request, v any, got *int) bool {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		refuse(w, http.StatusBadRequest, fmt.Errorf("decode %s: %w", r.URL.Path, err))
		return false
	}
	if err := versionErr("the agent", *got); err != nil {
		refuse(w, http.StatusConflict, err)
		return false
	}
	return true
}

func (c *Controller) register(w http.ResponseWriter, r *http.Request) {
	var h Hello
	if !decode(w, r, &h, &h.Version) {
		return
	}
	if h.Agent == "" {
		refuse(w, http.StatusBadRequest, errors.New("register: the agent has no ID"))
		return
	}
	c.mu.Lock()
	a, again := c.byID[h.Agent]
	switch {
	case again: // a retried registration keeps its place
	case len(c.agents) >= c.n:
		c.mu.Unlock()
		refuse(w, http.StatusConflict, fmt.Errorf("register %s: the run already has its %d agents", h.Agent, c.n))
		return
	default:
		a = &peer{Hello: h, index: len(c.agents), cmds: make(chan Command, 4)}
		c.agents = append(c.agents, a)
		c.byID[h.Agent] = a
		if len(c.agents) == c.n {
			close(c.joined)
		}
	}
	a.seen = time.Now()
	idx := a.index
	c.mu.Unlock()
	reply(w, Welcome{Version: Version, Index: idx, Generators: c.n})
}

// peer returns the registered agent id, refusing an unknown one (404).
func (c *Controller) peer(w http.ResponseWriter, id string) *peer {
	c.mu.Lock()
	defer c.mu.Unlock()
	a := c.byID[id]
	if a == nil {
		refuse(w, http.StatusNotFound, fmt.Errorf("unknown agent %q: register first", id))
		return nil
	}
	a.seen = time.Now()
	return a
}

func (c *Controller) next(w http.ResponseWriter, r *http.Request) {
	var p Poll
	if !decode(w, r, &p, &p.Version) {
		return
	}
	a := c.peer(w, p.Agent)
	if a == nil {
		return
	}
	t := time.NewTimer(PollHold)
	defer t.Stop()
	select {
	case cmd := <-a.cmds:
		if cmd.Step != nil {
			s := *cmd.Step
			s.StartInMs = float64(time.Until(s.Start)) / float64(time.Millisecond)
			cmd.Step = &s
		}
		reply(w, cmd)
	case <-t.C:
		w.WriteHeader(http.StatusNoContent)
	case <-r.Context().Done():
	}
}

func (c *Controller) result(w http.ResponseWriter, r *http.Request) {
	var res Result
	if !decode(w, r, &res, &res.Version) {
		return
	}
	if c.peer(w, res.Agent) == nil {
		return
	}
	select {
	case c.results <- res:
		w.WriteHeader(http.StatusNoContent)
	case <-r.Context().Done():
	}
}

// reply writes v as JSON (200).
func reply(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v) // the agent retries what it did not get
}

// refuse answers status with an ErrorBody.
func refuse(w http.ResponseWriter, status int, err error) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(ErrorBody{Version: Version, Error: err.Error()})
}

// drain discards the rest of a body.
func drain(r io.Reader) { _, _ = io.Copy(io.Discard, io.LimitReader(r, maxBody)) }

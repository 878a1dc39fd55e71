package agent

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/scenarios"
)

// Version is the protocol's version, carried by every message; a message
// of another version is refused (409).
const Version = 1

// The protocol's endpoints.
const (
	PathRegister = "/v1/register"
	PathNext     = "/v1/next"
	PathResult   = "/v1/result"
)

// Command kinds.
const (
	KindStep = "step" // run Command.Step (starting Command.Job's ramp when set)
	KindStop = "stop" // the ramp is over: stop the load, wait for the next
	KindExit = "exit" // the run is over: exit
)

// TokenEnv is the environment variable that hands the run's token to a
// locally launched agent.
const TokenEnv = "LOADLAB_AGENT_TOKEN"

// TokenBytes is the number of random bytes of a run's token.
const TokenBytes = 32

// PollHold is how long the controller holds a poll before answering 204.
const PollHold = 20 * time.Second

// Hello registers an agent.
type Hello struct {
	Version int `json:"version"`
	// Agent is the agent's ID, unique in the run; Node the host it runs on.
	Agent string `json:"agent"`
	Node  string `json:"node"`
	PID   int    `json:"pid"`
}

// Welcome accepts an agent: Index (from 0) is its place among the run's
// Generators agents, which fixes its share of each step and its seed.
type Welcome struct {
	Version    int `json:"version"`
	Index      int `json:"index"`
	Generators int `json:"generators"`
}

// Poll asks for the agent's next command.
type Poll struct {
	Version int    `json:"version"`
	Agent   string `json:"agent"`
}

// Command is what an agent does next (see the Kind constants).
type Command struct {
	Version int    `json:"version"`
	Kind    string `json:"kind"`
	// Job is set with the first step of a ramp: what to run it with.
	Job *Job `json:"job,omitempty"`
	// Step is the agent's share of the step (Kind step).
	Step *StepShare `json:"step,omitempty"`
}

// Job is one ramp as an agent runs it.
type Job struct {
	// ID numbers the controller's ramps from 1; every step and result
	// names it.
	ID int `json:"id"`
	// Scenario is the ramp's scenario (defaults applied), its shares of
	// spawn_rate, max_workers and pool already divided; BaseDir resolves
	// its relative files (body_file, targets_file, tls.ca_file), which
	// must exist on the agent's node at that path.
	Scenario scenarios.Scenario `json:"scenario"`
	BaseDir  string             `json:"base_dir,omitempty"`
	// URLs are the target's base URLs, round-robin.
	URLs []string `json:"urls"`
	// Seed is this agent's seed (the run's seed + its index).
	Seed int64 `json:"seed"`
	// SLO is the run's verdict; the agent's engine claims the requests
	// that hang by its latency bound, as an in-process run does.
	SLO string `json:"slo,omitempty"`
}

// StepShare is one agent's part of a step.
type StepShare struct {
	Job int `json:"job"`
	// Step is the agent's share: its Index is the step's, its Users or
	// Rate the agent's part of the load, Hold and Settle the step's.
	Step scenarios.Step `json:"step"`
	// Start is the step's start on the controller's clock; StartInMs the
	// milliseconds from the writing of this command to it, by which the
	// agent starts.
	Start     time.Time `json:"start"`
	StartInMs float64   `json:"start_in_ms"`
}

// Result is an agent's record of one step, or Error: why its engine
// stopped (then Record is empty).
type Result struct {
	Version int           `json:"version"`
	Agent   string        `json:"agent"`
	Job     int           `json:"job"`
	Step    int           `json:"step"`
	Record  record.Record `json:"record"`
	Error   string        `json:"error,omitempty"`
}

// ErrorBody is the body of every refusal.
type ErrorBody struct {
	Version int    `json:"version"`
	Error   string `json:"error"`
}

// NewToken returns a fresh random token: TokenBytes bytes from the
// system's random source, hex.
func NewToken() (string, error) {
	b := make([]byte, TokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("make the run's agent token: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// authorized reports whether r carries "Authorization: Bearer token",
// comparing in constant time.
func authorized(r *http.Request, token string) bool {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(got), []byte(token)) == 1
}

// versionErr refuses a message of another protocol version.
func versionErr(what string, got int) error {
	if got == Version {
		return nil
	}
	return fmt.Errorf("%s speaks protocol version %d, this side speaks version %d: run the same loadlab release on the controller and every agent", what, got, Version)
}

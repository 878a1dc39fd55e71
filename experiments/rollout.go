package experiments

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/target/runtime/swarm"
)

// Rollout defaults.
const (
	DefaultRolloutLead    = 5 * time.Second
	DefaultRolloutTail    = 5 * time.Second
	DefaultRolloutTimeout = 3 * time.Minute
)

// Swarm's update orders and the default failure action, as its API spells
// them (swarm.UpdatePolicy checks them again; only the runtimes import
// the Docker API's types).
const (
	OrderStartFirst      = "start-first"
	OrderStopFirst       = "stop-first"
	defaultFailureAction = "pause"
)

// rolloutOrders are the values of rollout.orders.
var rolloutOrders = []string{OrderStartFirst, OrderStopFirst}

// Rollout is an experiment's rollout: block: hold one load level while
// Swarm rolls the service from the experiment's target to To, once per
// order, each from a fresh deployment of the first configuration, and
// record every second (timeline.jsonl) from Lead before the update until
// Tail after it ended (issue 14 §3). It needs runtime: swarm.
type Rollout struct {
	// To is what the service rolls to: an image in the manager's store
	// (and loaded on the other nodes), or the same image with another
	// environment, or both.
	To RolloutTo `yaml:"to"`
	// HoldUsers (closed loop) or HoldRate (open loop, requests/s) is the
	// load held through the rollout; the scenario's model decides which.
	HoldUsers int     `yaml:"hold_users,omitempty" nonzero:"≥ 1"`
	HoldRate  float64 `yaml:"hold_rate,omitempty" nonzero:"> 0"`
	// Orders are the update orders to compare, each its own rollout:
	// start-first (a new task starts before an old one stops), stop-first.
	// Default both, start-first first.
	Orders []string `yaml:"orders,omitempty"`
	// Parallelism is how many tasks Swarm updates at once (default 1);
	// Delay the pause between two batches; FailureAction pause (default),
	// continue or rollback.
	Parallelism   int           `yaml:"parallelism,omitempty" nonzero:"≥ 1"`
	Delay         time.Duration `yaml:"delay,omitempty"`
	FailureAction string        `yaml:"failure_action,omitempty"`
	// Lead is the steady load before the update starts, Tail after it
	// ended (defaults 5 s each); Timeout bounds the update itself
	// (default 3 m; a rollout not over by then is recorded as not ended).
	Lead    time.Duration `yaml:"lead,omitempty"`
	Tail    time.Duration `yaml:"tail,omitempty"`
	Timeout time.Duration `yaml:"timeout,omitempty"`
}

// RolloutTo is the version a rollout goes to.
type RolloutTo struct {
	Image string            `yaml:"image,omitempty"`
	Env   map[string]string `yaml:"env,omitempty"`
}

// WithDefaults fills the unset fields.
func (r Rollout) WithDefaults() Rollout {
	if len(r.Orders) == 0 {
		r.Orders = slices.Clone(rolloutOrders)
	}
	if r.Parallelism == 0 {
		r.Parallelism = 1
	}
	if r.FailureAction == "" {
		r.FailureAction = defaultFailureAction
	}
	if r.Lead == 0 {
		r.Lead = DefaultRolloutLead
	}
	if r.Tail == 0 {
		r.Tail = DefaultRolloutTail
	}
	if r.Timeout == 0 {
		r.Timeout = DefaultRolloutTimeout
	}
	return r
}

// policy is Swarm's update policy for one order.
func (r Rollout) policy(order string) swarm.UpdatePolicy {
	return swarm.UpdatePolicy{Parallelism: uint64(max(r.Parallelism, 0)), Delay: r.Delay, Order: order, FailureAction: r.FailureAction}
}

// rolloutProblems checks the rollout: block of e (defaults applied):
// before anything is deployed, with the field and the fix.
func (e Experiment) rolloutProblems() []FieldError {
	r := e.Rollout
	if r == nil {
		return nil
	}
	var ps []FieldError
	add := func(path, format string, a ...any) {
		ps = append(ps, FieldError{Field: "rollout." + path, Msg: fmt.Sprintf(format, a...)})
	}
	if r.To.Image == "" && len(r.To.Env) == 0 {
		add("to", "say what to roll to: to: {image: <an image in the local store>} or to: {env: {NAME: value}}")
	}
	if e.Runtime != "" && e.Runtime != "swarm" {
		add("to", "a rollout is Swarm's rolling update: set runtime: swarm (got runtime: %s)", e.Runtime)
	}
	if e.Search != nil {
		add("to", "a rollout holds one load level: it cannot go with search:")
	}
	if n := len(e.Expand()); n != 1 && e.Search == nil {
		add("to", "a rollout rolls one configuration: list exactly one under configs: (or a matrix of one); got %d", n)
	}
	if len(e.Target.URLs) > 0 {
		add("to", "a rollout needs a target loadlab deploys, not target.urls")
	}
	switch e.Scenario.Model {
	case record.ModelRate:
		if !(r.HoldRate > 0) {
			add("hold_rate", "the load to hold through the rollout, in requests/s (the scenario's model is rate), e.g. hold_rate: 50")
		}
		if r.HoldUsers != 0 {
			add("hold_users", "the scenario's model is rate: give hold_rate instead")
		}
	default:
		if r.HoldUsers < 1 {
			add("hold_users", "the users to hold through the rollout (the scenario's model is users), e.g. hold_users: 10")
		}
		if r.HoldRate != 0 {
			add("hold_rate", "the scenario's model is users: give hold_users instead")
		}
	}
	seen := map[string]bool{}
	for i, o := range r.Orders {
		if !slices.Contains(rolloutOrders, o) {
			add(fmt.Sprintf("orders[%d]", i), "%q: use start-first or stop-first", o)
		}
		if seen[o] {
			add(fmt.Sprintf("orders[%d]", i), "%q is listed twice", o)
		}
		seen[o] = true
	}
	if err := r.policy(OrderStartFirst).Check(); err != nil {
		add("failure_action", "%v", err)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"delay", r.Delay}, {"lead", r.Lead}, {"tail", r.Tail}, {"timeout", r.Timeout}} {
		if d.v < 0 {
			add(d.name, "must not be negative (got %s)", d.v)
		}
	}
	return ps
}

// Describe is the rollout in one line: what it rolls to, the held load,
// the orders and the update policy.
func (r Rollout) Describe() string {
	r = r.WithDefaults()
	to := r.To.Image
	if to == "" {
		to = "the same image"
	}
	if len(r.To.Env) > 0 {
		to += " with env " + strings.Join(slices.Sorted(maps.Keys(r.To.Env)), ", ")
	}
	load := fmt.Sprintf("%d users", r.HoldUsers)
	if r.HoldRate > 0 {
		load = fmt.Sprintf("%g requests/s", r.HoldRate)
	}
	return fmt.Sprintf("rollout to %s under %s, %s, %d task(s) at a time, delay %s, on failure %s",
		to, load, strings.Join(r.Orders, " then "), r.Parallelism, r.Delay, r.FailureAction)
}

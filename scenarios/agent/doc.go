// Package agent generates one ramp's load from several processes (issue
// 14 §2): `loadlab agent` processes, each running the real engine (one
// request path) on its share of every step, and a Controller that hands
// out the shares, starts every step at the same instant on all agents,
// and merges their step records exactly into the one record of the step.
//
// # Roles
//
// The controller listens (on 127.0.0.1 for agents on this machine, or on
// an address every node of the cluster can reach) and the agents dial
// it, so that an agent needs no published port when it runs as a Swarm
// service. Each agent registers, then long-polls for its next command,
// and posts the record of every step it ran. One controller serves one
// run: its agents stay registered from ramp to ramp (configurations,
// repeats, warm-ups) until the controller tells them to exit.
//
// # The ramp
//
// Controller.Run is engine.Run's counterpart: the real planner (the
// caller's, or the scenario's fixed plan or ramp.search) decides each
// step from the merged records; the step's share goes to every agent
// (users ÷ N with the remainder to the first agents, rate ÷ N, spawn_rate,
// max_workers and a shared pool ÷ N rounded up, each agent the run's seed
// + its index) with the instant it starts; each agent's engine runs it
// as a step of unknown length (its planner's Len is 0, so it applies no
// stop condition of its own) and posts its record with its histograms.
// The controller merges them (see Merge), calls the caller's hooks as
// engine.Run does (WindowStart at the window's start, Enrich, Emit),
// judges the merged record with engine.Rules (the SLO verdict and the
// scenario's stop conditions, the engine's own code) and asks the planner
// for the next step.
//
// An agent whose record has not arrived by the end of the step plus
// ResultGrace (it died, or lost contact) makes the step Partial, with a
// StopReason naming it, holding what the other agents measured; the ramp
// ends there and Run returns an error wrapping ErrAgentLost: a lost
// agent's share of the load is gone, so no later step would be
// comparable. A saturated agent flags the merged step untrusted, as a
// saturated in-process generator does.
//
// Not supported with several generators: stability (each agent would
// extend its window on its own); the experiment refuses it.
//
// # Protocol (version 1)
//
// HTTP/1.1 and JSON, every request a POST with a JSON body, every body
// in both directions carrying "version" (Version). Every request carries
// "Authorization: Bearer <token>", the run's random token (TokenBytes
// random bytes, hex), compared in constant time; anything else is
// answered 401. The token reaches an agent through its environment or a
// file, never its command line, and is never logged nor written to a
// results folder. A message of another version is refused with 409 and
// an Error naming both versions; an agent stops at once on 401 or 409.
//
//	POST /v1/register  Hello   → Welcome   the agent's ID, node, pid; its index
//	POST /v1/next      Poll    → Command   long poll (PollHold): "step" (the
//	                                       share, the start instant and, with a
//	                                       ramp's first step, its Job), "stop"
//	                                       (the ramp is over), "exit"; 204 when
//	                                       nothing came: poll again
//	POST /v1/result    Result  → 204       the agent's record of one step, or
//	                                       the error that stopped its engine
//
// Errors are {"version": 1, "error": "…"} with a 4xx status. A step's
// start is sent both as an absolute instant (Start, the controller's
// clock, for records) and as StartInMs, the delay from the moment the
// response is written, which the agent uses: clocks of different nodes
// need not agree, only the network's delay (milliseconds) separates the
// agents' starts.
package agent

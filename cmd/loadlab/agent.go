package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/loadlab/loadlab/scenarios/agent"
)

// agentIDEnv and agentNodeEnv set --id's and --node's defaults (a Swarm
// service fills them from its task's name and node).
const (
	agentIDEnv   = "LOADLAB_AGENT_ID"
	agentNodeEnv = "LOADLAB_AGENT_NODE"
)

// agentCmd runs a load generation agent: it dials a controller (`loadlab
// run` of an experiment with generators: N), runs its share of every step
// with the engine and posts each step's record.
type agentCmd struct {
	controller string
	tokenFile  string
	tokenEnv   string
	id         string
	node       string
}

func newAgentCmd() *cobra.Command {
	c := &agentCmd{}
	cmd := &cobra.Command{
		Use:   "agent --controller URL (--token-file FILE | --token-env VAR) [--id ID]",
		Short: "Generate a share of a run's load for a controller (generators: N)",
		Long: `agent is one load generator of a run with generators: N. It dials the
controller (the loadlab run that started it), registers, and runs its share
of every step with the same engine as an in-process run, posting each step's
record with its latency histograms; the controller merges them exactly.

The run's token comes from a file (--token-file) or an environment variable
(--token-env), never from the command line, where other users could read it.
The agent exits when the controller ends the run, when it refuses the agent
(wrong token, another protocol version), or after the controller has not
answered for 30 s. loadlab run starts its agents itself; run this by hand
only to place agents yourself.`,
		Args: cobra.NoArgs,
		RunE: c.run,
	}
	f := cmd.Flags()
	f.StringVar(&c.controller, "controller", "", "the controller's base URL, such as http://10.0.0.1:7300 (required)")
	f.StringVar(&c.tokenFile, "token-file", "", "file holding the run's token")
	f.StringVar(&c.tokenEnv, "token-env", "", "environment variable holding the run's token, such as "+agent.TokenEnv)
	f.StringVar(&c.id, "id", os.Getenv(agentIDEnv), "the agent's ID, unique in the run (env "+agentIDEnv+"; default: <host name>-<pid>)")
	f.StringVar(&c.node, "node", os.Getenv(agentNodeEnv), "the node the agent runs on, as records show it (env "+agentNodeEnv+"; default: the host name)")
	return cmd
}

func (c *agentCmd) run(cmd *cobra.Command, _ []string) error {
	if c.controller == "" {
		return usagef("--controller is required")
	}
	token, err := c.token()
	if err != nil {
		return err
	}
	host, _ := os.Hostname()
	id := c.id
	if id == "" {
		id = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	return agent.Serve(cmd.Context(), agent.Config{
		Controller: c.controller, Token: token, ID: id, Node: c.node, Log: cmd.ErrOrStderr(),
	})
}

// token reads the run's token from --token-file or --token-env (exactly
// one of them).
func (c *agentCmd) token() (string, error) {
	switch {
	case (c.tokenFile == "") == (c.tokenEnv == ""):
		return "", usagef("give exactly one of --token-file and --token-env")
	case c.tokenFile != "":
		b, err := os.ReadFile(c.tokenFile)
		if err != nil {
			return "", usagef("--token-file: %v", err)
		}
		t := strings.TrimSpace(string(b))
		if t == "" {
			return "", usagef("--token-file %s is empty", c.tokenFile)
		}
		return t, nil
	}
	t := strings.TrimSpace(os.Getenv(c.tokenEnv))
	if t == "" {
		return "", usagef("--token-env: the environment variable %s is not set or empty", c.tokenEnv)
	}
	return t, nil
}

package agent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"time"
)

// JoinTimeout bounds the wait for launched agents to register.
const JoinTimeout = 30 * time.Second

// Launcher starts a run's agents and stops them. The local launcher runs
// them as child processes; a cluster runtime can run them as a service.
type Launcher interface {
	// Launch starts n agents that dial the controller at url with token
	// (handed over through the environment or a file, never a command
	// line); it returns once they are started, not registered.
	Launch(ctx context.Context, n int, url, token string) error
	// Stop stops every agent Launch started, within about grace, also
	// after the run's context was cancelled.
	Stop(grace time.Duration) error
}

// Local launches agents as child processes on this machine: `Binary agent
// --controller URL --token-env LOADLAB_AGENT_TOKEN --id local-<i>`, the
// token in the child's environment.
type Local struct {
	// Binary is the loadlab executable (empty: this process's).
	Binary string
	// Log receives the agents' output (nil: discarded).
	Log io.Writer

	mu    sync.Mutex
	procs []*localProc
}

type localProc struct {
	cmd  *exec.Cmd
	done chan error
}

// Launch starts n agent processes.
func (l *Local) Launch(ctx context.Context, n int, url, token string) error {
	bin := l.Binary
	if bin == "" {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("find the loadlab executable for the agents: %w", err)
		}
		bin = exe
	}
	out := l.Log
	if out == nil {
		out = io.Discard
	}
	for i := 0; i < n; i++ {
		cmd := exec.Command(bin, "agent", "--controller", url, "--token-env", TokenEnv, "--id", fmt.Sprintf("local-%d", i+1))
		cmd.Env = append(os.Environ(), TokenEnv+"="+token)
		cmd.Stdout, cmd.Stderr = out, out
		dieWithParent(cmd)
		if err := cmd.Start(); err != nil {
			return errors.Join(fmt.Errorf("start agent %d (%s agent): %w", i+1, bin, err), l.Stop(time.Second))
		}
		p := &localProc{cmd: cmd, done: make(chan error, 1)}
		go func() { p.done <- cmd.Wait() }()
		l.mu.Lock()
		l.procs = append(l.procs, p)
		l.mu.Unlock()
	}
	return nil
}

// PIDs are the agent processes' ids, in launch order.
func (l *Local) PIDs() []int {
	l.mu.Lock()
	defer l.mu.Unlock()
	var pids []int
	for _, p := range l.procs {
		pids = append(pids, p.cmd.Process.Pid)
	}
	return pids
}

// Stop waits up to grace for every agent to exit (the controller tells
// them to), then kills the rest and waits for them.
func (l *Local) Stop(grace time.Duration) error {
	l.mu.Lock()
	procs := l.procs
	l.procs = nil
	l.mu.Unlock()
	deadline := time.After(grace)
	var errs []error
	for _, p := range procs {
		select {
		case <-p.done:
			continue
		case <-deadline:
		}
		if err := p.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
			errs = append(errs, fmt.Errorf("kill agent %d: %w", p.cmd.Process.Pid, err))
		}
		<-p.done
	}
	return errors.Join(errs...)
}

// Fleet is a controller with its launched agents.
type Fleet struct {
	*Controller
	launcher Launcher
}

// Start listens on addr for n agents, launches them with l and waits (at
// most JoinTimeout) until every one has registered. On an error
// everything started is stopped again.
func Start(ctx context.Context, addr string, n int, l Launcher) (*Fleet, error) {
	token, err := NewToken()
	if err != nil {
		return nil, err
	}
	c, err := Listen(addr, n, token)
	if err != nil {
		return nil, err
	}
	f := &Fleet{Controller: c, launcher: l}
	if err := l.Launch(ctx, n, c.URL(), token); err != nil {
		return nil, errors.Join(err, f.Close())
	}
	if err := c.WaitJoined(ctx, JoinTimeout); err != nil {
		return nil, errors.Join(fmt.Errorf("start %d load generation agents: %w", n, err), f.Close())
	}
	return f, nil
}

// Close tells the agents to exit, stops the controller and then the
// agents that remain (killed after a few seconds).
func (f *Fleet) Close() error {
	err := f.Controller.Close(2 * time.Second)
	return errors.Join(err, f.launcher.Stop(3*time.Second))
}

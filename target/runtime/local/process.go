package local

import (
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// process is one replica: a child process in its own process group.
type process struct {
	name string
	url  string
	cmd  *exec.Cmd
	logs *tailBuffer

	done    chan struct{} // closed once the process has been reaped
	mu      sync.Mutex
	waitErr error
	exited  time.Time
}

// start launches program (placeholders expanded for port) with env. The
// child gets its own process group, so Close can signal anything it
// spawned and a Ctrl-C in the terminal reaches loadlab only (which then
// tears down in order), and SIGKILL if loadlab dies without cleaning up
// (Pdeathsig; strictly, when the OS thread that started it exits, which
// the Go runtime does not do for threads it is not told to lock).
func start(name string, port int, program []string, env []string) (*process, error) {
	addr := "127.0.0.1:" + strconv.Itoa(port)
	args := make([]string, len(program))
	for i, a := range program {
		a = strings.ReplaceAll(a, "{addr}", addr)
		args[i] = strings.ReplaceAll(a, "{port}", strconv.Itoa(port))
	}
	p := &process{
		name: name,
		url:  "http://" + addr,
		logs: newTailBuffer(logLines),
		done: make(chan struct{}),
	}
	p.cmd = exec.Command(args[0], args[1:]...)
	p.cmd.Env = env
	p.cmd.Stdout = p.logs
	p.cmd.Stderr = p.logs
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", args[0], err)
	}
	go func() {
		err := p.cmd.Wait()
		p.mu.Lock()
		p.waitErr, p.exited = err, time.Now()
		p.mu.Unlock()
		close(p.done)
	}()
	return p, nil
}

// pid is the replica's process ID.
func (p *process) pid() int { return p.cmd.Process.Pid }

// exitErr is nil while the process runs, and says how it ended after.
func (p *process) exitErr() error {
	select {
	case <-p.done:
	default:
		return nil
	}
	code, sig := p.exitStatus()
	if sig != "" {
		return fmt.Errorf("process was killed by %s", sig)
	}
	return fmt.Errorf("process exited with code %d", code)
}

// exitStatus is the exit code (128+signal when killed, as shells and
// Docker report it) and the signal name, if any. Call after done.
func (p *process) exitStatus() (int, string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var ee *exec.ExitError
	if !errors.As(p.waitErr, &ee) {
		if p.waitErr != nil {
			return -1, ""
		}
		return 0, ""
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal()), unix.SignalName(ws.Signal())
	}
	return ee.ExitCode(), ""
}

// stop sends SIGTERM to the process group, then SIGKILL after grace, and
// waits until the process is reaped.
func (p *process) stop(grace time.Duration) {
	select {
	case <-p.done:
		_ = syscall.Kill(-p.pid(), syscall.SIGKILL) // stray children
		return
	default:
	}
	_ = syscall.Kill(-p.pid(), syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = syscall.Kill(-p.pid(), syscall.SIGKILL)
		<-p.done
	}
	_ = syscall.Kill(-p.pid(), syscall.SIGKILL)
}

// tail formats the last output lines for an error message.
func (p *process) tail() string {
	if p == nil {
		return ""
	}
	lines := p.logs.Lines()
	if len(lines) == 0 {
		return "\n(the process wrote no output)"
	}
	return "\nlast log lines of " + p.name + ":\n  " + strings.Join(lines, "\n  ")
}

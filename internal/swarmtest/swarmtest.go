// Package swarmtest gives tests a real single-node Docker Swarm: the one
// the local engine is in, or one it creates with
// `docker swarm init --advertise-addr 127.0.0.1` and leaves again at the
// end. It never leaves a swarm it did not create. It drives the docker CLI
// (only the runtimes import the Docker client).
package swarmtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// lockPath serialises swarm tests of different test binaries (go test
// runs packages in parallel): one must not leave the swarm another uses.
var lockPath = filepath.Join(os.TempDir(), "loadlab-swarmtest.lock")

// cliTimeout bounds every docker command.
const cliTimeout = 60 * time.Second

// Swarm is the swarm a test binary uses.
type Swarm struct {
	// NodeID is the local engine's node ID, for placement constraints
	// (node.id==NodeID) that keep test tasks on this node when the swarm
	// has others.
	NodeID string
	// Created says Start initialised the swarm (and Stop leaves it).
	Created bool
	lock    *os.File
}

// Start takes the swarm tests' lock (waiting for other test binaries'
// swarm tests, at most wait) and makes sure the local engine is an active
// swarm manager.
func Start(ctx context.Context, wait time.Duration) (*Swarm, error) {
	if _, err := docker(ctx, "version", "--format", "{{.Server.Version}}"); err != nil {
		return nil, fmt.Errorf("no Docker daemon answers: %w", err)
	}
	f, err := lock(ctx, wait)
	if err != nil {
		return nil, err
	}
	s := &Swarm{lock: f}
	st, err := state(ctx)
	if err != nil {
		return nil, errors.Join(err, s.unlock())
	}
	switch st {
	case "active true":
	case "inactive false":
		if _, err := docker(ctx, "swarm", "init", "--advertise-addr", "127.0.0.1"); err != nil {
			return nil, errors.Join(fmt.Errorf("docker swarm init: %w", err), s.unlock())
		}
		s.Created = true
	default:
		return nil, errors.Join(fmt.Errorf("the engine's swarm state is %q: a test needs an active manager or no swarm", st), s.unlock())
	}
	if s.NodeID, err = docker(ctx, "info", "--format", "{{.Swarm.NodeID}}"); err != nil {
		return nil, errors.Join(err, s.Stop())
	}
	return s, nil
}

// Outside takes the swarm tests' lock and reports whether the engine is
// outside swarm mode; until release is called no swarm test of this
// project puts it in one. inactive is false when the engine is in a swarm
// (not ours to leave): the caller cannot test life without one then.
func Outside(ctx context.Context, wait time.Duration) (inactive bool, release func() error, err error) {
	if _, err := docker(ctx, "version", "--format", "{{.Server.Version}}"); err != nil {
		return false, nil, fmt.Errorf("no Docker daemon answers: %w", err)
	}
	f, err := lock(ctx, wait)
	if err != nil {
		return false, nil, err
	}
	st, err := state(ctx)
	if err != nil {
		return false, nil, errors.Join(err, f.Close())
	}
	return st == "inactive false", f.Close, nil
}

// lock takes the swarm tests' file lock, waiting at most wait.
func lock(ctx context.Context, wait time.Duration) (*os.File, error) {
	f, err := os.OpenFile(lockPath, os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		return nil, fmt.Errorf("swarm test lock: %w", err)
	}
	deadline := time.Now().Add(wait)
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return f, nil
		}
		if !time.Now().Before(deadline) || ctx.Err() != nil {
			_ = f.Close()
			return nil, fmt.Errorf("swarm test lock %s still held by another test binary after %s: %w", lockPath, wait, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// state is the engine's "<LocalNodeState> <ControlAvailable>".
func state(ctx context.Context) (string, error) {
	return docker(ctx, "info", "--format", "{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}")
}

// Stop leaves the swarm if Start created it, and releases the lock.
func (s *Swarm) Stop() error {
	var err error
	if s.Created {
		ctx, cancel := context.WithTimeout(context.Background(), cliTimeout)
		defer cancel()
		if _, lerr := docker(ctx, "swarm", "leave", "--force"); lerr != nil {
			err = fmt.Errorf("docker swarm leave --force: %w", lerr)
		}
		s.Created = false
	}
	return errors.Join(err, s.unlock())
}

func (s *Swarm) unlock() error {
	if s.lock == nil {
		return nil
	}
	err := s.lock.Close() // closing releases the flock
	s.lock = nil
	return err
}

// docker runs the docker CLI and returns its trimmed standard output.
func docker(ctx context.Context, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, cliTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "docker", args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("docker %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}

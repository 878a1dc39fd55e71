// Command loadlab load-tests ML inference APIs: it deploys an API under a
// matrix of resource limits, ramps simulated users, measures each step and
// reports capacity under an SLO. `loadlab serve` runs the bundled reference
// inference API.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/loadlab/loadlab/report/gate"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:]))
}

// run executes the CLI and returns the process exit code.
func run(args []string) int { return execute(newRootCmd(version), args) }

// execute runs root with args and returns the process exit code. SIGINT
// and SIGTERM cancel the command's context; commands stop cleanly and
// return an error wrapping context.Canceled, mapped to 130 (SIGINT) or 143
// (SIGTERM). A second signal forces the exit after the onForcedExit hooks.
// Usage errors exit 2, a panic 70, other errors 1 (or an exitError's code).
func execute(root *cobra.Command, args []string) (code int) {
	defer func() {
		// A panic in the command's goroutine is a bug; the user gets one
		// line, not a Go stack trace (LOADLAB_TRACEBACK=1 prints it).
		if r := recover(); r != nil {
			fmt.Fprintf(os.Stderr, "loadlab: internal error: %s (a bug in loadlab: please report it with the command line; LOADLAB_TRACEBACK=1 prints the stack)\n", consoleText(r))
			if os.Getenv("LOADLAB_TRACEBACK") != "" {
				os.Stderr.Write(debug.Stack())
			}
			code = 70
		}
	}()
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		first := <-sigs
		fmt.Fprintf(os.Stderr, "\nloadlab: %v received: stopping cleanly (press Ctrl-C again to force)\n", first)
		cancel(&signalError{sig: first})
		second := <-sigs
		// A forced exit skips deferred teardown: remove what this run
		// created (bounded), unless a third signal insists.
		fmt.Fprintf(os.Stderr, "loadlab: forced exit: removing this run's containers (at most %s; Ctrl-C again to skip)\n", forcedExitTimeout)
		abort := make(chan struct{})
		go func() { <-sigs; close(abort) }()
		if !onForcedExit.run(forcedExitTimeout, abort) {
			fmt.Fprintln(os.Stderr, "loadlab: cleanup incomplete: remove leftovers with `loadlab clean`")
		}
		os.Exit(exitCodeFor(second))
	}()

	usageArgs(root)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	if cause := context.Cause(ctx); cause != nil {
		var se *signalError
		if errors.As(cause, &se) {
			fmt.Fprintf(os.Stderr, "loadlab: interrupted: %s\n", consoleText(err))
			return exitCodeFor(se.sig)
		}
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.Err != nil {
			fmt.Fprintf(os.Stderr, "loadlab: %s\n", consoleText(ee.Err))
		}
		return ee.Code
	}
	if !isUsage(err) && strings.HasPrefix(err.Error(), "unknown command ") {
		// cobra's error for a stray argument or a mistyped command.
		err = usagef("%v (see --help)", err)
	}
	fmt.Fprintf(os.Stderr, "loadlab: %s\n", consoleText(err))
	if isUsage(err) {
		return 2
	}
	return 1
}

// usageArgs makes the argument checks of c and its subcommands return
// usage errors (exit 2), whether they are cobra's validators
// (cobra.MaximumNArgs, ...) or a command's own.
func usageArgs(c *cobra.Command) {
	if check := c.Args; check != nil {
		c.Args = func(cmd *cobra.Command, args []string) error {
			err := check(cmd, args)
			if err == nil || isUsage(err) {
				return err
			}
			return &usageError{err: fmt.Errorf("%w (see %s --help)", err, cmd.CommandPath())}
		}
	}
	for _, sub := range c.Commands() {
		usageArgs(sub)
	}
}

type signalError struct{ sig os.Signal }

func (e *signalError) Error() string { return "received " + e.sig.String() }

func exitCodeFor(s os.Signal) int {
	if s == syscall.SIGTERM {
		return 143
	}
	return 130
}

// exitError carries a specific exit code out of a command; its Err, when
// set, is printed. It is the gate's coded error (gate uses 1, 2 and 3), so
// that a gate's verdict reaches the process exit without a translation.
type exitError = gate.ExitError

// usageError marks bad flags or arguments (exit code 2).
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usagef(format string, a ...any) error {
	return &usageError{err: fmt.Errorf(format, a...)}
}

func isUsage(err error) bool {
	var ue *usageError
	return errors.As(err, &ue)
}

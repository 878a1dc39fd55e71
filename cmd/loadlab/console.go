package main

import (
	"fmt"
	"sync/atomic"

	"github.com/loadlab/loadlab/redact"
)

// consoleSecrets is the redactor of the command running in this process
// (set by run and ramp once their secrets are known): every error main
// prints goes through it, and commands print through its Writer, so that
// the console never shows a secret. Before it is set, errors are
// redacted by pattern (URL credentials, secret query values).
var consoleSecrets atomic.Pointer[redact.Redactor]

// useSecrets makes red the console's redactor and returns it.
func useSecrets(red *redact.Redactor) *redact.Redactor {
	consoleSecrets.Store(red)
	return red
}

// consoleText is v's text as the console may show it.
func consoleText(v any) string {
	return consoleSecrets.Load().String(fmt.Sprint(v))
}

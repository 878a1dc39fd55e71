//go:build !linux

package agent

import "os/exec"

// dieWithParent does nothing here: an agent whose controller is gone
// exits after DefaultLostAfter.
func dieWithParent(*exec.Cmd) {}

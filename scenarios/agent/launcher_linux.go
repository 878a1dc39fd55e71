package agent

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes the kernel kill the agent when this process dies,
// even by SIGKILL, so that no agent outlives its controller.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

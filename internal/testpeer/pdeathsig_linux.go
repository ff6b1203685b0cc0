package testpeer

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes the kernel kill cmd's process when the test binary
// dies (a timeout, a crash), so no peer outlives its test.
func dieWithParent(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
}

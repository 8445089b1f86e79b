package s3test

import (
	"os/exec"
	"syscall"
)

// sysProcAttr puts MinIO in its own process group, and has the kernel
// kill it if the test binary dies without running Stop (a panic, a
// timeout, a test without Main).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

func killGroup(cmd *exec.Cmd, hard bool) {
	sig := syscall.SIGTERM
	if hard {
		sig = syscall.SIGKILL
	}
	syscall.Kill(-cmd.Process.Pid, sig)
}

//go:build !unix

package s3test

import (
	"os/exec"
	"syscall"
)

func sysProcAttr() *syscall.SysProcAttr { return nil }

func killGroup(cmd *exec.Cmd, hard bool) { cmd.Process.Kill() }

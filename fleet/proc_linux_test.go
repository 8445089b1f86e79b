//go:build linux

package fleet

import "syscall"

// sysProcAttr has the kernel kill an instance if the test process dies
// without stopping it (a panic, a timeout).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

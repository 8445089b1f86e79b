//go:build !linux

package pdftext

import "syscall"

// limitMemory has no hard form here; the soft GC target set by the caller
// and the parent's timeout remain.
func limitMemory(int64) error { return nil }

func childAttr() *syscall.SysProcAttr { return nil }

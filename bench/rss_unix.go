//go:build unix

package main

import (
	"os"
	"syscall"
)

// maxRSSMiB is a finished process's peak resident memory.
func maxRSSMiB(ps *os.ProcessState) float64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return float64(ru.Maxrss) / 1024 // kilobytes on Linux
	}
	return 0
}

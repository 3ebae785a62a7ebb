//go:build linux

package main

import (
	"syscall"
	"time"
	"unsafe"
)

// threadTime is the CPU time the calling thread has run (CLOCK_THREAD_CPUTIME_ID), as the C peers
// time themselves: on a shared machine it leaves out the time other tenants' processes ran. The
// caller locks its goroutine to its thread.
func threadTime() time.Duration {
	var ts syscall.Timespec
	const clockThreadCPUTime = 3
	if _, _, errno := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTime, uintptr(unsafe.Pointer(&ts)), 0); errno != 0 {
		return time.Duration(time.Now().UnixNano())
	}
	return time.Duration(ts.Nano())
}

// threadClock names the clock threadTime reads, for the table's header.
const threadClock = "thread CPU time"

//go:build !linux

package main

import "time"

var start = time.Now()

// threadTime is wall time where the thread's CPU clock is not read: it counts the time other
// processes ran too.
func threadTime() time.Duration { return time.Since(start) }

// threadClock names the clock threadTime reads, for the table's header.
const threadClock = "wall time"

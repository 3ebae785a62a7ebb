//go:build !unix

package main

import "os"

// maxRSSMiB is 0 where the process's peak resident memory is not reported: the table then shows
// no memory figure.
func maxRSSMiB(ps *os.ProcessState) float64 { return 0 }

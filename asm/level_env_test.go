package asm

import "os"

// envFree reports whether NNGEN_CPU is unset, so that init chose the best level.
func envFree() bool { _, set := os.LookupEnv("NNGEN_CPU"); return !set }

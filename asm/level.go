package asm

import (
	"fmt"
	"os"
	"strings"
)

// The kernel levels, from slowest to fastest. Each level's assembly needs every CPU feature of
// the levels below it.
const (
	levelGeneric = iota // pure Go
	levelAVX2           // AVX, AVX2 and FMA3 (256-bit)
	levelAVX512         // AVX-512F on top of the AVX2 level (512-bit, mask registers)
)

// levelNames maps a level to the name NNGEN_CPU and Level use.
var levelNames = [...]string{levelGeneric: "generic", levelAVX2: "avx2", levelAVX512: "avx512"}

// level is the level every exported kernel dispatches on. It is set once at init and changed
// only by tests (setLevel); the kernels switch on it and call the assembly directly, never
// through function variables, so that slices of a caller's stack arrays do not escape.
var level = levelGeneric

// envErr is the problem, if any, with NNGEN_CPU, reported by CheckEnv.
var envErr error

func init() {
	level, envErr = chooseLevel(os.Getenv("NNGEN_CPU"), bestLevel())
}

// chooseLevel returns the level that the value of NNGEN_CPU asks for, given the best level the
// machine supports. An empty value asks for the best; a value naming an unknown or unsupported
// level yields an error and the best level.
func chooseLevel(env string, best int) (int, error) {
	if env == "" {
		return best, nil
	}
	for l, name := range levelNames {
		if strings.EqualFold(env, name) {
			if l > best {
				return best, fmt.Errorf("asm: NNGEN_CPU=%s asks for the %s kernels, which need %s, and this CPU lacks them; it supports %s (using %s)",
					env, name, levelNeeds[l], strings.Join(levelNames[:best+1], ", "), levelNames[best])
			}
			return l, nil
		}
	}
	return best, fmt.Errorf("asm: NNGEN_CPU=%q is not a kernel level; want one of generic, avx2, avx512 (using %s)", env, levelNames[best])
}

// levelNeeds names the CPU features each level requires, for error messages.
var levelNeeds = [...]string{
	levelGeneric: "nothing",
	levelAVX2:    "AVX, AVX2 and FMA3 with OS support (and amd64 assembly: not built under the purego or noasm tags)",
	levelAVX512:  "AVX-512F, AVX, AVX2 and FMA3 with OS support (and amd64 assembly: not built under the purego or noasm tags)",
}

// Level names the kernel level in use: "generic", "avx2" or "avx512".
func Level() string { return levelNames[level] }

// SupportedLevels lists the levels this CPU and build can run, slowest first: the values that
// NNGEN_CPU accepts here.
func SupportedLevels() []string {
	return append([]string(nil), levelNames[:bestLevel()+1]...)
}

// CheckEnv reports a bad NNGEN_CPU: a value that is not a level, or a level this CPU (or this
// build) cannot run. The package then uses the best supported level, so a program may go on, but
// it should print the error and exit, since the user asked for something else.
func CheckEnv() error { return envErr }

// setLevel forces a level (a test hook); it returns the previous one. It panics on a level the
// machine cannot run.
func setLevel(l int) int {
	if l < levelGeneric || l > bestLevel() {
		panic("asm: setLevel: level " + fmt.Sprint(l) + " is not supported here")
	}
	old := level
	level = l
	return old
}

//go:build !amd64 || purego || noasm

package asm

// Without amd64 assembly Col2Im is the Go loop at every level.

func col2imSIMD() bool { return false }

func col2imImageSIMD(dst, src []float32, s *ConvShape) { col2imImage(dst, src, s) }

//go:build !amd64 || purego || noasm

package asm

// Without amd64 assembly the pooling kernels are the Go loops at every level.

func poolSIMD(*ConvShape) bool { return false }

func maxPoolImageSIMD(dst, src []float32, s *ConvShape) { maxPoolImage(dst, src, s) }

func maxPoolBackwardImageSIMD(dst, g, src []float32, s *ConvShape) {
	maxPoolBackwardImage(dst, g, src, s)
}

func averagePoolImageSIMD(dst, src []float32, s *ConvShape) { averagePoolImage(dst, src, s) }

func averagePoolBackwardImageSIMD(dst, g []float32, s *ConvShape) {
	averagePoolBackwardImage(dst, g, s)
}

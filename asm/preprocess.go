package asm

import "math"

// The preprocessing kernels are Keras' Rescaling and Normalization layers, element by element in
// float32 with Keras' order of operations, so that a generated model sees the features Keras
// would. dst may be src; other overlaps are not supported.

// normalizeFloor is the least standard deviation Normalization divides by: Keras' backend
// epsilon, as float32.
const normalizeFloor float32 = 1e-7

// Rescale sets dst[i] = src[i]·scale + offset for every element of src, in float32: the product
// is rounded before the sum (as Keras' Rescaling computes it; the conversion keeps the Go compiler
// from fusing the two into a multiply-add). Rescaling(1/255) multiplies by float32(1/255), which
// for some bytes differs from ScaleBytes' division by 255. dst must be at least as long as src;
// dst may be src.
func Rescale(dst, src []float32, scale, offset float32) {
	checkLen("dst", dst, len(src))
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = float32(v*scale) + offset
	}
}

// normalizeStd is max(sqrt(v), 1e-7) in float32, the divisor of Normalization: the square root
// of a float32 through float64 is the correctly rounded float32 square root. A NaN or negative
// variance gives NaN (the built-in max keeps a NaN).
func normalizeStd(v float32) float32 {
	return max(float32(math.Sqrt(float64(v))), normalizeFloor)
}

// Normalize sets, for rows×cols values, dst[r][j] = (src[r][j] - mean[j]) / max(sqrt(variance[j]),
// 1e-7), Keras' Normalization layer (axis -1) in float32: the square root, the subtraction and the
// division each rounded to float32. A NaN anywhere, or a negative variance, gives NaN. dst may
// be src.
func Normalize(dst, src, mean, variance []float32, rows, cols int) {
	checkLen("dst", dst, rows*cols)
	checkLen("src", src, rows*cols)
	checkLen("mean", mean, cols)
	checkLen("variance", variance, cols)
	mean, variance = mean[:cols], variance[:cols]
	for r := 0; r < rows; r++ {
		d, s := dst[r*cols:r*cols+cols], src[r*cols:r*cols+cols]
		for j, m := range mean {
			d[j] = (s[j] - m) / normalizeStd(variance[j])
		}
	}
}

// Denormalize is Normalize inverted, as Keras' Normalization(invert=True): dst[r][j] = mean[j] +
// src[r][j]·max(sqrt(variance[j]), 1e-7) in float32, the product rounded before the sum. dst may
// be src.
func Denormalize(dst, src, mean, variance []float32, rows, cols int) {
	checkLen("dst", dst, rows*cols)
	checkLen("src", src, rows*cols)
	checkLen("mean", mean, cols)
	checkLen("variance", variance, cols)
	mean, variance = mean[:cols], variance[:cols]
	for r := 0; r < rows; r++ {
		d, s := dst[r*cols:r*cols+cols], src[r*cols:r*cols+cols]
		for j, m := range mean {
			d[j] = m + float32(s[j]*normalizeStd(variance[j]))
		}
	}
}

package asm

// Transpose sets dst (cols×rows) to the transpose of src (rows×cols), both row-major:
//
//	for i := 0; i < rows; i++ {
//		for j := 0; j < cols; j++ {
//			dst[j*rows+i] = src[i*cols+j]
//		}
//	}
//
// A convolution's input gradient multiplies by its kernel transposed once per image; the
// generated Trainer transposes the kernel once per step instead, with this.
func Transpose(dst, src []float32, rows, cols int) {
	if rows < 0 || cols < 0 {
		panic("asm: Transpose: negative size")
	}
	checkLen("src", src, rows*cols)
	checkLen("dst", dst, rows*cols)
	// Blocks of 16×16, so that both matrices are read and written a few cache lines at a time.
	const b = 16
	for i0 := 0; i0 < rows; i0 += b {
		i1 := min(i0+b, rows)
		for j0 := 0; j0 < cols; j0 += b {
			j1 := min(j0+b, cols)
			for i := i0; i < i1; i++ {
				row := src[i*cols+j0 : i*cols+j1]
				for j, v := range row {
					dst[(j0+j)*rows+i] = v
				}
			}
		}
	}
}

//go:build amd64 && !purego && !noasm

package asm

import (
	"unsafe"

	"github.com/klauspost/cpuid/v2"
)

// best is the fastest level the CPU supports; cpuid's checks include the OS's support for the
// wider register state.
var best = func() int {
	c := &cpuid.CPU
	if !c.Supports(cpuid.AVX, cpuid.AVX2, cpuid.FMA3) {
		return levelGeneric
	}
	if c.Supports(cpuid.AVX512F) {
		return levelAVX512
	}
	return levelAVX2
}()

// bestLevel is the fastest level this build can run on this CPU.
func bestLevel() int { return best }

// The functions below are what the exported kernels call after their bounds checks. Each
// switches on level and calls the assembly directly (see level).

func matMul(c, a, b, bias []float32, m, n, k, k0, k1 int, relu bool) {
	if level == levelGeneric || m <= 0 || n <= 0 || k1 <= k0 {
		matMulGeneric(c, a, b, bias, m, n, k, k0, k1, relu)
		return
	}
	flags := 0
	if relu {
		flags = flagReLU
	}
	// Columns k0 to k1 of A (row stride k) times rows k0 to k1 of B.
	if m == 1 {
		var bp *float32
		if bias != nil {
			bp = &bias[0]
		}
		gemv(&c[0], &a[k0], 1, &b[k0*n], n, bp, n, k1-k0, flags)
		return
	}
	gemmBlocked(c, a[k0:], b[k0*n:], bias, k, 1, m, n, k1-k0, flags)
}

// Blocking of the products (gemmBlocked). A product is cut into chunks of rows of C and slices
// along k, so that what a kernel call reads again and again stays in cache, and each call
// prefetches the data of the next one. Without the row chunks a kernel call streams all of A
// once per panel of columns (four times for 64 columns at the AVX2 level), from memory for the
// convolutions' A of up to 18 MB; without the slices a product as deep as 15488 streams its B
// from memory once per row block.
const (
	// kMaxAVX2 is the deepest product A·B done in one slice at the AVX2 level with B in place:
	// a 16-column panel of 512 rows of B is 32 KiB, which L2 feeds to the kernel (64 bytes per
	// 6 cycles) as fast as L1 does; slicing deeper products saves nothing and costs a round
	// trip of C per slice (measured on Zen 3: 32×64×784 in two slices of 392 about 10% faster
	// than in nine of 88, 121×64×288 in one slice 10% faster than in three).
	kMaxAVX2 = 512
	// kBlock512 is the slice of the AVX-512 level, whose 64-column panels read 256 bytes of B
	// per step, too much for L2: products at least 2·kBlock512 deep with m >= 8 are cut into
	// slices of kBlock512 rows (24 KiB per panel, in L1), as before this blocking.
	kBlock512 = 96
	// kMaxT is the deepest slice of Aᵀ·B, whose slices of A and B are both streamed from
	// memory: the slice computed and the slice prefetched stay in L2 (2·48 rows of the
	// convolution's 288-column A are 110 KiB), and a 16-column panel of B's slice in L1
	// (measured on Zen 3: conv1's kernel gradient 9×32×86528 0.95 ms in slices of 48, 1.3 ms
	// of 64, 1.8 ms of 128; conv2's 288×64×15488 the same from 24 to 64, slower from 96).
	kMaxT = 48
	// aChunk is the size in bytes that a chunk of rows of A may take, for a product A·B: about a
	// fifth of a 512 KiB L2, beside B, C and the next chunk being prefetched.
	aChunk = 96 << 10
	// aChunkT is aChunk for A·Bᵀ (matMulTransB), whose B is packed in a 96 KiB stack buffer.
	aChunkT = 48 << 10
	// cChunk bounds the chunk of rows of C, for Aᵀ·B, where each chunk streams all of A and B
	// through its slices along k.
	cChunk = 256 << 10
)

// sliceDepth is the depth of the slices along k of a product with m rows, k deep: at the AVX2
// level ⌈k/⌈k/kmax⌉⌉, slices as equal as can be of at most kmax rows; at the AVX-512 level
// kBlock512 (or k).
func sliceDepth(m, k, kmax int) int {
	if level == levelAVX512 {
		if m < 8 || k < 2*kBlock512 {
			return k
		}
		return kBlock512
	}
	nk := (k + kmax - 1) / kmax
	return (k + nk - 1) / nk
}

// prefetch is what a kernel call prefetches while it computes (the AVX2 kernel only), spread
// evenly over its row blocks: arows rows of aseg bytes, astride bytes apart, from a (the next
// chunk of A, only the columns it will read: two cores sharing a product each prefetch their
// own share), and the bn bytes from b (the next slice of B, for Aᵀ·B). The hardware
// prefetchers do not follow the strided streams of Aᵀ·B across pages, and the first panel of a
// call would otherwise fetch the whole chunk of A at once, faster than memory delivers it,
// while the other panels fetch nothing.
type prefetch struct {
	a                    uintptr
	arows, aseg, astride int
	b                    uintptr
	bn                   int
}

// addr is the address of x, for a prefetch.
func addr(x *float32) uintptr { return uintptr(unsafe.Pointer(x)) }

// rowsShare is a prefetch of part s of nparts of the rows rows of seg bytes, stride bytes apart,
// from x.
func rowsShare(x *float32, rows, seg, stride, s, nparts int) prefetch {
	lo, hi := s*rows/nparts, (s+1)*rows/nparts
	return prefetch{a: addr(x) + uintptr(lo*stride), arows: hi - lo, aseg: seg, astride: stride}
}

// gemmBlocked sets C (m×n, row stride n) = A·B (+ bias), A's element (i, p) at a[i*rsa+p*csa],
// B k×n, in chunks of rows and slices along k: the first slice adds the bias, the later ones
// accumulate (flagAcc), the last applies ReLU. Every element is still summed in order of p by
// one chain of fused multiply-adds, so the blocking changes no bit of the result.
func gemmBlocked(c, a, b, bias []float32, rsa, csa, m, n, k, flags int) {
	if m == 1 {
		gemm(c, n, a, rsa, csa, b, n, bias, m, n, k, flags)
		return
	}
	trans := csa != 1
	if !trans && level == levelAVX2 && m >= packRows && n >= 8 && n <= packMaxN && k >= 64 && m*n*k >= packWork {
		gemmPackedAVX2(c, a, b, bias, rsa, m, n, k, flags)
		return
	}
	var kc, mc int
	if !trans {
		// A·B: a chunk of 24j rows (a multiple of both levels' row blocks) of kc columns fits
		// aChunk.
		kc = sliceDepth(m, k, kMaxAVX2)
		mc = max(24, aChunk/(4*kc)/24*24)
	} else {
		kc = sliceDepth(m, k, kMaxT)
		mc = max(24, cChunk/(4*n)/24*24)
	}
	nk := (k + kc - 1) / kc
	for i0 := 0; i0 < m; i0 += mc {
		rows := min(mc, m-i0)
		for p0 := 0; p0 < k; p0 += kc {
			kw := min(kc, k-p0)
			f := flags &^ flagReLU
			if p0 > 0 {
				f |= flagAcc
			}
			if p0+kw == k {
				f |= flags & flagReLU
			}
			var pf prefetch
			if !trans {
				// The next chunk's rows of A, a share of them per slice.
				if i1 := i0 + mc; i1 < m {
					pf = rowsShare(&a[i1*rsa], min(mc, m-i1), 4*k, 4*rsa, p0/kc, nk)
				}
			} else if p1 := p0 + kc; p1 < k {
				// The next slice's rows of A (this chunk's columns) and of B.
				kw1 := min(kc, k-p1)
				pf = prefetch{a: addr(&a[i0+p1*csa]), arows: kw1, aseg: 4 * rows, astride: 4 * csa}
				pf.b, pf.bn = addr(&b[p1*n]), 4*kw1*n
			}
			gemmRows(c[i0*n:], n, a[i0*rsa+p0*csa:], rsa, csa, b[p0*n:], n, bias, rows, n, kw, f, pf)
		}
	}
}

// packRows is the least m for which gemmPackedAVX2 packs B, and matMulTransB packs Bᵀ in its
// large buffer: enough row blocks per panel (86) to repay the copy and the zeroing of the 96 KiB
// buffer (measured for 288×64 weights: packing 10% slower at m = 121, 9% faster at m = 3872).
// packWork (multiply-adds) is the least product that pays for zeroing the buffer (about 1 µs):
// 4M multiply-adds take 50 µs or more. A shallower B (k < 64) is not worth packing: its panels
// are few cache lines.
const (
	packRows = 512
	packWork = 1 << 22
)

// kMaxPacked is the deepest slice of gemmPackedAVX2, whose panels are contiguous: 384 rows are
// 24 KiB. packMaxN is the widest B it packs, in slices at least 64 deep.
const (
	kMaxPacked = 384
	packMaxN   = bigPackSize / (16 * 64) * 16
)

// panelWidth is the width of the AVX2 kernel's next panel of columns when rem >= 8 columns are
// left (see gemm_avx2_amd64.s): 16, or the whole rest up to 16, or half of a rest of 17 to 23, so
// that every panel is 8 to 16 wide.
func panelWidth(rem int) int {
	switch {
	case rem >= 24 || rem == 16:
		return 16
	case rem > 16:
		return (rem + 1) / 2
	}
	return rem
}

// gemmPackedAVX2 is gemmBlocked for A·B (A's rows contiguous, row stride rsa) at the AVX2 level
// with m >= packRows, n >= 8: slices of B are first copied into a 64-byte aligned stack buffer,
// panel by panel (each panel kw×16, its w <= 16 columns first in each row of 16), so that a
// panel is contiguous in L1 whatever n is, and the kernel runs on one panel per call. A slice is
// as deep as the buffer and kMaxPacked allow (all of B for the convnet's products); the rows of
// C go in chunks, and each call prefetches its share of the next chunk of A.
func gemmPackedAVX2(c, a, b, bias []float32, rsa, m, n, k, flags int) {
	var buf [bigPackSize + 16]float32
	off := int(-uintptr(unsafe.Pointer(&buf[0])) & 63 / 4)
	pb := buf[off : off+bigPackSize]
	np := (n + 15) / 16 // panels: ⌈n/16⌉ for every n >= 8 (see panelWidth)
	kc := min(kMaxPacked, bigPackSize/(16*np))
	nk := (k + kc - 1) / kc
	kc = (k + nk - 1) / nk
	for p0 := 0; p0 < k; p0 += kc {
		kw := min(kc, k-p0)
		packPanels(pb, b[p0*n:], n, kw)
		f := flags &^ flagReLU
		if p0 > 0 {
			f |= flagAcc
		}
		if p0+kw == k {
			f |= flags & flagReLU
		}
		mc := max(24, aChunk/(4*kw)/24*24)
		for i0 := 0; i0 < m; i0 += mc {
			rows := min(mc, m-i0)
			// The next chunk's rows of A in this slice's columns, a share per panel.
			next := i0 + mc
			for j, j0 := 0, 0; j0 < n; j++ {
				w := panelWidth(n - j0)
				var bj []float32
				if bias != nil {
					bj = bias[j0:]
				}
				var pf prefetch
				if next < m {
					pf = rowsShare(&a[next*rsa+p0], min(mc, m-next), 4*kw, 4*rsa, j, np)
				}
				gemmRows(c[i0*n+j0:], n, a[i0*rsa+p0:], rsa, 1, pb[j*kw*16:], 16, bj, rows, w, kw, f, pf)
				j0 += w
			}
		}
	}
}

// packPanels copies kw rows of B (row stride n) into dst panel by panel: panel j, of width w
// (panelWidth), is dst[j*kw*16:], row p of it dst[j*kw*16+p*16:] with its w columns first.
func packPanels(dst, b []float32, n, kw int) {
	o := 0
	for j0 := 0; j0 < n; {
		w := panelWidth(n - j0)
		if w == 16 {
			for p := 0; p < kw; p++ {
				*(*[16]float32)(dst[o+p*16:]) = *(*[16]float32)(b[p*n+j0:])
			}
		} else {
			for p := 0; p < kw; p++ {
				copy(dst[o+p*16:o+p*16+w], b[p*n+j0:])
			}
		}
		o += kw * 16
		j0 += w
	}
}

// gemm calls the level's gemm kernel, or its gemv kernel when m is 1: C (m×n at c, row stride
// ldc) = A·B (+ bias) with flags, A's element (i, p) at a[i*rsa+p*csa], B k×n at b, row stride
// ldb.
func gemm(c []float32, ldc int, a []float32, rsa, csa int, b []float32, ldb int, bias []float32, m, n, k, flags int) {
	if m != 1 {
		gemmRows(c, ldc, a, rsa, csa, b, ldb, bias, m, n, k, flags, prefetch{})
		return
	}
	var bp *float32
	if bias != nil {
		bp = &bias[0]
	}
	gemv(&c[0], &a[0], csa, &b[0], ldb, bp, n, k, flags)
}

// gemv calls the level's gemv kernel: c (1×n) = a·B (+ bias), a's element p at a[p*csa].
func gemv(c, a *float32, csa int, b *float32, ldb int, bias *float32, n, k, flags int) {
	if level == levelAVX512 {
		gemvAVX512(c, a, csa, b, ldb, bias, n, k, flags)
	} else {
		gemvAVX2(c, a, csa, b, ldb, bias, n, k, flags)
	}
}

// gemmRows is gemm for any m >= 1 by the gemm kernel (never the gemv one, which sums in another
// order), so that a chunk of one row gets the same bits as in a larger chunk.
func gemmRows(c []float32, ldc int, a []float32, rsa, csa int, b []float32, ldb int, bias []float32, m, n, k, flags int, pf prefetch) {
	var bp *float32
	if bias != nil {
		bp = &bias[0]
	}
	switch {
	case level == levelAVX512:
		gemmAVX512(&c[0], ldc, &a[0], rsa, csa, &b[0], ldb, bp, m, n, k, flags)
	case n < 8:
		gemmNarrowAVX2(c, ldc, a, rsa, csa, b, ldb, bias, m, n, k, flags)
	default:
		// Each of the kernel's row blocks prefetches its share of lines: ⌈n/16⌉ panels of at
		// least ⌈m/6⌉ blocks (blocks hold at most six rows, see gemm_avx2_amd64.s), so the
		// region is covered by the last block or earlier. A row of aseg bytes at
		// any alignment spans at most ⌈(aseg+63)/64⌉ lines, which the kernel's prefetches at
		// offsets 0, 64, ... below aseg+63 from the row's start cover; the B region one more
		// line than it holds, for an unaligned start.
		blocks := (n + 15) / 16 * ((m + 5) / 6)
		an, bn := 0, 0
		if pf.arows > 0 {
			an = (pf.arows*((pf.aseg+126)/64) + blocks - 1) / blocks
		}
		if pf.bn > 0 {
			bn = (pf.bn/64 + 1 + blocks - 1) / blocks
		}
		gemmAVX2(&c[0], ldc, &a[0], rsa, csa, &b[0], ldb, bp, m, n, k, flags, pf.a, an, pf.aseg+63, pf.astride, pf.b, bn)
	}
}

// The stack tiles of gemmNarrowAVX2: narrowRows rows of C and narrowDepth rows of B, padded to 8
// columns.
const (
	narrowRows  = 48
	narrowDepth = 128
)

// gemmNarrowAVX2 is gemmRows at the AVX2 level for n < 8, narrower than the kernel's vectors:
// B's columns (and the bias) are copied into a stack tile padded to 8 columns with zeros, the
// kernel computes an 8-column tile of C, and the n real columns are copied back. Each element is
// the kernel's sum, in the same order, so this changes no bit from a direct call.
func gemmNarrowAVX2(c []float32, ldc int, a []float32, rsa, csa int, b []float32, ldb int, bias []float32, m, n, k, flags int) {
	var bt [narrowDepth * 8]float32
	var ct [narrowRows * 8]float32
	var bb [8]float32
	var bp *float32
	if bias != nil {
		copy(bb[:n], bias)
		bp = &bb[0]
	}
	for i0 := 0; i0 < m; i0 += narrowRows {
		rows := min(narrowRows, m-i0)
		if flags&flagAcc != 0 {
			for i := 0; i < rows; i++ {
				copy(ct[i*8:i*8+n], c[(i0+i)*ldc:])
			}
		}
		for p0 := 0; p0 < k; p0 += narrowDepth {
			kw := min(narrowDepth, k-p0)
			for p := 0; p < kw; p++ {
				copy(bt[p*8:p*8+n], b[(p0+p)*ldb:])
			}
			f := flags &^ flagReLU
			if p0 > 0 {
				f |= flagAcc
			}
			if p0+kw == k {
				f |= flags & flagReLU
			}
			gemmAVX2(&ct[0], 8, &a[i0*rsa+p0*csa], rsa, csa, &bt[0], 8, bp, rows, 8, kw, f, 0, 0, 64, 0, 0, 0)
		}
		for i := 0; i < rows; i++ {
			copy(c[(i0+i)*ldc:(i0+i)*ldc+n], ct[i*8:])
		}
	}
}

func matMulTransA(c, a, b []float32, m, n, k, lo, hi int) {
	if level == levelGeneric || hi <= lo || n <= 0 || k <= 0 {
		matMulTransAGeneric(c, a, b, m, n, k, lo, hi)
		return
	}
	// Row i of C is column lo+i of A: element (i, p) at a[lo+i+p*m].
	gemmBlocked(c, a[lo:], b, nil, 1, m, hi-lo, n, k, 0)
}

// packSize is the number of elements of the stack buffer into which matMulTransB transposes
// blocks of B: 4 KiB (Go zeroes it on every call, so it is kept small).
const packSize = 1024

// bigPackSize is the number of elements of the stack buffer of matMulTransBBig and
// gemmPackedAVX2: 96 KiB, all of B (or Bᵀ) for the convnet's 288×64 kernel. Go zeroes it on
// every call, about a microsecond, so only products of at least packRows rows use it.
const bigPackSize = 24 << 10

func matMulTransB(c, a, b []float32, m, n, k int) {
	if level == levelGeneric || m <= 0 || n <= 0 || k <= 0 {
		matMulTransBGeneric(c, a, b, m, n, k)
		return
	}
	// The large buffer only at the AVX2 level: its blocks of 256 rows of Bᵀ have not been run
	// through the AVX-512 packing kernel on AVX-512 hardware, which keeps the blocks of 64 it was
	// proven with.
	if level == levelAVX2 && m >= packRows && n*min(k, 256) > packSize && m*n*k >= packWork {
		matMulTransBBig(c, a, b, m, n, k)
		return
	}
	var buf [packSize]float32
	transBBlocks(c, a, b, m, n, k, buf[:], min(k, 64))
}

// matMulTransBBig is matMulTransB with a buffer large enough for all of Bᵀ in the convolutions'
// shapes (blocks of up to 256 rows of Bᵀ by 96 columns or more), so that A is read once, not
// once per block of columns.
func matMulTransBBig(c, a, b []float32, m, n, k int) {
	var buf [bigPackSize + 16]float32
	// A 64-byte aligned start: a 16-column panel row is then one cache line.
	off := int(-uintptr(unsafe.Pointer(&buf[0])) & 63 / 4)
	transBBlocks(c, a, b, m, n, k, buf[off:off+bigPackSize], min(k, 256))
}

// transBBlocks sets C = A·Bᵀ = A·(Bᵀ), with Bᵀ (k×n) packed into buf block by block: kb×nb
// blocks of Bᵀ, the later blocks along k accumulating into C, each block multiplied in chunks of
// rows of A.
func transBBlocks(c, a, b []float32, m, n, k int, buf []float32, kb int) {
	nb := min(n, len(buf)/kb)
	for j0 := 0; j0 < n; j0 += nb {
		w := min(nb, n-j0)
		for p0 := 0; p0 < k; p0 += kb {
			kw := min(kb, k-p0)
			switch {
			case k >= 1<<26: // the gathers' int32 indices j*k would overflow
				packT(buf[:kw*w], b[j0*k+p0:], k, w, kw)
			case level == levelAVX512:
				packTAVX512(&buf[0], &b[j0*k+p0], k, w, kw)
			default:
				packTAVX2(&buf[0], &b[j0*k+p0], k, w, kw)
			}
			flags := 0
			if p0 > 0 {
				flags = flagAcc
			}
			if m == 1 {
				gemm(c[j0:], n, a[p0:], k, 1, buf, w, nil, m, w, kw, flags)
				continue
			}
			mc := max(24, aChunkT/(4*kw)/24*24)
			for i0 := 0; i0 < m; i0 += mc {
				// Prefetch the next chunk's rows of A, the columns of this block along k.
				var pf prefetch
				if i1 := i0 + mc; i1 < m {
					pf = rowsShare(&a[i1*k+p0], min(mc, m-i1), 4*kw, 4*k, 0, 1)
				}
				gemmRows(c[i0*n+j0:], n, a[i0*k+p0:], k, 1, buf, w, nil, min(mc, m-i0), w, kw, flags, pf)
			}
		}
	}
}

// colSumChunk is the bytes of A that colSum sums at once when A is large: the kernel streams A
// once per panel of columns (16 wide at the AVX2 level, 64 at AVX-512), so for a convolution's
// bias gradient (86528×32, 11 MB) it would read A from memory twice; a chunk stays in L2 for
// every panel. colSumMaxN is the widest A summed in chunks, whose partial sums fit the stack.
const (
	colSumChunk = 128 << 10
	colSumMaxN  = 256
)

func colSum(dst, a []float32, m, n int) {
	if level == levelGeneric || m <= 0 || n <= 0 {
		colSumGeneric(dst, a, m, n)
		return
	}
	if rows := max(2, colSumChunk/(4*n)); m > 2*rows && n <= colSumMaxN {
		// The sums of each chunk of rows, added up in order of the chunks: deterministic, and
		// within one rounding per chunk of the sum in one pass.
		var part [colSumMaxN]float32
		colSumLevel(dst, a, rows, n)
		for i0 := rows; i0 < m; i0 += rows {
			r := min(rows, m-i0)
			colSumLevel(part[:n], a[i0*n:], r, n)
			for j := range n {
				dst[j] += part[j]
			}
		}
		return
	}
	colSumLevel(dst, a, m, n)
}

// colSumLevel calls the level's column-sum kernel.
func colSumLevel(dst, a []float32, m, n int) {
	if level == levelAVX512 {
		colSumAVX512(&dst[0], &a[0], m, n)
	} else {
		colSumAVX2(&dst[0], &a[0], m, n)
	}
}

func adamUpdate(p, g, m, v []float32, alpha, beta1, beta2, epsilon float32) {
	n := len(p)
	switch level {
	case levelAVX512:
		if n > 0 {
			adamAVX512(&p[0], &g[0], &m[0], &v[0], n, alpha, 1-beta1, 1-beta2, epsilon)
		}
		return
	case levelAVX2:
		if n8 := n &^ 7; n8 > 0 {
			adamAVX2(&p[0], &g[0], &m[0], &v[0], n8, alpha, 1-beta1, 1-beta2, epsilon)
			p, g, m, v = p[n8:], g[n8:], m[n8:], v[n8:]
		}
	}
	adamGeneric(p, g, m, v, alpha, beta1, beta2, epsilon)
}

func sgdUpdate(p, g []float32, lr float32) {
	n := len(p)
	switch level {
	case levelAVX512:
		if n > 0 {
			sgdAVX512(&p[0], &g[0], n, lr)
		}
		return
	case levelAVX2:
		if n8 := n &^ 7; n8 > 0 {
			sgdAVX2(&p[0], &g[0], n8, lr)
			p, g = p[n8:], g[n8:]
		}
	}
	sgdGeneric(p, g, lr)
}

func momentumUpdate(p, g, vel []float32, lr, mom float32, nesterov bool) {
	n := len(p)
	nest := 0
	if nesterov {
		nest = 1
	}
	switch level {
	case levelAVX512:
		if n > 0 {
			momentumAVX512(&p[0], &g[0], &vel[0], n, lr, mom, nest)
		}
		return
	case levelAVX2:
		if n8 := n &^ 7; n8 > 0 {
			momentumAVX2(&p[0], &g[0], &vel[0], n8, lr, mom, nest)
			p, g, vel = p[n8:], g[n8:], vel[n8:]
		}
	}
	momentumGeneric(p, g, vel, lr, mom, nesterov)
}

// packT sets dst[p*w+j] = src[j*k+p] for j < w, p < kw.
func packT(dst, src []float32, k, w, kw int) {
	for p := 0; p < kw; p++ {
		d := dst[p*w : p*w+w]
		s := src[p : (w-1)*k+p+1]
		for j := range d {
			d[j] = s[j*k]
		}
	}
}

func scaleBytes(dst []float32, src []uint8, divisor float32) {
	n := len(src)
	switch level {
	case levelAVX512:
		if n > 0 {
			scaleBytesAVX512(&dst[0], &src[0], n, divisor)
		}
		return
	case levelAVX2:
		if n8 := n &^ 7; n8 > 0 {
			scaleBytesAVX2(&dst[0], &src[0], n8, divisor)
			dst, src = dst[n8:], src[n8:]
		}
	}
	scaleBytesGeneric(dst, src, divisor)
}

func reluBackward(d, a []float32) {
	n := len(d)
	switch level {
	case levelAVX512:
		if n > 0 {
			reluBackwardAVX512(&d[0], &a[0], n)
		}
		return
	case levelAVX2:
		if n8 := n &^ 7; n8 > 0 {
			reluBackwardAVX2(&d[0], &a[0], n8)
			d, a = d[n8:], a[n8:]
		}
	}
	reluBackwardGeneric(d, a)
}

package codegen

import (
	"fmt"

	"github.com/dave/jennifer/jen"
)

// The pure-Go products (see products.go): each is register blocked, a few rows by a few columns
// of C summed in local variables while the loop over the inner dimension loads each element of A
// and B once per block, instead of loading and storing C at every multiply-add as asm's generic
// i-k-j loops do. Every size but the number of rows is a constant, and the rows of every operand
// are array pointers, so that the compiler proves the indices in the inner loops in bounds. Each
// element of C is summed in the order of the reference, from its bias (or zero) over the inner
// dimension in order, so that the results are the generic level's, bit for bit, where the
// compiler fuses no multiply-add (amd64; arm64 and GOAMD64=v3 fuse both alike).
//
// The blocks fit the 15 vector registers Go's amd64 register allocator has (X15 is reserved),
// with six independent sums to cover the three-cycle latency of two adders: measured on Zen 3
// (go1.26, 784·64 kernel, 32 rows, min of 300 runs), 2×3 blocks unrolled 4 deep ran at 8.8
// GFLOP/s where 1×8 spilled (6.4), 2×4 spilled (6.3), 1×4 and 2×2 were latency-bound (7.1, 7.2).
const (
	blockRows  = 2 // rows of C per block
	blockCols  = 3 // columns of C per block of blockRows rows
	singleCols = 6 // columns of C per block of one row (the last row of an odd count, a prediction)
	unrollK    = 4 // steps of the inner dimension per loop iteration
)

// arrayOf is the expression (*[size]float32)(from): the array at the start of the slice from,
// which panics when from is shorter.
func arrayOf(size, from jen.Code) *jen.Statement {
	return jen.Parens(jen.Op("*").Index(size).Float32()).Call(from)
}

// offsetRows is the expression (name+k)*size, or name*size for k == 0: where row name+k of a
// row-major array of rows of size elements starts.
func offsetRows(name string, k int, size string) *jen.Statement {
	if k == 0 {
		return jen.Id(name).Op("*").Id(size)
	}
	return jen.Parens(plus(name, k)).Op("*").Id(size)
}

// plus is the expression base+k, or base for k == 0.
func plus(base string, k int) *jen.Statement {
	if k == 0 {
		return jen.Id(base)
	}
	return jen.Id(base).Op("+").Lit(k)
}

// sum names the running sum of row r, column c of a block.
func sum(r, c int) string { return fmt.Sprintf("s%d%d", r, c) }

// columns is how a block addresses its columns: from a loop variable (j, j+1, ...) or, for the
// block of the columns left over after the loop, from the constant width (N-2, N-1).
type columns func(c int) jen.Code

// loopColumns addresses the columns of a block from the variables name0, name1, ...
func loopColumns(name string) columns {
	return func(c int) jen.Code { return jen.Id(fmt.Sprintf("%s%d", name, c)) }
}

// columnIndices declares name0, name1, ... = uint(name), uint(name+1), ...: the columns of a
// block, each checked once against size, so that the compiler knows them in bounds in the inner
// loop (it does not always derive it from the loop's condition).
func columnIndices(name, size string, width int) []jen.Code {
	var lhs, rhs []jen.Code
	var out *jen.Statement
	for c := 0; c < width; c++ {
		v := fmt.Sprintf("%s%d", name, c)
		lhs = append(lhs, jen.Id(v))
		rhs = append(rhs, jen.Uint().Call(plus(name, c)))
		if out == nil {
			out = jen.Id(v).Op(">=").Id(size)
		} else {
			out = out.Op("||").Id(v).Op(">=").Id(size)
		}
	}
	return []jen.Code{jen.List(lhs...).Op(":=").List(rhs...), jen.If(out).Block(jen.Panic(jen.Lit("unreachable: an index out of its row")))}
}

// lastColumns addresses the last width columns of a row of size columns.
func lastColumns(size string, width int) columns {
	return func(c int) jen.Code { return jen.Id(size).Op("-").Lit(width - c) }
}

// blockLoop emits the loop over blocks of width columns of a row of size (value n) columns, the
// variable name, then the block of the columns left over, body giving a block's code.
func blockLoop(name, size string, n, width int, body func(width int, col columns) []jen.Code) []jen.Code {
	var code []jen.Code
	if n >= width {
		code = append(code, jen.For(jen.Id(name).Op(":=").Lit(0), jen.Id(name).Op("+").Lit(width).Op("<=").Id(size),
			jen.Id(name).Op("+=").Lit(width)).Block(append(columnIndices(name, size, width), body(width, loopColumns(name))...)...))
	}
	if rem := n % width; rem > 0 {
		code = append(code, jen.Block(body(rem, lastColumns(size, rem))...))
	}
	return code
}

// rowBlocks emits the loop over rows of the variable name from its current value to end, blocks
// of blockRows rows and then one row at a time, body giving the code of a block of rows rows.
func rowBlocks(name string, end jen.Code, body func(rows int) []jen.Code) []jen.Code {
	v := jen.Id(name)
	return []jen.Code{
		jen.For(jen.Empty(), plus(name, blockRows).Op("<=").Add(end), v.Clone().Op("+=").Lit(blockRows)).Block(body(blockRows)...),
		jen.For(jen.Empty(), v.Clone().Op("<").Add(end), v.Clone().Op("++")).Block(body(1)...),
	}
}

// width is the columns of a block of rows rows.
func width(rows int) int {
	if rows == 1 {
		return singleCols
	}
	return blockCols
}

// declareSums declares the sums of a block, zero.
func declareSums(rows, cols int) jen.Code {
	var names []jen.Code
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			names = append(names, jen.Id(sum(r, c)))
		}
	}
	return jen.Var().List(names...).Float32()
}

// storeSums emits dst_r[col(c)] = s_rc for every sum, the arrays named by dst.
func storeSums(rows, cols int, dst func(r int) string, col columns) []jen.Code {
	var code []jen.Code
	for r := 0; r < rows; r++ {
		var lhs, rhs []jen.Code
		for c := 0; c < cols; c++ {
			lhs = append(lhs, jen.Id(dst(r)).Index(col(c)))
			rhs = append(rhs, jen.Id(sum(r, c)))
		}
		code = append(code, jen.List(lhs...).Op("=").List(rhs...))
	}
	return code
}

// multiplyAdd emits one step of the inner dimension for a block: x_r = a(r) for each row, then
// for each column b = b(c) and s_rc += x_r·b. tag keeps the names of unrolled steps apart.
func multiplyAdd(rows, cols int, tag int, a, b func(i int) jen.Code) []jen.Code {
	var code []jen.Code
	x := func(r int) string { return fmt.Sprintf("x%d%d", r, tag) }
	var xs, as []jen.Code
	for r := 0; r < rows; r++ {
		xs, as = append(xs, jen.Id(x(r))), append(as, a(r))
	}
	code = append(code, jen.List(xs...).Op(":=").List(as...))
	for c := 0; c < cols; c++ {
		bv := fmt.Sprintf("b%d%d", tag, c)
		code = append(code, jen.Id(bv).Op(":=").Add(b(c)))
		for r := 0; r < rows; r++ {
			code = append(code, jen.Id(sum(r, c)).Op("+=").Id(x(r)).Op("*").Id(bv))
		}
	}
	return code
}

// index is an index of the inner dimension: the loop variable plus an offset, or, for the steps
// left over after the unrolled loop, a constant: the size's name minus an offset.
type index struct {
	name  string // the loop variable or the size constant
	off   int    // added to the variable, subtracted from the constant
	fixed bool   // a constant
}

// expr is the index's expression.
func (k index) expr() *jen.Statement {
	if k.fixed {
		return jen.Id(k.name).Op("-").Lit(k.off)
	}
	return plus(k.name, k.off)
}

// rowStart is the expression of where row k starts in an array of rows of size elements.
func (k index) rowStart(size string) *jen.Statement {
	if !k.fixed && k.off == 0 {
		return jen.Id(k.name).Op("*").Id(size)
	}
	return jen.Parens(k.expr()).Op("*").Id(size)
}

// innerLoop emits the loop over the inner dimension, step(tag, k) giving the code of the step at
// index k. Over all of the constant size (value n), the loop runs unrollK steps per iteration up
// to the last multiple of unrollK and then the steps left over at constant indices: the compiler
// proves every index in bounds. Over a range from the variables lo to hi, it runs one step per
// iteration, the form in which the compiler proves the indices below hi, itself checked against
// size.
func innerLoop(name, size string, n int, part bool, step func(tag int, k index) []jen.Code) []jen.Code {
	v := jen.Id(name)
	if part {
		return []jen.Code{jen.For(v.Clone().Op(":=").Id("lo"), v.Clone().Op("<").Id("hi"), v.Clone().Op("++")).
			Block(step(0, index{name: name})...)}
	}
	var code []jen.Code
	rem := n % unrollK
	if n >= unrollK {
		var body []jen.Code
		for u := 0; u < unrollK; u++ {
			body = append(body, step(u, index{name: name, off: u})...)
		}
		end := jen.Id(size)
		if rem > 0 {
			end = jen.Id(size).Op("-").Lit(rem)
		}
		code = append(code, jen.For(v.Clone().Op(":=").Lit(0), v.Clone().Op("<").Add(end), v.Clone().Op("+=").Lit(unrollK)).Block(body...))
	}
	for t := 0; t < rem; t++ {
		code = append(code, jen.Block(step(t, index{name: size, off: rem - t, fixed: true})...))
	}
	return code
}

// rowArrays declares name_r = (*[size]float32)(src[(row+r)*size:]) for the rows of a block.
func rowArrays(rows int, name, src, row, size string) []jen.Code {
	var code []jen.Code
	for r := 0; r < rows; r++ {
		code = append(code, jen.Id(fmt.Sprintf("%s%d", name, r)).Op(":=").
			Add(arrayOf(jen.Id(size), jen.Id(src).Index(offsetRows(row, r, size), jen.Empty()))))
	}
	return code
}

// indexed is the expression name_r[k].
func indexed(name string, r int, k jen.Code) jen.Code {
	return jen.Id(fmt.Sprintf("%s%d", name, r)).Index(k)
}

// gemmLoops is the body of a forward product, C = A·W (+ bias) (then ReLU) over rows rows of A
// (In wide), the inner dimension over all of In, or from lo to hi for a part (bias then may be
// nil).
func gemmLoops(q matProduct) []jen.Code {
	part := q.kind == productForwardPart
	kw := jen.Id(q.inC).Op("*").Id(q.outC)
	code := []jen.Code{jen.Id("w").Op(":=").Add(arrayOf(kw, jen.Id("kernel")))}
	withBias := q.bias || part
	switch {
	case part: // the bias may be nil
		code = append(code, jen.Var().Id("bs").Op("*").Index(jen.Id(q.outC)).Float32(),
			jen.If(jen.Id("bias").Op("!=").Nil()).Block(jen.Id("bs").Op("=").Add(arrayOf(jen.Id(q.outC), jen.Id("bias")))))
	case q.bias:
		code = append(code, jen.Id("bs").Op(":=").Add(arrayOf(jen.Id(q.outC), jen.Id("bias"))))
	}
	if part {
		code = append(code, jen.If(jen.Id("lo").Op("<").Lit(0).Op("||").Id("lo").Op(">").Id("hi").Op("||").Id("hi").Op(">").Id(q.inC)).Block(
			jen.Panic(jen.Lit(q.name()+": inputs lo to hi out of range")),
		))
	}
	code = append(code, jen.Id("i").Op(":=").Lit(0))
	code = append(code, rowBlocks("i", jen.Id("rows"), func(rows int) []jen.Code {
		body := append(rowArrays(rows, "a", "a", "i", q.inC), rowArrays(rows, "c", "c", "i", q.outC)...)
		return append(body, blockLoop("j", q.outC, q.out, width(rows), func(cols int, col columns) []jen.Code {
			block := []jen.Code{declareSums(rows, cols)}
			if withBias {
				var lhs, rhs []jen.Code
				for c := 0; c < cols; c++ {
					lhs, rhs = append(lhs, jen.Id(sum(0, c))), append(rhs, jen.Id("bs").Index(col(c)))
				}
				init := jen.List(lhs...).Op("=").List(rhs...)
				if part {
					init = jen.If(jen.Id("bs").Op("!=").Nil()).Block(init)
				}
				block = append(block, init)
				for r := 1; r < rows; r++ {
					var lhs []jen.Code
					for c := 0; c < cols; c++ {
						lhs = append(lhs, jen.Id(sum(r, c)))
					}
					block = append(block, jen.List(lhs...).Op("=").Add(sumsOfRow0(cols)))
				}
			}
			block = append(block, innerLoop("p", q.inC, q.in, part, func(tag int, k index) []jen.Code {
				br := fmt.Sprintf("br%d", tag)
				step := []jen.Code{jen.Id(br).Op(":=").Add(arrayOf(jen.Id(q.outC), jen.Id("w").Index(k.rowStart(q.outC), jen.Empty())))}
				return append(step, multiplyAdd(rows, cols, tag,
					func(r int) jen.Code { return indexed("a", r, k.expr()) },
					func(c int) jen.Code { return jen.Id(br).Index(col(c)) })...)
			})...)
			if q.relu {
				for r := 0; r < rows; r++ {
					for c := 0; c < cols; c++ {
						block = append(block, jen.If(jen.Id(sum(r, c)).Op("<").Lit(0)).Block(jen.Id(sum(r, c)).Op("=").Lit(0)))
					}
				}
			}
			return append(block, storeSums(rows, cols, func(r int) string { return fmt.Sprintf("c%d", r) }, col)...)
		})...)
	})...)
	return code
}

// sumsOfRow0 is the list s00, s01, ... of a block's first row, which the other rows start from.
func sumsOfRow0(cols int) jen.Code {
	var ids []jen.Code
	for c := 0; c < cols; c++ {
		ids = append(ids, jen.Id(sum(0, c)))
	}
	return jen.List(ids...)
}

// inputGradientLoops is the body of C = Δ·Wᵀ over rows rows of Δ (Out wide): C is rows×In.
func inputGradientLoops(q matProduct) []jen.Code {
	kw := jen.Id(q.inC).Op("*").Id(q.outC)
	code := []jen.Code{jen.Id("w").Op(":=").Add(arrayOf(kw, jen.Id("kernel"))), jen.Id("i").Op(":=").Lit(0)}
	return append(code, rowBlocks("i", jen.Id("rows"), func(rows int) []jen.Code {
		body := append(rowArrays(rows, "d", "delta", "i", q.outC), rowArrays(rows, "c", "c", "i", q.inC)...)
		return append(body, blockLoop("j", q.inC, q.in, width(rows), func(cols int, col columns) []jen.Code {
			var block []jen.Code
			for c := 0; c < cols; c++ {
				block = append(block, jen.Id(fmt.Sprintf("w%d", c)).Op(":=").
					Add(arrayOf(jen.Id(q.outC), jen.Id("w").Index(jen.Parens(col(c)).Op("*").Id(q.outC), jen.Empty()))))
			}
			block = append(block, declareSums(rows, cols))
			block = append(block, innerLoop("p", q.outC, q.out, false, func(tag int, k index) []jen.Code {
				return multiplyAdd(rows, cols, tag,
					func(r int) jen.Code { return indexed("d", r, k.expr()) },
					func(c int) jen.Code { return indexed("w", c, k.expr()) })
			})...)
			return append(block, storeSums(rows, cols, func(r int) string { return fmt.Sprintf("c%d", r) }, col)...)
		})...)
	})...)
}

// kernelGradientLoops is the body of rows lo to hi of C = Aᵀ·Δ, summed over rows rows of A (In
// wide) and Δ (Out wide): c holds (hi-lo)×Out.
func kernelGradientLoops(q matProduct) []jen.Code {
	code := []jen.Code{
		jen.If(jen.Id("lo").Op("<").Lit(0).Op("||").Id("lo").Op(">").Id("hi").Op("||").Id("hi").Op(">").Id(q.inC)).Block(
			jen.Panic(jen.Lit(q.name() + ": kernel rows lo to hi out of range")),
		),
		jen.Id("i").Op(":=").Id("lo"),
	}
	return append(code, rowBlocks("i", jen.Id("hi"), func(rows int) []jen.Code {
		var body []jen.Code
		for r := 0; r < rows; r++ {
			body = append(body, jen.Id(fmt.Sprintf("c%d", r)).Op(":=").
				Add(arrayOf(jen.Id(q.outC), jen.Id("c").Index(jen.Parens(plus("i", r).Op("-").Id("lo")).Op("*").Id(q.outC), jen.Empty()))))
		}
		// The columns of in that the block's rows read, checked once (i < hi <= In).
		body = append(body, columnIndices("i", q.inC, rows)...)
		return append(body, blockLoop("j", q.outC, q.out, width(rows), func(cols int, col columns) []jen.Code {
			block := []jen.Code{declareSums(rows, cols), jen.Id("p").Op(":=").Lit(0)}
			// unrollK rows of in and delta at a time, each run of rows checked once.
			var unrolled []jen.Code
			unrolled = append(unrolled,
				jen.Id("ap").Op(":=").Add(arrayOf(jen.Lit(unrollK).Op("*").Id(q.inC), jen.Id("in").Index(jen.Id("p").Op("*").Id(q.inC), jen.Empty()))),
				jen.Id("dp").Op(":=").Add(arrayOf(jen.Lit(unrollK).Op("*").Id(q.outC), jen.Id("delta").Index(jen.Id("p").Op("*").Id(q.outC), jen.Empty()))))
			for u := 0; u < unrollK; u++ {
				at := func(size string, k jen.Code) jen.Code {
					if u == 0 {
						return k
					}
					return jen.Lit(u).Op("*").Id(size).Op("+").Add(k)
				}
				unrolled = append(unrolled, multiplyAdd(rows, cols, u,
					func(r int) jen.Code { return jen.Id("ap").Index(at(q.inC, jen.Id(fmt.Sprintf("i%d", r)))) },
					func(c int) jen.Code { return jen.Id("dp").Index(at(q.outC, col(c))) })...)
			}
			block = append(block, jen.For(jen.Empty(), plus("p", unrollK).Op("<=").Id("rows"), jen.Id("p").Op("+=").Lit(unrollK)).Block(unrolled...))
			block = append(block, jen.For(jen.Empty(), jen.Id("p").Op("<").Id("rows"), jen.Id("p").Op("++")).Block(
				append([]jen.Code{
					jen.Id("ap").Op(":=").Add(arrayOf(jen.Id(q.inC), jen.Id("in").Index(jen.Id("p").Op("*").Id(q.inC), jen.Empty()))),
					jen.Id("dp").Op(":=").Add(arrayOf(jen.Id(q.outC), jen.Id("delta").Index(jen.Id("p").Op("*").Id(q.outC), jen.Empty()))),
				}, multiplyAdd(rows, cols, 0,
					func(r int) jen.Code { return jen.Id("ap").Index(jen.Id(fmt.Sprintf("i%d", r))) },
					func(c int) jen.Code { return jen.Id("dp").Index(col(c)) })...)...,
			))
			return append(block, storeSums(rows, cols, func(r int) string { return fmt.Sprintf("c%d", r) }, col)...)
		})...)
	})...)
}

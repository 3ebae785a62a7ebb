package asm

import "math"

// The batch-normalisation kernels are Keras 3's BatchNormalization layer over the last axis
// (axis=-1) of rows×cols values, row-major, the columns being the features: the training forward
// pass, the inference forward pass and the training backward pass. Keras' code, as read for them
// (keras-team/keras at 3422977a5e38fb2f7709aaa9a08e47f0c43d0f60):
//
//   - keras/src/layers/normalization/batch_normalization.py, BatchNormalization.call: in training
//     (training=True, trainable) mean, variance = ops.moments(inputs, every axis but the last);
//     then moving_mean.assign(moving_mean * self.momentum + mean * (1.0 - self.momentum)), the
//     same for moving_variance; then ops.batch_normalization(x, mean, variance, offset=beta,
//     scale=gamma, epsilon), with gamma None when scale=False and beta None when center=False.
//     Otherwise the same normalisation with the moving statistics. Defaults: momentum 0.99,
//     epsilon 1e-3, gamma 1, beta 0, moving mean 0, moving variance 1.
//   - keras/src/backend/tensorflow/nn.py: moments is tf.nn.moments (mean = reduce_mean(x);
//     variance = reduce_mean(squared_difference(x, stop_gradient(mean))): two passes, the
//     population variance, in float32); batch_normalization is tf.nn.batch_normalization
//     (inv = rsqrt(variance + epsilon) · scale; x·inv + (offset − mean·inv)), each step rounded
//     to float32.
//   - keras/src/backend/jax/nn.py: jnp.mean and jnp.var (two passes), then inv = rsqrt(variance +
//     epsilon) · scale and x·inv + (−mean·inv + offset), as TensorFlow.
//   - keras/src/backend/torch/nn.py and numpy/nn.py: variance = mean(x²) − mean(x)², one pass
//     (it can come out negative, and rsqrt of it NaN); torch normalises as
//     (x − mean)·(rsqrt(variance + epsilon)·scale) + offset.
//
// The gradient Keras trains with is automatic differentiation of the training forward pass, the
// batch statistics depending on the input (tf.nn.moments' stop_gradient changes nothing: the
// derivative of the variance with respect to the mean, −2·Σ(x − mean)/N, is zero).
//
// Here every statistic and every result is computed in float64 from the float32 operands and
// rounded to float32 once, so the results are within one float32 rounding (2⁻²⁴ relative) of the
// exact values plus float64 errors of a few N·2⁻⁵³; TensorFlow's float32 steps are not. Where a
// sum is rounded before a product is added to it, the product is converted explicitly, so the Go
// compiler does not fuse the two into a multiply-add on the architectures where it would.
//
// Keras 2's fused kernel (tf.nn.fused_batch_norm, taken for 4-D inputs) fed the moving variance
// the unbiased variance, times N/(N − 1); Keras 3 feeds it the population variance, as here.

// bnBlock is how many columns the batch-normalisation kernels take at a time: their per-column
// float64 statistics live in stack arrays of this size, and each pass over the rows reads the
// block's stretch of every row, contiguous, so that tall operands (a convolution's rows are
// batch·height·width) are streamed row by row and not column by column.
const bnBlock = 64

// bnPow10 are 10¹..10¹², exact in float64, for momentumComplement.
var bnPow10 = [...]float64{1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12}

// momentumComplement is Keras' float32 1 − momentum. Keras evaluates 1.0 - self.momentum in
// Python's float64 from the decimal of the layer's configuration (0.99) and the backend rounds
// the result to float32 when it multiplies the float32 batch statistic by it: float32(1 − 0.99) =
// float32(0.010000000000000009) = 0.0099999998. The kernel has only float32(0.99) =
// 0.99000001, whose complement, float32(1) − float32(0.99) (exact) or float32(1 −
// float64(float32(0.99))), is 0.0099999905: 10 ulps less, which changes the rounded moving
// statistic in about one update in five. So the decimal is recovered: the fraction k/10^d with the
// fewest decimals d (1 to 12) whose float64 value rounds to momentum, k the integer nearest
// momentum·10^d (that product is exact: 10^d = 2^d·5^d, 5¹² < 2²⁹, and momentum has 24 bits),
// k/10^d the float64 nearest the decimal, which is Python's float of it. That is the shortest
// decimal that reads back as momentum, the one a configuration written by hand has, and
// strconv.FormatFloat(m, 'g', -1, 32)'s for every float32 momentum from 0.001 to 1 (checked
// exhaustively once; the tests sample them). A momentum no such
// fraction reads back as falls back to float32(1 − float64(momentum)).
func momentumComplement(momentum float32) float32 {
	d := float64(momentum)
	for _, p := range bnPow10 {
		if q := math.Round(d*p) / p; float32(q) == momentum {
			return float32(1 - q)
		}
	}
	return float32(1 - d)
}

// BatchNormTrain is the forward pass while training: per column j, the batch mean and the
// population variance over the rows (as Keras' moments), xhat = (x − mean)/sqrt(var + epsilon),
// out = gamma·xhat + beta (gamma nil means 1 — scale=False; beta nil means 0 — center=False);
// it stores xhat (rows×cols) and invStd[j] = 1/sqrt(var_j + epsilon) for the backward pass, and
// updates the moving statistics as Keras does: moving = moving·momentum + batch·(1 − momentum).
//
// The operations, per column j with N = rows, in float64 from the float32 operands:
//
//	mean       = (Σ_r x[r][j]) / N                 the sum in row order
//	var        = (Σ_r (x[r][j] − mean)²) / N       a second pass; each square rounded before it is added
//	inv        = 1 / sqrt(var + epsilon)
//	xhat[r][j] = float32((x[r][j] − mean)·inv)
//	out[r][j]  = float32(((x[r][j] − mean)·inv)·gamma + beta)   the unrounded xhat; the product rounded before the sum
//	invStd[j]  = float32(inv)
//
// and Keras' float32 update, the products rounded before the sum (never fused):
//
//	movingMean[j] = float32(movingMean[j]·momentum) + float32(float32(mean)·c)
//	movingVar[j]  = float32(movingVar[j]·momentum) + float32(float32(var)·c)
//
// with c Keras' float32 1 − momentum, computed in float64 from momentum's decimal (0.99 gives
// float32(0.010000000000000009), not float32(1) − float32(0.99); see momentumComplement).
//
// TensorFlow (Keras' default backend) reduces in float32, rounds inv = rsqrt(var + epsilon)·gamma
// to float32 (Eigen's rsqrt, not necessarily correctly rounded), and forms out = x·inv + (beta − mean·inv) in four float32
// steps, which cancel where |mean| is large beside the column's spread: their error is about
// 2⁻²⁴·|mean·inv·gamma| absolute, |mean|/σ ulps of a unit output. Here out is within about one
// rounding of the exact value whatever the mean; so out and xhat differ from TensorFlow's by
// TensorFlow's own rounding (a few ulps, more in columns of large mean and small spread), and
// the moving statistics follow Keras' formula bit for bit from batch statistics that may differ
// from TensorFlow's in their last bits. JAX rounds as TensorFlow does; Keras' torch and NumPy
// backends take the one-pass variance.
//
// Edge cases. rows = 1, or a column whose values are all equal: the mean is that value exactly
// (the float64 sum of at most 2²⁹ equal float32 values is exact), var = 0, xhat = 0, out =
// gamma·0 + beta, i.e. beta (0 when beta is nil), invStd = 1/sqrt(epsilon), and the moving
// variance decays toward 0. epsilon = 0 with var = 0 gives inv = +Inf and xhat = 0·Inf = NaN, as
// in Keras. A NaN in a column of x makes that column's xhat, out, invStd and moving statistics
// NaN; an infinity does the same except that the moving mean becomes ±Inf (or NaN with both
// signs); a NaN in gamma or beta makes that column's out NaN. Other columns are unaffected.
// Finite inputs never overflow the float64 sums; a spread above about 1.8e19 makes float32(var),
// and so the moving variance, +Inf. rows must be at least 1 (when cols > 0): a batch of no rows
// panics (its mean would be 0/0, and Keras' moving statistics NaN).
//
// out may be x itself (each element is read before it is written); no other overlap between
// operands is supported.
func BatchNormTrain(out, xhat, invStd, x, gamma, beta, movingMean, movingVar []float32, momentum, epsilon float32, rows, cols int) {
	n := rows * cols
	checkLen("out", out, n)
	checkLen("xhat", xhat, n)
	checkLen("invStd", invStd, cols)
	checkLen("x", x, n)
	if gamma != nil {
		checkLen("gamma", gamma, cols)
	}
	if beta != nil {
		checkLen("beta", beta, cols)
	}
	checkLen("movingMean", movingMean, cols)
	checkLen("movingVar", movingVar, cols)
	if cols > 0 && rows < 1 {
		panic("asm: BatchNormTrain needs at least one row")
	}
	keep, take := momentum, momentumComplement(momentum)
	fn, eps := float64(rows), float64(epsilon)
	var meanB, invB, gammaB, betaB [bnBlock]float64
	for j0 := 0; j0 < cols; j0 += bnBlock {
		j1 := min(j0+bnBlock, cols)
		w := j1 - j0
		mean, inv, g, b := meanB[:w], invB[:w], gammaB[:w], betaB[:w]
		clear(mean)
		clear(inv)
		for r := 0; r < rows; r++ {
			xr := x[r*cols+j0 : r*cols+j1]
			xr = xr[:len(mean)]
			for k, v := range xr {
				mean[k] += float64(v)
			}
		}
		for k := range mean {
			mean[k] /= fn
		}
		// inv holds the sum of squares until it is turned into 1/sqrt(var + epsilon).
		for r := 0; r < rows; r++ {
			xr := x[r*cols+j0 : r*cols+j1]
			xr = xr[:len(mean)]
			for k, v := range xr {
				d := float64(v) - mean[k]
				inv[k] += float64(d * d)
			}
		}
		for k := range inv {
			j := j0 + k
			v := inv[k] / fn
			movingMean[j] = float32(movingMean[j]*keep) + float32(float32(mean[k])*take)
			movingVar[j] = float32(movingVar[j]*keep) + float32(float32(v)*take)
			inv[k] = 1 / math.Sqrt(v+eps)
			invStd[j] = float32(inv[k])
			g[k], b[k] = 1, 0
			if gamma != nil {
				g[k] = float64(gamma[j])
			}
			if beta != nil {
				b[k] = float64(beta[j])
			}
		}
		for r := 0; r < rows; r++ {
			o := r * cols
			xr := x[o+j0 : o+j1]
			xr = xr[:len(mean)]
			hr, or := xhat[o+j0:o+j1], out[o+j0:o+j1]
			hr, or = hr[:len(xr)], or[:len(xr)]
			for k, v := range xr {
				h := (float64(v) - mean[k]) * inv[k]
				hr[k] = float32(h)
				or[k] = float32(float64(h*g[k]) + b[k])
			}
		}
	}
}

// BatchNormInfer is the forward pass evaluating or predicting: out = gamma·(x −
// movingMean)/sqrt(movingVar + epsilon) + beta, over rows×cols values x, per column j (gamma nil
// means 1, beta nil 0, as in BatchNormTrain): Keras' BatchNormalization with training=False (or
// trainable=False), which normalises by the moving statistics and leaves them unchanged.
//
// The operations, per column j, in float64 from the float32 operands, rounded once:
//
//	a         = gamma / sqrt(movingVar + epsilon)
//	out[r][j] = float32(((x[r][j] − movingMean)·a) + beta)   the product rounded before the sum
//
// TensorFlow computes inv = rsqrt(movingVar + epsilon)·gamma, then x·inv + (beta −
// movingMean·inv), every step rounded to float32, which cancels where |movingMean| is large
// beside sqrt(movingVar) (an error of about 2⁻²⁴·|movingMean·inv|); here out is within about one
// rounding of the exact value, so the two differ by TensorFlow's rounding: a few ulps, more for
// such columns. A NaN anywhere, or movingVar + epsilon below 0, gives NaN in that column. out
// may be x itself; no other overlap is supported.
func BatchNormInfer(out, x, gamma, beta, movingMean, movingVar []float32, epsilon float32, rows, cols int) {
	n := rows * cols
	checkLen("out", out, n)
	checkLen("x", x, n)
	if gamma != nil {
		checkLen("gamma", gamma, cols)
	}
	if beta != nil {
		checkLen("beta", beta, cols)
	}
	checkLen("movingMean", movingMean, cols)
	checkLen("movingVar", movingVar, cols)
	eps := float64(epsilon)
	var shiftB, scaleB, betaB [bnBlock]float64
	for j0 := 0; j0 < cols; j0 += bnBlock {
		j1 := min(j0+bnBlock, cols)
		w := j1 - j0
		shift, scale, b := shiftB[:w], scaleB[:w], betaB[:w]
		for k := range shift {
			j := j0 + k
			sd := math.Sqrt(float64(movingVar[j]) + eps)
			a := 1 / sd
			if gamma != nil {
				a = float64(gamma[j]) / sd
			}
			shift[k], scale[k], b[k] = float64(movingMean[j]), a, 0
			if beta != nil {
				b[k] = float64(beta[j])
			}
		}
		for r := 0; r < rows; r++ {
			o := r * cols
			xr := x[o+j0 : o+j1]
			xr = xr[:len(shift)]
			or := out[o+j0 : o+j1]
			or = or[:len(xr)]
			for k, v := range xr {
				or[k] = float32(float64((float64(v)-shift[k])*scale[k]) + b[k])
			}
		}
	}
}

// BatchNormBackward sets, from dout (rows×cols) and what BatchNormTrain stored, dbeta[j] = Σ_r dout,
// dgamma[j] = Σ_r dout·xhat (each skipped when nil), and din = invStd/N·(N·g − Σg − xhat·Σ(g·xhat))
// with g = dout·gamma (gamma nil: 1), N = rows: the gradient with respect to the input of the
// training forward pass, the batch statistics depending on the input. din may be nil (not wanted).
//
// Since Σg = gamma·Σdout and Σ(g·xhat) = gamma·Σ(dout·xhat), the operations are, per column j, in
// float64 from the float32 operands:
//
//	S         = Σ_r dout[r][j]                 in row order
//	T         = Σ_r dout[r][j]·xhat[r][j]      each product exact in float64
//	dbeta[j]  = float32(S)
//	dgamma[j] = float32(T)
//	c         = gamma·invStd
//	din[r][j] = float32(c·((dout[r][j] − S/N) − xhat[r][j]·(T/N)))   the last product rounded before the difference
//
// which is the formula above, in float64, from the stored float32 xhat and invStd; Keras'
// automatic differentiation of TensorFlow's float32 forward pass gives the same gradient, with
// float32 roundings of its own. gamma must be the forward pass's gamma (nil there, nil here).
// rows = 1 gives din = 0: xhat is 0 and dout − S/N is dout − dout. (A constant column among
// more rows has xhat = 0 too, and din = c·(dout − S/N).) A NaN in a column of dout or xhat, or
// in invStd[j] or gamma[j], makes that column's din NaN, and its dgamma and dbeta wherever it
// enters their sums; other columns are unaffected. rows = 0 sets dgamma and dbeta to 0.
//
// din must not overlap dout, xhat or any other operand. (The present loop reads dout[r][j] just
// before it writes din[r][j], so din = dout happens to give the same result, but that is not
// promised: an assembly version need not keep it.)
func BatchNormBackward(din, dgamma, dbeta, dout, xhat, invStd, gamma []float32, rows, cols int) {
	n := rows * cols
	if din != nil {
		checkLen("din", din, n)
	}
	if dgamma != nil {
		checkLen("dgamma", dgamma, cols)
	}
	if dbeta != nil {
		checkLen("dbeta", dbeta, cols)
	}
	checkLen("dout", dout, n)
	checkLen("xhat", xhat, n)
	checkLen("invStd", invStd, cols)
	if gamma != nil {
		checkLen("gamma", gamma, cols)
	}
	fn := float64(rows)
	var sB, tB, cB [bnBlock]float64
	for j0 := 0; j0 < cols; j0 += bnBlock {
		j1 := min(j0+bnBlock, cols)
		w := j1 - j0
		s, t, c := sB[:w], tB[:w], cB[:w]
		clear(s)
		clear(t)
		for r := 0; r < rows; r++ {
			o := r * cols
			dr := dout[o+j0 : o+j1]
			dr = dr[:len(s)]
			hr := xhat[o+j0 : o+j1]
			hr = hr[:len(dr)]
			for k, d := range dr {
				s[k] += float64(d)
				t[k] += float64(d) * float64(hr[k]) // exact: a fused multiply-add rounds the same
			}
		}
		for k := range s {
			j := j0 + k
			if dbeta != nil {
				dbeta[j] = float32(s[k])
			}
			if dgamma != nil {
				dgamma[j] = float32(t[k])
			}
		}
		if din == nil {
			continue
		}
		for k := range s {
			j := j0 + k
			c[k] = float64(invStd[j])
			if gamma != nil {
				c[k] *= float64(gamma[j])
			}
			s[k] /= fn
			t[k] /= fn
		}
		for r := 0; r < rows; r++ {
			o := r * cols
			dr := dout[o+j0 : o+j1]
			dr = dr[:len(s)]
			hr, ir := xhat[o+j0:o+j1], din[o+j0:o+j1]
			hr, ir = hr[:len(dr)], ir[:len(dr)]
			for k, d := range dr {
				ir[k] = float32(c[k] * ((float64(d) - s[k]) - float64(float64(hr[k])*t[k])))
			}
		}
	}
}

package asm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

// The batch-normalisation kernels are tested against float64 references written here from the
// maths, on rows 1..9 × cols 1..40 and on columns across the kernels' 64-column blocks, with
// gamma and beta present or nil. Outputs are NaN-poisoned within the shape and fenced after it;
// inputs have NaN past the shape and must come back unchanged; the moving statistics, read and
// written, are fenced after the shape. The forward results must be within one float32 rounding
// of the float64 value (plus float64 errors far below a float32 ulp): tight enough that
// TensorFlow's float32 order of operations fails on the data (columns of large mean and small
// spread), which the tests require. The moving statistics must be Keras' float32 update bit for
// bit, with Keras' 1 − momentum taken from the decimal (strconv here, independent of the kernel's
// arithmetic). BatchNormBackward is checked against the formula in float64 and against central
// finite differences of a float64 loss through the float64 training forward pass.

// bnShapes calls f on every shape the batch-normalisation kernels are tested on.
func bnShapes(f func(rows, cols int)) {
	for rows := 1; rows <= 9; rows++ {
		for cols := 1; cols <= 40; cols++ {
			f(rows, cols)
		}
		for _, cols := range []int{63, 64, 65, 128, 130, 200} {
			f(rows, cols)
		}
	}
}

// bnParams are the optional-parameter cases: gamma and beta present or nil.
var bnParams = []struct{ gamma, beta bool }{{true, true}, {false, true}, {true, false}, {false, false}}

// bnData returns rows×cols values whose columns are of several kinds: uniform in [-1, 1); a
// large mean beside a small spread (TensorFlow's x·inv + (beta − mean·inv) cancels there); a
// constant; a spread well below sqrt(epsilon); a wide spread around an offset. With special, now
// and then a value is NaN or an infinity.
func bnData(r *rand.Rand, rows, cols int, special bool) []float32 {
	x := make([]float32, rows*cols)
	for j := 0; j < cols; j++ {
		kind := r.IntN(7)
		c := 2*r.Float64() - 1
		for i := 0; i < rows; i++ {
			u := 2*r.Float64() - 1
			var v float64
			switch kind {
			case 0, 1:
				v = u
			case 2:
				v = 300*c + 0.01*u
			case 3:
				v = c
			case 4:
				v = c + 1e-3*u
			case 5:
				v = 10*c + 4*u
			case 6:
				v = 1e3 * u
			}
			x[i*cols+j] = float32(v)
			if special && r.IntN(60) == 0 {
				x[i*cols+j] = []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))}[r.IntN(3)]
			}
		}
	}
	return x
}

// bnVector returns n values in [lo, hi), negated at random when signed.
func bnVector(r *rand.Rand, n int, lo, hi float64, signed bool) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(lo + (hi-lo)*r.Float64())
		if signed && r.IntN(2) == 0 {
			v[i] = -v[i]
		}
	}
	return v
}

// bnOptional returns operand(v)'s slice, or nil when v is nil.
func bnOptional(v []float32) (in, whole []float32) {
	if v == nil {
		return nil, nil
	}
	return operand(v)
}

// bnAt returns v[j], or def when v is nil.
func bnAt(v []float32, j int, def float64) float64 {
	if v == nil {
		return def
	}
	return float64(v[j])
}

// bnInOut returns a copy of v followed by pureTail fence values, inside the fence: an operand the
// kernel reads and writes.
func bnInOut(v []float32) (in, whole []float32) {
	in, whole = fenced(len(v)+pureTail, fence)
	copy(in, v)
	return in, whole
}

// kerasComplement is Keras' float32 1 − momentum: Python's 1.0 - momentum on the shortest
// decimal of the float32 momentum, rounded to float32.
func kerasComplement(m float32) float32 {
	d, err := strconv.ParseFloat(strconv.FormatFloat(float64(m), 'g', -1, 32), 64)
	if err != nil {
		panic(err)
	}
	return float32(1 - d)
}

// bnMovingStep is Keras' float32 update of one moving statistic.
func bnMovingStep(moving, batch, momentum float32) float32 {
	return float32(moving*momentum) + float32(batch*kerasComplement(momentum))
}

// bnRef is the float64 training forward pass on one shape: the batch statistics, xhat and out.
type bnRef struct {
	mean, variance, inv []float64 // per column
	xhat, out           []float64 // rows×cols
}

// bnReference computes the training forward pass in float64, a column at a time: the mean, the
// population variance about it, xhat = (x − mean)/sqrt(var + epsilon), out = gamma·xhat + beta.
func bnReference(x, gamma, beta []float64, epsilon float64, rows, cols int) bnRef {
	ref := bnRef{make([]float64, cols), make([]float64, cols), make([]float64, cols), make([]float64, rows*cols), make([]float64, rows*cols)}
	for j := 0; j < cols; j++ {
		s := 0.0
		for i := 0; i < rows; i++ {
			s += x[i*cols+j]
		}
		mean := s / float64(rows)
		ss := 0.0
		for i := 0; i < rows; i++ {
			d := x[i*cols+j] - mean
			ss += float64(d * d)
		}
		variance := ss / float64(rows)
		sd := math.Sqrt(variance + epsilon)
		ref.mean[j], ref.variance[j], ref.inv[j] = mean, variance, 1/sd
		g, b := 1.0, 0.0
		if gamma != nil {
			g = gamma[j]
		}
		if beta != nil {
			b = beta[j]
		}
		for i := 0; i < rows; i++ {
			h := (x[i*cols+j] - mean) / sd
			ref.xhat[i*cols+j] = h
			ref.out[i*cols+j] = g*h + b
		}
	}
	return ref
}

// to64 returns v in float64, nil for nil.
func to64(v []float32) []float64 {
	if v == nil {
		return nil
	}
	w := make([]float64, len(v))
	for i, x := range v {
		w[i] = float64(x)
	}
	return w
}

// tfOut is TensorFlow's tf.nn.batch_normalization on one element in float32 steps: inv =
// rsqrt(variance + epsilon)·gamma (rsqrt correctly rounded here), x·inv + (beta − mean·inv).
func tfOut(x, mean, variance, gamma, beta, epsilon float32) float32 {
	inv := float32(1/math.Sqrt(float64(variance+epsilon))) * gamma
	return float32(x*inv) + (beta - float32(mean*inv))
}

// bnTrainCase runs BatchNormTrain on one shape with fresh data and checks every output against
// bnReference, the moving statistics against Keras' float32 update bit for bit, and the inputs
// and fences. It returns how many outputs TensorFlow's order would have put outside the bound.
func bnTrainCase(t *testing.T, r *rand.Rand, rows, cols int, withGamma, withBeta, special bool, momentum, epsilon float32) (tfOutside int) {
	t.Helper()
	n := rows * cols
	name := fmt.Sprintf("BatchNormTrain %dx%d gamma=%v beta=%v momentum=%v epsilon=%v", rows, cols, withGamma, withBeta, momentum, epsilon)
	x0 := bnData(r, rows, cols, special)
	var gamma0, beta0 []float32
	if withGamma {
		gamma0 = bnVector(r, cols, 0.25, 3, true)
	}
	if withBeta {
		beta0 = bnVector(r, cols, -2, 2, false)
	}
	mm0, mv0 := bnVector(r, cols, -1, 1, false), bnVector(r, cols, 0, 4, false)
	x, xw := operand(x0)
	gamma, gw := bnOptional(gamma0)
	beta, bw := bnOptional(beta0)
	xBefore := append([]float32(nil), xw...)
	gBefore, bBefore := append([]float32(nil), gw...), append([]float32(nil), bw...)
	mm, mmw := bnInOut(mm0)
	mv, mvw := bnInOut(mv0)
	out, ow := poisoned(n)
	xhat, hw := poisoned(n)
	invStd, iw := poisoned(cols)
	BatchNormTrain(out, xhat, invStd, x, gamma, beta, mm, mv, momentum, epsilon, rows, cols)
	checkPoisoned(t, name+" out", out, ow, n)
	checkPoisoned(t, name+" xhat", xhat, hw, n)
	checkPoisoned(t, name+" invStd", invStd, iw, cols)
	checkFence(t, name+" movingMean", mmw, cols)
	checkFence(t, name+" movingVar", mvw, cols)
	unchanged(t, name, "x", xw, xBefore)
	unchanged(t, name, "gamma", gw, gBefore)
	unchanged(t, name, "beta", bw, bBefore)

	ref := bnReference(to64(x0), to64(gamma0), to64(beta0), float64(epsilon), rows, cols)
	for j := 0; j < cols; j++ {
		mean, variance, inv := ref.mean[j], ref.variance[j], ref.inv[j]
		if !near(invStd[j], inv, 0x1p-24*inv*(1+0x1p-20)+0x1p-149) {
			t.Fatalf("%s: invStd[%d] = %v, want %v", name, j, invStd[j], inv)
		}
		if want := bnMovingStep(mm0[j], float32(mean), momentum); !sameFloat(mm[j], want) {
			t.Fatalf("%s: movingMean[%d] = %v from %v with batch mean %v, want Keras' %v", name, j, mm[j], mm0[j], mean, want)
		}
		if want := bnMovingStep(mv0[j], float32(variance), momentum); !sameFloat(mv[j], want) {
			t.Fatalf("%s: movingVar[%d] = %v from %v with batch variance %v, want Keras' %v", name, j, mv[j], mv0[j], variance, want)
		}
		g, b := bnAt(gamma0, j, 1), bnAt(beta0, j, 0)
		for i := 0; i < rows; i++ {
			e := i*cols + j
			h, o := ref.xhat[e], ref.out[e]
			// float64 errors: the sums' (a few N·2⁻⁵³ of |x| and |mean|), far below 2⁻⁴⁴.
			f64 := 0x1p-44 * (math.Abs(float64(x0[e])) + math.Abs(mean)) * inv
			if !near(xhat[e], h, 0x1p-24*math.Abs(h)+f64+0x1p-149) {
				t.Fatalf("%s: xhat[%d][%d] = %v for x = %v (mean %v, variance %v), want %v", name, i, j, xhat[e], x0[e], mean, variance, h)
			}
			tol := 0x1p-24*math.Abs(o) + math.Abs(g)*f64 + 0x1p-50*(math.Abs(g*h)+math.Abs(b)) + 0x1p-149
			if !near(out[e], o, tol) {
				t.Fatalf("%s: out[%d][%d] = %v for x = %v (mean %v, variance %v, gamma %v, beta %v), want %v", name, i, j, out[e], x0[e], mean, variance, g, b, o)
			}
			if !near(tfOut(x0[e], float32(mean), float32(variance), float32(g), float32(b), epsilon), o, tol) {
				tfOutside++
			}
		}
	}
	// out may be x.
	copy(x, x0)
	copy(mm, mm0)
	copy(mv, mv0)
	xhat2, _ := poisoned(n)
	invStd2, _ := poisoned(cols)
	BatchNormTrain(x, xhat2, invStd2, x, gamma, beta, mm, mv, momentum, epsilon, rows, cols)
	if !sameBits(x[:n], out[:n]) || !sameBits(xhat2[:n], xhat[:n]) || !sameBits(invStd2[:cols], invStd[:cols]) {
		t.Fatalf("%s: in place (out = x), the results differ", name)
	}
	return tfOutside
}

func TestBatchNormTrain(t *testing.T) {
	r := rand.New(rand.NewPCG(61, 61))
	tfOutside := 0
	momenta := []float32{0.99, 0.9, 0.999, 0.5, 0}
	epsilons := []float32{1e-3, 1e-5, 0.1}
	bnShapes(func(rows, cols int) {
		for _, p := range bnParams {
			special := r.IntN(4) == 0
			tfOutside += bnTrainCase(t, r, rows, cols, p.gamma, p.beta, special, momenta[r.IntN(len(momenta))], epsilons[r.IntN(len(epsilons))])
		}
	})
	if tfOutside == 0 {
		t.Fatal("no output in the data that TensorFlow's order would put outside the bound: the bound is too loose")
	}
}

// TestBatchNormMoving runs BatchNormTrain several times on one layer and checks the moving
// statistics against Keras' float32 update after every call, and against the float64 average
// with Python's weights; and that the data would catch float32(1) − momentum for 1 − momentum.
func TestBatchNormMoving(t *testing.T) {
	r := rand.New(rand.NewPCG(62, 62))
	naiveDiffers := 0
	for _, momentum := range []float32{0.99, 0.9, 0.999, 0.95, 0.997, 0.5, 0, 1} {
		d, _ := strconv.ParseFloat(strconv.FormatFloat(float64(momentum), 'g', -1, 32), 64)
		for _, cols := range []int{1, 7, 40, 65} {
			name := fmt.Sprintf("BatchNormTrain moving statistics momentum=%v cols=%d", momentum, cols)
			mm, mmw := bnInOut(make([]float32, cols))
			ones := make([]float32, cols)
			for j := range ones {
				ones[j] = 1
			}
			mv, mvw := bnInOut(ones)
			keras := [2][]float32{append([]float32(nil), mm[:cols]...), append([]float32(nil), mv[:cols]...)}
			exact := [2][]float64{to64(keras[0]), to64(keras[1])}
			bound := [2][]float64{make([]float64, cols), make([]float64, cols)}
			for call := 1; call <= 8; call++ {
				rows := 1 + r.IntN(9)
				x0 := bnData(r, rows, cols, false)
				x, _ := operand(x0)
				out, _ := poisoned(rows * cols)
				xhat, _ := poisoned(rows * cols)
				invStd, _ := poisoned(cols)
				BatchNormTrain(out, xhat, invStd, x, nil, nil, mm, mv, momentum, 1e-3, rows, cols)
				checkFence(t, name, mmw, cols)
				checkFence(t, name, mvw, cols)
				ref := bnReference(to64(x0), nil, nil, 1e-3, rows, cols)
				for j := 0; j < cols; j++ {
					for s, batch := range []float64{ref.mean[j], ref.variance[j]} {
						got := []float32{mm[j], mv[j]}[s]
						want := bnMovingStep(keras[s][j], float32(batch), momentum)
						naive := float32(keras[s][j]*momentum) + float32(float32(batch)*(1-momentum))
						if naive != want {
							naiveDiffers++
						}
						if !sameFloat(got, want) {
							t.Fatalf("%s: call %d, statistic %d of column %d is %v, want Keras' %v", name, call, s, j, got, want)
						}
						// Each call rounds the batch statistic, 1 − momentum and the two products
						// (2⁻²⁴ of each, twice for the product with the batch) and the sum, and
						// scales the error so far by momentum.
						prev := exact[s][j]
						exact[s][j] = prev*float64(momentum) + batch*(1-d)
						bound[s][j] = bound[s][j]*float64(momentum) + 0x1p-24*math.Abs(prev*float64(momentum)) +
							0x1p-22*math.Abs(batch*(1-d)) + 0x1p-24*math.Abs(exact[s][j]) + 0x1p-149
						keras[s][j] = want
						if !near(got, exact[s][j], bound[s][j]) {
							t.Fatalf("%s: call %d, statistic %d of column %d is %v, far from the float64 average %v", name, call, s, j, got, exact[s][j])
						}
					}
				}
			}
		}
	}
	if naiveDiffers == 0 {
		t.Fatal("no update in the data for which float32(1) - momentum would differ from Keras' 1 - momentum")
	}
}

// TestMomentumComplement checks Keras' 1 − momentum against the shortest decimal of the float32
// momentum read by strconv: on the usual momenta, on decimals of up to six digits, and on every
// float32 from 0.001 to 1 at a stride.
func TestMomentumComplement(t *testing.T) {
	for _, c := range []struct {
		m    float32
		want float64
	}{{0.99, 1 - 0.99}, {0.9, 1 - 0.9}, {0.999, 1 - 0.999}, {0.1, 1 - 0.1}, {0.5, 0.5}, {0, 1}, {1, 0}} {
		if got := momentumComplement(c.m); got != float32(c.want) {
			t.Errorf("momentumComplement(%v) = %v, want float32(%v) = %v", c.m, got, c.want, float32(c.want))
		}
	}
	if got, naive := momentumComplement(0.99), float32(1)-float32(0.99); got == naive {
		t.Errorf("momentumComplement(0.99) = %v is float32(1) - float32(0.99)", got)
	}
	check := func(m float32) {
		if got, want := momentumComplement(m), kerasComplement(m); got != want {
			t.Fatalf("momentumComplement(%v) = %v, want float32(1 - %s) = %v", m, got, strconv.FormatFloat(float64(m), 'g', -1, 32), want)
		}
	}
	for k := 0; k <= 1000000; k++ {
		check(float32(float64(k) / 1e6))
	}
	for b := math.Float32bits(0.001); b <= math.Float32bits(1); b += 97 {
		check(math.Float32frombits(b))
	}
	if got := momentumComplement(float32(math.NaN())); !math.IsNaN(float64(got)) {
		t.Errorf("momentumComplement(NaN) = %v", got)
	}
}

// bnInferCase runs BatchNormInfer on one shape with fresh data and checks it against the float64
// formula. It returns how many outputs TensorFlow's order would have put outside the bound.
func bnInferCase(t *testing.T, r *rand.Rand, rows, cols int, withGamma, withBeta, special bool, epsilon float32) (tfOutside int) {
	t.Helper()
	n := rows * cols
	name := fmt.Sprintf("BatchNormInfer %dx%d gamma=%v beta=%v epsilon=%v", rows, cols, withGamma, withBeta, epsilon)
	x0 := bnData(r, rows, cols, special)
	var gamma0, beta0 []float32
	if withGamma {
		gamma0 = bnVector(r, cols, 0.25, 3, true)
	}
	if withBeta {
		beta0 = bnVector(r, cols, -2, 2, false)
	}
	// Moving statistics near the columns' own (a large mean with a small variance where the column
	// is such), or unrelated; now and then a zero, tiny, negative or NaN variance.
	ref := bnReference(to64(x0), nil, nil, 0, rows, cols)
	mm0, mv0 := make([]float32, cols), make([]float32, cols)
	for j := range mm0 {
		mm0[j], mv0[j] = float32(ref.mean[j]*(1+0.01*r.Float64())), float32(ref.variance[j]*(0.5+r.Float64()))
		if r.IntN(4) == 0 {
			mm0[j], mv0[j] = float32(2*r.Float64()-1), float32(4*r.Float64())
		}
		if special && r.IntN(8) == 0 {
			mv0[j] = []float32{0, 1e-30, -epsilon / 2, -2 * epsilon, -1, float32(math.NaN())}[r.IntN(6)]
		}
	}
	x, xw := operand(x0)
	gamma, gw := bnOptional(gamma0)
	beta, bw := bnOptional(beta0)
	mm, mmw := operand(mm0)
	mv, mvw := operand(mv0)
	before := [][]float32{append([]float32(nil), xw...), append([]float32(nil), gw...), append([]float32(nil), bw...),
		append([]float32(nil), mmw...), append([]float32(nil), mvw...)}
	out, ow := poisoned(n)
	BatchNormInfer(out, x, gamma, beta, mm, mv, epsilon, rows, cols)
	checkPoisoned(t, name, out, ow, n)
	for k, w := range [][]float32{xw, gw, bw, mmw, mvw} {
		unchanged(t, name, []string{"x", "gamma", "beta", "movingMean", "movingVar"}[k], w, before[k])
	}
	for j := 0; j < cols; j++ {
		g, b := bnAt(gamma0, j, 1), bnAt(beta0, j, 0)
		m, v := float64(mm0[j]), float64(mv0[j])
		sd := math.Sqrt(v + float64(epsilon))
		for i := 0; i < rows; i++ {
			e := i*cols + j
			xv := float64(x0[e])
			want := g*(xv-m)/sd + b
			tol := 0x1p-24*math.Abs(want) + 0x1p-50*(math.Abs(g*(xv-m)/sd)+math.Abs(b)) + 0x1p-149
			if !near(out[e], want, tol) {
				t.Fatalf("%s: out[%d][%d] = %v for x = %v (moving mean %v, variance %v, gamma %v, beta %v), want %v", name, i, j, out[e], x0[e], m, v, g, b, want)
			}
			if !near(tfOut(x0[e], mm0[j], mv0[j], float32(g), float32(b), epsilon), want, tol) {
				tfOutside++
			}
		}
	}
	// out may be x.
	copy(x, x0)
	BatchNormInfer(x, x, gamma, beta, mm, mv, epsilon, rows, cols)
	if !sameBits(x[:n], out[:n]) {
		t.Fatalf("%s: in place (out = x), the results differ", name)
	}
	return tfOutside
}

func TestBatchNormInfer(t *testing.T) {
	r := rand.New(rand.NewPCG(63, 63))
	tfOutside := 0
	epsilons := []float32{1e-3, 1e-5, 0.1}
	bnShapes(func(rows, cols int) {
		for _, p := range bnParams {
			tfOutside += bnInferCase(t, r, rows, cols, p.gamma, p.beta, r.IntN(4) == 0, epsilons[r.IntN(len(epsilons))])
		}
	})
	if tfOutside == 0 {
		t.Fatal("no output in the data that TensorFlow's order would put outside the bound: the bound is too loose")
	}
}

// bnBackwardRef is the formula of BatchNormBackward's doc in float64, literally: g = dout·gamma,
// din = invStd/N·(N·g − Σg − xhat·Σ(g·xhat)), dgamma = Σ dout·xhat, dbeta = Σ dout; and, per
// element, the sum of the magnitudes of din's terms, and per column those of dgamma's and
// dbeta's, for the bounds.
func bnBackwardRef(dout, xhat, invStd, gamma []float32, rows, cols int) (din, scale, dgamma, dbeta, gsum, bsum []float64) {
	din, scale = make([]float64, rows*cols), make([]float64, rows*cols)
	dgamma, dbeta = make([]float64, cols), make([]float64, cols)
	gsum, bsum = make([]float64, cols), make([]float64, cols)
	nf := float64(rows)
	for j := 0; j < cols; j++ {
		gm := bnAt(gamma, j, 1)
		var sg, sgx, ag, agx float64
		for i := 0; i < rows; i++ {
			d, h := float64(dout[i*cols+j]), float64(xhat[i*cols+j])
			g := d * gm
			sg += g
			sgx += g * h
			ag += math.Abs(g)
			agx += math.Abs(g * h)
			dbeta[j] += d
			dgamma[j] += d * h
			bsum[j] += math.Abs(d)
			gsum[j] += math.Abs(d * h)
		}
		inv := float64(invStd[j])
		for i := 0; i < rows; i++ {
			e := i*cols + j
			g, h := float64(dout[e])*gm, float64(xhat[e])
			din[e] = inv / nf * (nf*g - sg - h*sgx)
			scale[e] = math.Abs(inv) * (math.Abs(g) + ag/nf + math.Abs(h)*agx/nf)
		}
	}
	return din, scale, dgamma, dbeta, gsum, bsum
}

// bnForwardStored runs BatchNormTrain for the xhat and invStd that BatchNormBackward takes.
func bnForwardStored(x, gamma []float32, epsilon float32, rows, cols int) (xhat, invStd []float32) {
	out, xhat, invStd := make([]float32, rows*cols), make([]float32, rows*cols), make([]float32, cols)
	mm, mv := make([]float32, cols), make([]float32, cols)
	BatchNormTrain(out, xhat, invStd, x, gamma, nil, mm, mv, 0.99, epsilon, rows, cols)
	return xhat, invStd
}

func TestBatchNormBackward(t *testing.T) {
	r := rand.New(rand.NewPCG(64, 64))
	bnShapes(func(rows, cols int) {
		for _, withGamma := range []bool{true, false} {
			n := rows * cols
			name := fmt.Sprintf("BatchNormBackward %dx%d gamma=%v", rows, cols, withGamma)
			special := r.IntN(4) == 0
			var gamma0 []float32
			if withGamma {
				gamma0 = bnVector(r, cols, 0.25, 3, true)
			}
			epsilon := []float32{1e-3, 1e-5, 0.1}[r.IntN(3)]
			xhat0, invStd0 := bnForwardStored(bnData(r, rows, cols, special), gamma0, epsilon, rows, cols)
			dout0 := bnVector(r, n, -1, 1, false)
			if special {
				dout0[r.IntN(n)] = float32(math.NaN())
			}
			dout, dw := operand(dout0)
			xhat, hw := operand(xhat0)
			invStd, iw := operand(invStd0)
			gamma, gw := bnOptional(gamma0)
			before := [][]float32{append([]float32(nil), dw...), append([]float32(nil), hw...), append([]float32(nil), iw...), append([]float32(nil), gw...)}
			din, inw := poisoned(n)
			dgamma, gaw := poisoned(cols)
			dbeta, bew := poisoned(cols)
			BatchNormBackward(din, dgamma, dbeta, dout, xhat, invStd, gamma, rows, cols)
			checkPoisoned(t, name+" din", din, inw, n)
			checkPoisoned(t, name+" dgamma", dgamma, gaw, cols)
			checkPoisoned(t, name+" dbeta", dbeta, bew, cols)
			for k, w := range [][]float32{dw, hw, iw, gw} {
				unchanged(t, name, []string{"dout", "xhat", "invStd", "gamma"}[k], w, before[k])
			}
			rdin, scale, rdg, rdb, gsum, bsum := bnBackwardRef(dout0, xhat0, invStd0, gamma0, rows, cols)
			for j := 0; j < cols; j++ {
				if !near(dbeta[j], rdb[j], 0x1p-24*math.Abs(rdb[j])+0x1p-50*bsum[j]+0x1p-149) {
					t.Fatalf("%s: dbeta[%d] = %v, want %v", name, j, dbeta[j], rdb[j])
				}
				if !near(dgamma[j], rdg[j], 0x1p-24*math.Abs(rdg[j])+0x1p-50*gsum[j]+0x1p-149) {
					t.Fatalf("%s: dgamma[%d] = %v, want %v", name, j, dgamma[j], rdg[j])
				}
			}
			for e := range rdin {
				if !near(din[e], rdin[e], 0x1p-24*math.Abs(rdin[e])+0x1p-46*scale[e]+0x1p-149) {
					t.Fatalf("%s: din[%d][%d] = %v, want %v (terms of magnitude %v)", name, e/cols, e%cols, din[e], rdin[e], scale[e])
				}
				if rows == 1 && !math.IsNaN(rdin[e]) && din[e] != 0 {
					t.Fatalf("%s: din[%d] = %v with one row, want 0", name, e, din[e])
				}
			}
			// Each output may be skipped (nil) without changing the others.
			for mask := 0; mask < 7; mask++ {
				var din2, dgamma2, dbeta2 []float32
				if mask&1 != 0 {
					din2, _ = poisoned(n)
				}
				if mask&2 != 0 {
					dgamma2, _ = poisoned(cols)
				}
				if mask&4 != 0 {
					dbeta2, _ = poisoned(cols)
				}
				BatchNormBackward(din2, dgamma2, dbeta2, dout, xhat, invStd, gamma, rows, cols)
				if din2 != nil && !sameBits(din2[:n], din[:n]) || dgamma2 != nil && !sameBits(dgamma2[:cols], dgamma[:cols]) ||
					dbeta2 != nil && !sameBits(dbeta2[:cols], dbeta[:cols]) {
					t.Fatalf("%s: with outputs %03b only, the results differ", name, mask)
				}
			}
		}
	})
}

// bnLoss is L = Σ w·out through the float64 training forward pass.
func bnLoss(w, x, gamma, beta []float64, epsilon float64, rows, cols int) float64 {
	ref := bnReference(x, gamma, beta, epsilon, rows, cols)
	l := 0.0
	for i, o := range ref.out {
		l += w[i] * o
	}
	return l
}

// TestBatchNormGradient checks BatchNormBackward, given dout = w and what BatchNormTrain stored,
// against central finite differences of L = Σ w·out through the float64 training forward pass,
// with respect to every x, gamma and beta. The kernels' results are float32 from float32 xhat and
// invStd; the differences err by about h² times the third derivative, and by the float64 rounding
// of L divided by h.
func TestBatchNormGradient(t *testing.T) {
	r := rand.New(rand.NewPCG(65, 65))
	const h = 1e-5
	worst := 0.0
	for rows := 1; rows <= 9; rows++ {
		for cols := 1; cols <= 40; cols++ {
			n := rows * cols
			name := fmt.Sprintf("BatchNormBackward %dx%d against finite differences", rows, cols)
			epsilon := []float32{1e-3, 1e-2}[r.IntN(2)]
			x0 := make([]float32, n)
			for j := 0; j < cols; j++ {
				kind, c := r.IntN(5), 2*r.Float64()-1
				for i := 0; i < rows; i++ {
					u := 2*r.Float64() - 1
					x0[i*cols+j] = float32([]float64{u, u, 3*c + 2*u, c, 20*c + 0.2*u}[kind])
				}
			}
			gamma0, beta0 := bnVector(r, cols, 0.25, 3, true), bnVector(r, cols, -2, 2, false)
			w0 := bnVector(r, n, -1, 1, false)
			xhat, invStd := bnForwardStored(x0, gamma0, epsilon, rows, cols)
			din, dgamma, dbeta := make([]float32, n), make([]float32, cols), make([]float32, cols)
			BatchNormBackward(din, dgamma, dbeta, w0, xhat, invStd, gamma0, rows, cols)
			_, scale, _, _, gsum, bsum := bnBackwardRef(w0, xhat, invStd, gamma0, rows, cols)

			x, gamma, beta, w := to64(x0), to64(gamma0), to64(beta0), to64(w0)
			eps := float64(epsilon)
			diff := func(p []float64, k int) float64 {
				v := p[k]
				p[k] = v + h
				lp := bnLoss(w, x, gamma, beta, eps, rows, cols)
				p[k] = v - h
				lm := bnLoss(w, x, gamma, beta, eps, rows, cols)
				p[k] = v
				return (lp - lm) / (2 * h)
			}
			for e := 0; e < n; e++ {
				fd := diff(x, e)
				tol := 1e-6*scale[e] + 1e-7
				if err := math.Abs(float64(din[e]) - fd); err > tol {
					t.Fatalf("%s: din[%d][%d] = %v, finite difference %v (terms of magnitude %v)", name, e/cols, e%cols, din[e], fd, scale[e])
				} else if err/tol > worst {
					worst = err / tol
				}
			}
			for j := 0; j < cols; j++ {
				if fd := diff(gamma, j); math.Abs(float64(dgamma[j])-fd) > 1e-6*gsum[j]+1e-7 {
					t.Fatalf("%s: dgamma[%d] = %v, finite difference %v", name, j, dgamma[j], fd)
				}
				if fd := diff(beta, j); math.Abs(float64(dbeta[j])-fd) > 1e-6*bsum[j]+1e-7 {
					t.Fatalf("%s: dbeta[%d] = %v, finite difference %v", name, j, dbeta[j], fd)
				}
			}
		}
	}
	t.Logf("worst din error: %.3g of the bound", worst)
}

// TestBatchNormEdges checks the edge cases of the doc comments: one row, a constant column,
// NaN and infinities kept to their column, epsilon 0, and a worked example.
func TestBatchNormEdges(t *testing.T) {
	const eps = float32(1e-3)
	// One row: xhat = 0, out = beta, invStd = 1/sqrt(epsilon), the moving variance decays.
	{
		x := []float32{3, -1e20, 0.5, float32(math.Copysign(0, -1))}
		gamma, beta := []float32{2, -3, 0.5, 1}, []float32{0.25, -7, 0, 1e-30}
		out, xhat, invStd := make([]float32, 4), make([]float32, 4), make([]float32, 4)
		mm, mv := []float32{1, 1, 1, 1}, []float32{2, 2, 2, 2}
		BatchNormTrain(out, xhat, invStd, x, gamma, beta, mm, mv, 0.99, eps, 1, 4)
		for j := range x {
			if xhat[j] != 0 || out[j] != beta[j] || invStd[j] != float32(1/math.Sqrt(float64(eps))) {
				t.Errorf("one row, column %d: xhat %v, out %v, invStd %v; want 0, %v, %v", j, xhat[j], out[j], invStd[j], beta[j], float32(1/math.Sqrt(float64(eps))))
			}
			if mv[j] != float32(2*float32(0.99)) || mm[j] != bnMovingStep(1, x[j], 0.99) {
				t.Errorf("one row, column %d: moving statistics %v, %v", j, mm[j], mv[j])
			}
		}
		BatchNormTrain(out, xhat, invStd, x, nil, nil, mm, mv, 0.99, eps, 1, 4)
		for j := range out {
			if out[j] != 0 {
				t.Errorf("one row without gamma and beta, column %d: out %v, want 0", j, out[j])
			}
		}
		din, dgamma, dbeta := make([]float32, 4), make([]float32, 4), make([]float32, 4)
		dout := []float32{1, -2, 3, 0.5}
		BatchNormBackward(din, dgamma, dbeta, dout, xhat, invStd, gamma, 1, 4)
		for j := range din {
			if din[j] != 0 || dgamma[j] != 0 || dbeta[j] != dout[j] {
				t.Errorf("one row, column %d: din %v, dgamma %v, dbeta %v; want 0, 0, %v", j, din[j], dgamma[j], dbeta[j], dout[j])
			}
		}
	}
	// A constant column among others, a NaN column and an infinite column: each only affects its
	// own column, bit for bit.
	{
		const rows, cols = 5, 6
		r := rand.New(rand.NewPCG(66, 66))
		x := bnVector(r, rows*cols, -1, 1, false)
		for i := 0; i < rows; i++ {
			x[i*cols+1] = 0.3
		}
		run := func(x []float32) (out, xhat, invStd, mm, mv []float32) {
			out, xhat, invStd = make([]float32, rows*cols), make([]float32, rows*cols), make([]float32, cols)
			mm, mv = make([]float32, cols), make([]float32, cols)
			for j := range mv {
				mv[j] = 1
			}
			BatchNormTrain(out, xhat, invStd, x, nil, nil, mm, mv, 0.99, eps, rows, cols)
			return
		}
		out, xhat, invStd, mm, mv := run(x)
		for i := 0; i < rows; i++ {
			if xhat[i*cols+1] != 0 || out[i*cols+1] != 0 {
				t.Errorf("constant column, row %d: xhat %v, out %v; want 0", i, xhat[i*cols+1], out[i*cols+1])
			}
		}
		if mv[1] != float32(0.99) || mm[1] != bnMovingStep(0, 0.3, 0.99) {
			t.Errorf("constant column: moving statistics %v, %v", mm[1], mv[1])
		}
		y := append([]float32(nil), x...)
		y[2*cols+3] = float32(math.NaN())
		y[4*cols+4] = float32(math.Inf(1))
		y[0*cols+5], y[1*cols+5] = float32(math.Inf(1)), float32(math.Inf(-1))
		out2, xhat2, invStd2, mm2, mv2 := run(y)
		isNaN := func(v float32) bool { return v != v }
		for j := 0; j < cols; j++ {
			for i := 0; i < rows; i++ {
				e := i*cols + j
				if j < 3 && (!sameFloat(out2[e], out[e]) || !sameFloat(xhat2[e], xhat[e])) ||
					j >= 3 && (!isNaN(out2[e]) || !isNaN(xhat2[e])) {
					t.Errorf("non-finite columns, element %d %d: out %v, xhat %v", i, j, out2[e], xhat2[e])
				}
			}
			if j < 3 && (invStd2[j] != invStd[j] || mm2[j] != mm[j] || mv2[j] != mv[j]) ||
				j >= 3 && (!isNaN(invStd2[j]) || !isNaN(mv2[j])) {
				t.Errorf("non-finite columns, column %d: invStd %v, moving variance %v", j, invStd2[j], mv2[j])
			}
		}
		if !isNaN(mm2[3]) || mm2[4] != float32(math.Inf(1)) || !isNaN(mm2[5]) {
			t.Errorf("moving means of columns with NaN, +Inf, ±Inf: %v", mm2[3:])
		}
		// The backward pass keeps a NaN to its column too.
		dout := bnVector(r, rows*cols, -1, 1, false)
		din, dgamma, dbeta := make([]float32, rows*cols), make([]float32, cols), make([]float32, cols)
		BatchNormBackward(din, dgamma, dbeta, dout, xhat, invStd, nil, rows, cols)
		dout[3*cols+2] = float32(math.NaN())
		din2, dgamma2, dbeta2 := make([]float32, rows*cols), make([]float32, cols), make([]float32, cols)
		BatchNormBackward(din2, dgamma2, dbeta2, dout, xhat, invStd, nil, rows, cols)
		for e := range din {
			if e%cols == 2 && !isNaN(din2[e]) || e%cols != 2 && din2[e] != din[e] {
				t.Errorf("backward with a NaN in column 2: din[%d] = %v (without: %v)", e, din2[e], din[e])
			}
		}
		for j := 0; j < cols; j++ {
			if j == 2 && (!isNaN(dgamma2[j]) || !isNaN(dbeta2[j])) || j != 2 && (dgamma2[j] != dgamma[j] || dbeta2[j] != dbeta[j]) {
				t.Errorf("backward with a NaN in column 2: dgamma[%d] %v, dbeta[%d] %v", j, dgamma2[j], j, dbeta2[j])
			}
		}
		// A constant column's din is c·(dout − mean(dout)).
		for i := 0; i < rows; i++ {
			s := 0.0
			for k := 0; k < rows; k++ {
				s += float64(dout[k*cols+1])
			}
			want := float64(invStd[1]) * (float64(dout[i*cols+1]) - s/rows)
			if !near(din[i*cols+1], want, 0x1p-23*math.Abs(want)+1e-30) {
				t.Errorf("constant column, row %d: din %v, want %v", i, din[i*cols+1], want)
			}
		}
	}
	// epsilon 0 with a variance of 0: xhat = 0·Inf = NaN.
	{
		out, xhat, invStd := make([]float32, 2), make([]float32, 2), make([]float32, 1)
		mm, mv := make([]float32, 1), make([]float32, 1)
		BatchNormTrain(out, xhat, invStd, []float32{4, 4}, nil, nil, mm, mv, 0.99, 0, 2, 1)
		if !math.IsInf(float64(invStd[0]), 1) || xhat[0] == xhat[0] || out[1] == out[1] {
			t.Errorf("epsilon 0, variance 0: invStd %v, xhat %v, out %v; want +Inf, NaN, NaN", invStd[0], xhat, out)
		}
	}
	// x = [[1], [2], [3]]: mean 2, variance 2/3, out = ±1/sqrt(2/3 + 1e-3); inference with the
	// moving statistics equal to those gives the same.
	{
		out, xhat, invStd := make([]float32, 3), make([]float32, 3), make([]float32, 1)
		mm, mv := []float32{0}, []float32{1}
		BatchNormTrain(out, xhat, invStd, []float32{1, 2, 3}, nil, nil, mm, mv, 0.99, eps, 3, 1)
		a := float32(1 / math.Sqrt(2.0/3+float64(eps)))
		if want := []float32{-a, 0, a}; !sameBits(out, want) || !sameBits(xhat, want) {
			t.Errorf("[1 2 3]: out %v, xhat %v, want %v", out, xhat, want)
		}
		if want := float32(0.99) + float32(float32(2.0/3)*float32(1-0.99)); mm[0] != float32(2*float32(1-0.99)) || mv[0] != want {
			t.Errorf("[1 2 3]: moving statistics %v, %v; want %v, %v", mm[0], mv[0], float32(2*float32(1-0.99)), want)
		}
		BatchNormInfer(out, []float32{1, 2, 3}, nil, nil, []float32{2}, []float32{2.0 / 3}, eps, 3, 1)
		if want := []float32{-a, 0, a}; !sameBits(out, want) {
			t.Errorf("[1 2 3] inferred: out %v, want %v", out, want)
		}
	}
}

// TestBatchNormShortOperands checks that every operand is checked against the shape, that the
// optional ones may be nil, and that a training batch of no rows panics.
func TestBatchNormShortOperands(t *testing.T) {
	s := func(n int) []float32 { return make([]float32, n) }
	const rows, cols = 2, 3
	train := func(v [8][]float32) {
		BatchNormTrain(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], 0.99, 1e-3, rows, cols)
	}
	full := [8][]float32{s(6), s(6), s(3), s(6), s(3), s(3), s(3), s(3)}
	for k, what := range []string{"out", "xhat", "invStd", "x", "gamma", "beta", "movingMean", "movingVar"} {
		v := full
		v[k] = s(len(v[k]) - 1)
		mustPanicWith(t, "BatchNormTrain "+what, "operand "+what+" ", func() { train(v) })
	}
	infer := func(v [6][]float32) { BatchNormInfer(v[0], v[1], v[2], v[3], v[4], v[5], 1e-3, rows, cols) }
	fullI := [6][]float32{s(6), s(6), s(3), s(3), s(3), s(3)}
	for k, what := range []string{"out", "x", "gamma", "beta", "movingMean", "movingVar"} {
		v := fullI
		v[k] = s(len(v[k]) - 1)
		mustPanicWith(t, "BatchNormInfer "+what, "operand "+what+" ", func() { infer(v) })
	}
	backward := func(v [7][]float32) { BatchNormBackward(v[0], v[1], v[2], v[3], v[4], v[5], v[6], rows, cols) }
	fullB := [7][]float32{s(6), s(3), s(3), s(6), s(6), s(3), s(3)}
	for k, what := range []string{"din", "dgamma", "dbeta", "dout", "xhat", "invStd", "gamma"} {
		v := fullB
		v[k] = s(len(v[k]) - 1)
		mustPanicWith(t, "BatchNormBackward "+what, "operand "+what+" ", func() { backward(v) })
	}
	// An empty but non-nil gamma is short, not absent.
	mustPanicWith(t, "BatchNormInfer empty gamma", "operand gamma ", func() { BatchNormInfer(s(6), s(6), []float32{}, nil, s(3), s(3), 1e-3, rows, cols) })
	mustPanicWith(t, "BatchNormTrain no rows", "at least one row", func() { BatchNormTrain(nil, nil, s(3), nil, nil, nil, s(3), s(3), 0.99, 1e-3, 0, cols) })
	BatchNormTrain(s(6), s(6), s(3), s(6), nil, nil, s(3), s(3), 0.99, 1e-3, rows, cols)
	BatchNormInfer(s(6), s(6), nil, nil, s(3), s(3), 1e-3, rows, cols)
	BatchNormBackward(nil, nil, nil, s(6), s(6), s(3), nil, rows, cols)
	BatchNormTrain(nil, nil, nil, nil, nil, nil, nil, nil, 0.99, 1e-3, 0, 0)
	BatchNormInfer(nil, nil, nil, nil, nil, nil, 1e-3, 0, 0)
	BatchNormBackward(nil, nil, nil, nil, nil, nil, nil, 0, 0)
	// No rows in the backward pass: dgamma and dbeta are 0.
	dg, db := []float32{1, 1, 1}, []float32{1, 1, 1}
	BatchNormBackward(nil, dg, db, nil, nil, s(3), nil, 0, cols)
	if !sameBits(dg, s(3)) || !sameBits(db, s(3)) {
		t.Errorf("BatchNormBackward with no rows: dgamma %v, dbeta %v; want zeros", dg, db)
	}
}

// TestBatchNormNoAllocs checks that the kernels on slices of stack arrays allocate nothing, with
// the optional operands present and nil, on a shape of two column blocks.
func TestBatchNormNoAllocs(t *testing.T) {
	const rows, cols = 4, 70
	allocs := testing.AllocsPerRun(100, func() {
		var x, out, xhat, din [rows * cols]float32
		var gamma, beta, mm, mv, invStd, dgamma, dbeta [cols]float32
		for i := range x {
			x[i] = float32(i%7) - 3
		}
		for j := range gamma {
			gamma[j], mv[j] = 1, 1
		}
		BatchNormTrain(out[:], xhat[:], invStd[:], x[:], gamma[:], beta[:], mm[:], mv[:], 0.99, 1e-3, rows, cols)
		BatchNormTrain(out[:], xhat[:], invStd[:], x[:], nil, nil, mm[:], mv[:], 0.99, 1e-3, rows, cols)
		BatchNormInfer(out[:], x[:], gamma[:], beta[:], mm[:], mv[:], 1e-3, rows, cols)
		BatchNormInfer(out[:], out[:], nil, nil, mm[:], mv[:], 1e-3, rows, cols)
		BatchNormBackward(din[:], dgamma[:], dbeta[:], out[:], xhat[:], invStd[:], gamma[:], rows, cols)
		BatchNormBackward(din[:], nil, nil, out[:], xhat[:], invStd[:], nil, rows, cols)
		sink += out[3] + din[5] + dgamma[2] + dbeta[1] + mm[0] + mv[0]
	})
	if allocs != 0 {
		t.Errorf("the batch-normalisation kernels on stack arrays allocate %v times per run", allocs)
	}
}

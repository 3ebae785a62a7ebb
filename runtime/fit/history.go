package fit

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/nngen/nngen/runtime/internal/atomicfile"
)

// HistoryHeader is the first line of WriteHistory's CSV for the metrics: "epoch", then Keras' keys
// (loss, the metrics, and val_ before each) in alphabetical order, as CSVLogger writes them, and
// nngen's seconds per epoch at the end. For [accuracy]: epoch,accuracy,loss,val_accuracy,val_loss,seconds.
func HistoryHeader(metrics []string) string {
	return "epoch," + strings.Join(historyKeys(metrics), ",") + ",seconds"
}

// historyKeys are the history's keys in CSVLogger's order.
func historyKeys(metrics []string) []string {
	keys := []string{"loss", "val_loss"}
	for _, m := range metrics {
		keys = append(keys, m, "val_"+m)
	}
	sort.Strings(keys)
	return keys
}

// WriteHistory writes the history of a Fit with the metrics metrics as CSV (see HistoryHeader)
// to path, atomically: a temporary file in the same folder, then a rename. Numbers are written
// in full precision; a NaN (no validation set) is an empty cell. On error path is unchanged
// and no temporary file is left behind.
func WriteHistory(path string, metrics []string, history []Epoch) error {
	keys := historyKeys(metrics)
	err := atomicfile.Write(path, func(w io.Writer) error {
		b := []byte(HistoryHeader(metrics) + "\n")
		for _, h := range history {
			values := map[string]float64{"loss": h.Loss, "val_loss": h.ValLoss}
			for i, m := range metrics {
				values[m], values["val_"+m] = h.Metrics[i], h.ValMetrics[i]
			}
			b = strconv.AppendInt(b, int64(h.Epoch), 10)
			for _, k := range keys {
				b = appendCell(b, values[k])
			}
			b = appendCell(b, h.Seconds)
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

// appendCell appends a comma and v, or nothing after the comma for NaN.
func appendCell(b []byte, v float64) []byte {
	b = append(b, ',')
	if !math.IsNaN(v) {
		b = strconv.AppendFloat(b, v, 'g', -1, 64)
	}
	return b
}

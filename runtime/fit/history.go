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

// RateKey is the history's key of the learning rate, Keras 3's: CSVLogger writes it when
// ReduceLROnPlateau or LearningRateScheduler has put it into the epoch's logs.
const RateKey = "learning_rate"

// HistoryHeader is the first line of WriteHistory's CSV for the metrics: "epoch", then Keras' keys
// (loss, the metrics, and val_ before each, and learning_rate when withRate is true) in
// alphabetical order, as CSVLogger writes them, and nngen's seconds per epoch at the end. For
// [accuracy]: epoch,accuracy,loss,val_accuracy,val_loss,seconds; with the learning rate:
// epoch,accuracy,learning_rate,loss,val_accuracy,val_loss,seconds.
func HistoryHeader(metrics []string, withRate bool) string {
	return "epoch," + strings.Join(historyKeys(metrics, withRate), ",") + ",seconds"
}

// historyKeys are the history's keys in CSVLogger's order.
func historyKeys(metrics []string, withRate bool) []string {
	keys := []string{"loss", "val_loss"}
	for _, m := range metrics {
		keys = append(keys, m, "val_"+m)
	}
	if withRate {
		keys = append(keys, RateKey)
	}
	sort.Strings(keys)
	return keys
}

// RateChanged reports whether the learning rate differs between two epochs of history (the
// epochs whose rate is unknown, NaN, do not count): WriteHistory then writes its column.
func RateChanged(history []Epoch) bool {
	first := math.NaN()
	for _, h := range history {
		switch {
		case math.IsNaN(h.LearningRate):
		case math.IsNaN(first):
			first = h.LearningRate
		case h.LearningRate != first:
			return true
		}
	}
	return false
}

// WriteHistory writes the history of a Fit with the metrics metrics as CSV (see HistoryHeader)
// to path, atomically: a temporary file in the same folder, then a rename. The learning_rate
// column is written only when the rate changed during the run (RateChanged: a schedule or
// ReduceLROnPlateau changed it), so that a run at a constant rate has the header it always had;
// Keras writes it whenever such a callback is present. Numbers are written in full precision; a
// NaN (no validation set, a rate the network does not tell) is an empty cell. On error path is
// unchanged and no temporary file is left behind.
func WriteHistory(path string, metrics []string, history []Epoch) error {
	withRate := RateChanged(history)
	keys := historyKeys(metrics, withRate)
	err := atomicfile.Write(path, func(w io.Writer) error {
		b := []byte(HistoryHeader(metrics, withRate) + "\n")
		for _, h := range history {
			values := map[string]float64{"loss": h.Loss, "val_loss": h.ValLoss, RateKey: h.LearningRate}
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

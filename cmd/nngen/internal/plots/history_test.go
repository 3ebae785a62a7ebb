package plots

import (
	"math"
	"os"
	"strings"
	"testing"
)

// TestParseHistory reads nngen's history, a Keras CSVLogger file (no seconds column), and one
// with empty cells, and checks the best epoch and the panels.
func TestParseHistory(t *testing.T) {
	h, err := ParseHistory("runs/mnist_history.csv", []byte("epoch,accuracy,loss,val_accuracy,val_loss,seconds\n0,0.9,0.3,0.95,0.2,1.5\n1,0.95,0.2,0.96,0.15,1.4\n2,0.97,0.1,0.96,0.17,1.4\n"))
	if err != nil {
		t.Fatal(err)
	}
	if h.Name != "mnist" || len(h.Epochs) != 3 || strings.Join(h.Keys, ",") != "accuracy,loss,val_accuracy,val_loss" {
		t.Errorf("history %+v", h)
	}
	if q := strings.Join(h.Quantities(), ","); q != "loss,accuracy" {
		t.Errorf("quantities %s, want loss,accuracy", q)
	}
	if best, key := h.Best(); best != 1 || key != "val_loss" {
		t.Errorf("best %d by %s, want 1 by val_loss", best, key)
	}
	if h.RateChanges() {
		t.Error("a history without learning_rate has a changing rate")
	}
	// Keras' CSVLogger with ReduceLROnPlateau: no seconds; no validation; a rate that changes.
	h, err = ParseHistory("log.csv", []byte("epoch,learning_rate,loss\n0,0.001,0.5\n1,0.001,0.4\n2,0.0001,0.45\n"))
	if err != nil {
		t.Fatal(err)
	}
	if best, key := h.Best(); best != 1 || key != "loss" || !h.RateChanges() || strings.Join(h.Quantities(), ",") != "loss" {
		t.Errorf("best %d by %s, rate changes %v, quantities %v", best, key, h.RateChanges(), h.Quantities())
	}
	// Empty cells are NaN; a resumed run's unknown rates do not count as a change.
	h, err = ParseHistory("h.csv", []byte("epoch,learning_rate,loss,val_loss\n0,,0.5,\n1,0.001,0.4,\n2,0.001,0.3,\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(h.Values["val_loss"][0]) || !math.IsNaN(h.Values[RateKey][0]) || h.RateChanges() {
		t.Errorf("values %v", h.Values)
	}
	if best, key := h.Best(); best != 2 || key != "loss" {
		t.Errorf("best %d by %s, want 2 by loss (no val_loss value)", best, key)
	}
}

// TestParseHistoryErrors checks that a broken history names the file, the line and the fix.
func TestParseHistoryErrors(t *testing.T) {
	for _, tc := range []struct{ csv, want string }{
		{"", "h.csv: empty; want a history CSV"},
		{"loss,epoch\n0.5,0\n", `h.csv:1: the first column is "loss"; want epoch`},
		{"epoch,seconds\n0,1\n", "h.csv:1: no column to plot"},
		{"epoch,loss,loss\n0,1,1\n", `h.csv:1: column "loss" appears twice`},
		{"epoch,loss\n", "h.csv: a header and no epoch"},
		{"epoch,loss\n0,0.5\n1\n", "h.csv:3: 1 cells; want 2"},
		{"epoch,loss\n0,0.5\nx,0.4\n", `h.csv:3: epoch "x"; want a count from 0`},
		{"epoch,loss\n1,0.5\n1,0.4\n", "h.csv:3: epoch 1 after epoch 1; want increasing epochs"},
		{"epoch,loss\n0,inf\n", `h.csv:2: loss is "inf"; want a finite number or an empty cell`},
	} {
		_, err := ParseHistory("h.csv", []byte(tc.csv))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.csv, err, tc.want)
		}
	}
}

// TestReportDataErrors checks the report data reader's errors.
func TestReportDataErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ csv, want string }{
		{"a,b\n", `is not a report data header`},
		{confusionCorner + ",a\n", "1 classes; want at least 2"},
		{confusionCorner + ",a,b\na,1,2\n", "1 lines of counts for 2 classes"},
		{confusionCorner + ",a,b\na,1,2\nb,1,-2\n", `:3: count "-2"`},
		{pairsHeader + "\n", "a header and no values"},
		{pairsHeader + "\ny,1,NaN\n", `:2: "NaN"; want a finite number`},
	} {
		path := dir + "/r.csv"
		writeFile(t, path, tc.csv)
		if _, err := ReadReportData(path); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.csv, err, tc.want)
		}
	}
	if !IsReportData(confusionCorner+",a,b") || !IsReportData(pairsHeader) || IsReportData("epoch,loss") {
		t.Error("IsReportData")
	}
}

// writeFile writes text to path.
func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

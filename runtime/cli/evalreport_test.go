package cli

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// handConfusion is a matrix worked by hand: class fish is never predicted, so its precision is
// ill-defined (scikit-learn sets it to 0 and warns).
//
//	true \ predicted  cat  dog  fish
//	cat                 3    1     0
//	dog                 1    2     0
//	fish                1    1     0
func handConfusion() *confusion {
	return &confusion{Names: []string{"cat", "dog", "fish"}, Counts: []int{3, 1, 0, 1, 2, 0, 1, 1, 0}}
}

// TestScores checks precision, recall, F1 and support against the hand-computed values.
func TestScores(t *testing.T) {
	s, warnings := handConfusion().scores()
	want := []classScores{
		{Precision: 3.0 / 5, Recall: 3.0 / 4, F1: 6.0 / 9, Support: 4},
		{Precision: 2.0 / 4, Recall: 2.0 / 3, F1: 4.0 / 7, Support: 3},
		{Precision: 0, Recall: 0, F1: 0, Support: 2}, // never predicted: zero_division 0
	}
	for k := range want {
		g, w := s[k], want[k]
		if math.Abs(g.Precision-w.Precision) > 1e-15 || math.Abs(g.Recall-w.Recall) > 1e-15 || math.Abs(g.F1-w.F1) > 1e-15 || g.Support != w.Support {
			t.Errorf("class %d: %+v, want %+v", k, g, w)
		}
	}
	if len(warnings) != 1 || !strings.HasPrefix(warnings[0], "UndefinedMetricWarning: Precision is ill-defined and being set to 0.0 in labels with no predicted samples.") {
		t.Errorf("warnings %q, want scikit-learn's one on precision", warnings)
	}
}

// TestClassificationReport checks the text, character for character, against scikit-learn's
// layout: classification_report([cat]*4+[dog]*3+[fish]*2, the predictions of handConfusion).
// The averages by hand: macro precision (0.6+0.5+0)/3 = 0.37, recall (0.75+0.667+0)/3 = 0.47,
// F1 (0.667+0.571+0)/3 = 0.41; weighted precision (0.6·4+0.5·3)/9 = 0.43, recall 5/9 = 0.56,
// F1 (0.667·4+0.571·3)/9 = 0.49; accuracy 5/9 = 0.56.
func TestClassificationReport(t *testing.T) {
	got, _ := handConfusion().classificationReport(2)
	want := "" +
		"              precision    recall  f1-score   support\n" +
		"\n" +
		"         cat       0.60      0.75      0.67         4\n" +
		"         dog       0.50      0.67      0.57         3\n" +
		"        fish       0.00      0.00      0.00         2\n" +
		"\n" +
		"    accuracy                           0.56         9\n" +
		"   macro avg       0.37      0.47      0.41         9\n" +
		"weighted avg       0.43      0.56      0.49         9\n"
	if got != want {
		t.Errorf("report:\n%s\nwant:\n%s", got, want)
	}
	// A class name longer than "weighted avg" widens the first column.
	c := &confusion{Names: []string{"a-very-long-name", "b"}, Counts: []int{1, 0, 0, 1}}
	got, _ = c.classificationReport(2)
	if line := strings.Split(got, "\n")[2]; line != "a-very-long-name       1.00      1.00      1.00         1" {
		t.Errorf("line %q", line)
	}
}

// TestMatrixText checks the confusion matrix's table.
func TestMatrixText(t *testing.T) {
	c := &confusion{Names: []string{"a", "bb"}, Counts: []int{1234, 5, 0, 7}}
	want := "confusion matrix (a row per true class, a column per predicted class):\n" +
		"true     a    bb\n" +
		"   a  1234     5\n" +
		"  bb     0     7\n"
	if got := c.matrixText(); got != want {
		t.Errorf("matrix:\n%s\nwant:\n%s", got, want)
	}
}

// TestRegressionMetrics checks MAE, RMSE and R² against values worked by hand, and the table.
func TestRegressionMetrics(t *testing.T) {
	// Output 0: true 1, 2, 3, 4, predicted 2, 2, 3, 2: errors 1, 0, 0, 2; MAE 3/4, RMSE √(5/4),
	// R² 1 − 5/5 = 0 (Σ(y−ȳ)² = 2.25+0.25+0.25+2.25 = 5). Output 1: all true values 7, exactly
	// predicted: R² 1 (scikit-learn's force_finite).
	y := []float32{1, 7, 2, 7, 3, 7, 4, 7}
	p := []float32{2, 7, 2, 7, 3, 7, 2, 7}
	s := regressionMetrics(y, p, 4, 2)
	want := []regressionScores{{0.75, math.Sqrt(1.25), 0}, {0, 0, 1}}
	for j := range want {
		if math.Abs(s[j].MAE-want[j].MAE) > 1e-12 || math.Abs(s[j].RMSE-want[j].RMSE) > 1e-12 || math.Abs(s[j].R2-want[j].R2) > 1e-12 {
			t.Errorf("output %d: %+v, want %+v", j, s[j], want[j])
		}
	}
	// Constant true values predicted wrong: R² 0.
	if s := regressionMetrics([]float32{5, 5}, []float32{4, 6}, 2, 1); s[0].R2 != 0 {
		t.Errorf("R² of constant targets %v, want 0", s[0].R2)
	}
	got := regressionReport([]string{"y", "z"}, s, 4, 4)
	wantText := "" +
		"                   mae      rmse        r2   samples\n" +
		"\n" +
		"          y     0.7500    1.1180    0.0000         4\n" +
		"          z     0.0000    0.0000    1.0000         4\n" +
		"\n" +
		"uniform avg     0.3750    0.5590    0.5000         4\n"
	if got != wantText {
		t.Errorf("table:\n%s\nwant:\n%s", got, wantText)
	}
}

// TestRunEvalReport runs -eval with -report-data on the tiny job, whose predictor says class 1
// for every sample: class 0 is never predicted.
func TestRunEvalReport(t *testing.T) {
	j, _, _, dir := job(t)
	j.Predict = func(x, y []float32) {
		for i := 0; i < len(y); i += 2 {
			y[i], y[i+1] = 0.25, 0.75
		}
	}
	data := filepath.Join(dir, "report.csv")
	var out, errOut bytes.Buffer
	if err := Run(j, []string{"-eval", "-weights", "w", "-report-data", data}, &out, &errOut); err != nil {
		t.Fatalf("Run: %v\n%s", err, errOut.String())
	}
	// The test labels are 1, 0, 1, 0.
	for _, want := range []string{
		"true  0  1\n   0  0  2\n   1  0  2\n",
		"           0       0.00      0.00      0.00         2\n",
		"           1       0.50      1.00      0.67         2\n",
		"    accuracy                           0.50         4\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "test loss: ") {
		t.Errorf("last line %q, want the test loss and metrics", last)
	}
	if !strings.Contains(errOut.String(), "UndefinedMetricWarning: Precision is ill-defined") {
		t.Errorf("stderr lacks the warning:\n%s", errOut.String())
	}
	if b, err := os.ReadFile(data); err != nil || string(b) != "true\\predicted,0,1\n0,0,2\n1,0,2\n" {
		t.Errorf("report data %q, %v", b, err)
	}
	// -report-data belongs to -eval.
	if err := Run(j, []string{"-report-data", data}, &out, &errOut); err == nil || !strings.Contains(err.Error(), "give -eval too") {
		t.Errorf("-report-data without -eval: %v", err)
	}
}

package cli

import (
	"fmt"
	"math"
	"strings"
)

// regressionScores are one output's errors over a set, as scikit-learn's mean_absolute_error,
// root_mean_squared_error and r2_score compute them.
type regressionScores struct {
	MAE, RMSE, R2 float64
}

// regressionMetrics returns the scores of each of the outputs for n samples of true values y and
// predictions p (n rows of outputs each). R² is 1 − Σ(y−p)² / Σ(y−ȳ)²; for an output whose true
// values are all equal it is 1 when the predictions are exact and 0 otherwise, as scikit-learn's
// r2_score with force_finite=True.
func regressionMetrics(y, p []float32, n, outputs int) []regressionScores {
	s := make([]regressionScores, outputs)
	for j := range s {
		var mean float64
		for i := range n {
			mean += float64(y[i*outputs+j])
		}
		mean /= float64(n)
		var abs, sq, dev float64
		for i := range n {
			t, e := float64(y[i*outputs+j]), float64(p[i*outputs+j])
			abs += math.Abs(t - e)
			sq += (t - e) * (t - e)
			dev += (t - mean) * (t - mean)
		}
		s[j].MAE, s[j].RMSE = abs/float64(n), math.Sqrt(sq/float64(n))
		switch {
		case dev != 0:
			s[j].R2 = 1 - sq/dev
		case sq == 0:
			s[j].R2 = 1
		}
	}
	return s
}

// regressionReport is a table of each output's MAE, RMSE and R² in the layout of scikit-learn's
// classification_report (a column of names, columns of 9 characters, digits decimals), and, for
// several outputs, a last line of their means (scikit-learn's multioutput="uniform_average").
func regressionReport(names []string, s []regressionScores, samples, digits int) string {
	const lastHeading = "uniform avg"
	width := max(len(lastHeading), digits)
	for _, name := range names {
		width = max(width, len(name))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%*s  %9s %9s %9s %9s\n\n", width, "", "mae", "rmse", "r2", "samples")
	row := func(name string, r regressionScores) {
		fmt.Fprintf(&b, "%*s  %9.*f %9.*f %9.*f %9d\n", width, name, digits, r.MAE, digits, r.RMSE, digits, r.R2, samples)
	}
	var mean regressionScores
	for j, name := range names {
		row(name, s[j])
		mean.MAE += s[j].MAE
		mean.RMSE += s[j].RMSE
		mean.R2 += s[j].R2
	}
	if k := float64(len(s)); k > 1 {
		b.WriteString("\n")
		row(lastHeading, regressionScores{mean.MAE / k, mean.RMSE / k, mean.R2 / k})
	}
	return b.String()
}

package cli

import (
	"fmt"
	"strings"
)

// confusion is a classifier's confusion matrix over a set: Counts[t*len(Names)+p] samples of
// true class t were predicted as class p.
type confusion struct {
	Names  []string
	Counts []int
}

// classes is the number of classes.
func (c *confusion) classes() int { return len(c.Names) }

// at is the count of true class t predicted as p.
func (c *confusion) at(t, p int) int { return c.Counts[t*len(c.Names)+p] }

// classScores are one class's precision, recall, F1 and support, as scikit-learn's
// precision_recall_fscore_support computes them with zero_division "warn": a ratio whose
// denominator is 0 is 0.
type classScores struct {
	Precision, Recall, F1 float64
	Support               int
}

// scores returns each class's scores, and scikit-learn's UndefinedMetricWarning messages for the
// ratios it set to 0: a class never predicted (precision), a class with no true sample (recall).
// F1 is 2·tp / (2·tp + fp + fn), 0 when no sample is of the class or predicted as it; the
// warnings are those of scikit-learn 1.3 and later, which computes F1 from the counts too (1.2
// computes it from precision and recall, to the same value, and warns "Precision and F-score
// are ill-defined"). The report's text was checked against scikit-learn 1.2.1's.
func (c *confusion) scores() ([]classScores, []string) {
	n := c.classes()
	s := make([]classScores, n)
	var noPredicted, noTrue bool
	for k := range n {
		tp := c.at(k, k)
		var predicted, support int
		for j := range n {
			predicted += c.at(j, k)
			support += c.at(k, j)
		}
		s[k].Support = support
		if predicted > 0 {
			s[k].Precision = float64(tp) / float64(predicted)
		} else {
			noPredicted = true
		}
		if support > 0 {
			s[k].Recall = float64(tp) / float64(support)
		} else {
			noTrue = true
		}
		if d := 2*tp + (predicted - tp) + (support - tp); d > 0 {
			s[k].F1 = float64(2*tp) / float64(d)
		}
	}
	var warnings []string
	const tail = " Use `zero_division` parameter to control this behavior."
	if noPredicted {
		warnings = append(warnings, "UndefinedMetricWarning: Precision is ill-defined and being set to 0.0 in labels with no predicted samples."+tail)
	}
	if noTrue {
		warnings = append(warnings, "UndefinedMetricWarning: Recall is ill-defined and being set to 0.0 in labels with no true samples."+tail)
	}
	return s, warnings
}

// classificationReport is scikit-learn's classification_report(y_true, y_pred,
// labels=range(classes), target_names=Names, digits=digits) for the samples the matrix counts,
// character for character (sklearn/metrics/_classification.py): a header, a line per class, then
// accuracy (the micro average, which is the accuracy when every class is a label), the macro
// average (the mean over classes) and the weighted average (weighted by support). Its second
// result is scikit-learn's warnings (see scores).
func (c *confusion) classificationReport(digits int) (string, []string) {
	s, warnings := c.scores()
	const lastHeading = "weighted avg"
	width := max(len(lastHeading), digits)
	for _, name := range c.Names {
		width = max(width, len(name))
	}
	var b strings.Builder
	// head_fmt = "{:>{width}s} " + " {:>9}" * 4, then two newlines.
	fmt.Fprintf(&b, "%*s %s\n\n", width, "", fmt.Sprintf(" %9s %9s %9s %9s", "precision", "recall", "f1-score", "support"))
	// row_fmt = "{:>{width}s} " + " {:>9.{digits}f}" * 3 + " {:>9}\n"
	row := func(name string, p, r, f float64, support int) {
		fmt.Fprintf(&b, "%*s  %9.*f %9.*f %9.*f %9d\n", width, name, digits, p, digits, r, digits, f, support)
	}
	var total, correct int
	var macro, weighted classScores
	for k, name := range c.Names {
		row(name, s[k].Precision, s[k].Recall, s[k].F1, s[k].Support)
		total += s[k].Support
		correct += c.at(k, k)
		macro.Precision += s[k].Precision
		macro.Recall += s[k].Recall
		macro.F1 += s[k].F1
		w := float64(s[k].Support)
		weighted.Precision += s[k].Precision * w
		weighted.Recall += s[k].Recall * w
		weighted.F1 += s[k].F1 * w
	}
	b.WriteString("\n")
	accuracy := 0.0
	if total > 0 {
		accuracy = float64(correct) / float64(total)
	}
	// row_fmt_accuracy: two empty cells of {:>9.{digits}}, then the accuracy and the support.
	fmt.Fprintf(&b, "%*s  %9s %9s %9.*f %9d\n", width, "accuracy", "", "", digits, accuracy, total)
	k := float64(c.classes())
	row("macro avg", macro.Precision/k, macro.Recall/k, macro.F1/k, total)
	if total > 0 {
		t := float64(total)
		row(lastHeading, weighted.Precision/t, weighted.Recall/t, weighted.F1/t, total)
	} else {
		row(lastHeading, 0, 0, 0, total)
	}
	return b.String(), warnings
}

// matrixText is the confusion matrix as a table: a line per true class, a column per predicted
// class headed by its name, all columns as wide as the widest name or count, right-aligned, two
// spaces apart.
func (c *confusion) matrixText() string {
	n := c.classes()
	nameWidth := len("true")
	for _, name := range c.Names {
		nameWidth = max(nameWidth, len(name))
	}
	width := 0
	for _, name := range c.Names {
		width = max(width, len(name))
	}
	for _, v := range c.Counts {
		width = max(width, len(fmt.Sprint(v)))
	}
	var b strings.Builder
	b.WriteString("confusion matrix (a row per true class, a column per predicted class):\n")
	fmt.Fprintf(&b, "%-*s", nameWidth, "true")
	for _, name := range c.Names {
		fmt.Fprintf(&b, "  %*s", width, name)
	}
	b.WriteString("\n")
	for t, name := range c.Names {
		fmt.Fprintf(&b, "%*s", nameWidth, name)
		for p := range n {
			fmt.Fprintf(&b, "  %*d", width, c.at(t, p))
		}
		b.WriteString("\n")
	}
	return b.String()
}

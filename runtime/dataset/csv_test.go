package dataset

import (
	"errors"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// csvGood is a file ReadCSV reads, and the Set it gives.
type csvGood struct {
	name string
	file string
	opt  CSVOptions
	want Set
}

// csvGoodFiles are read by TestReadCSV and seed FuzzReadCSV.
var csvGoodFiles = []csvGood{
	{"iris header, label by name, spaces around names and values",
		"Sepal length, Sepal width,Petal length , Petal width,Species\n5.1,3.5,1.4,0.2,setosa\n 7.0 ,3.2,4.7,1.4, versicolor\n6.3,3.3,6.0,2.5,virginica \n4.9,3.0,1.4,0.2,setosa\n",
		CSVOptions{Header: true, Label: []Column{{Name: " Species"}}, Inputs: 4},
		Set{F: []float32{5.1, 3.5, 1.4, 0.2, 7, 3.2, 4.7, 1.4, 6.3, 3.3, 6, 2.5, 4.9, 3, 1.4, 0.2}, Labels: []int32{0, 1, 2, 0},
			Classes: []string{"setosa", "versicolor", "virginica"}, N: 4, Features: 4}},
	{"no header, default label is the last column, numeric classes: 10 after 9",
		"1,10\n2,9\n3,0\n4,2\n5,10\n",
		CSVOptions{},
		Set{F: []float32{1, 2, 3, 4, 5}, Labels: []int32{3, 2, 0, 1, 3}, Classes: []string{"0", "2", "9", "10"}, N: 5, Features: 1}},
	{"labels 0 to 9 are classes 0 to 9",
		"0,0\n1,1\n2,2\n3,3\n4,4\n5,5\n6,6\n7,7\n8,8\n9,9\n",
		CSVOptions{},
		Set{F: []float32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, Labels: []int32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9},
			Classes: []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}, N: 10, Features: 1}},
	{"string classes in byte order; one number among them makes them strings",
		"1,republican\n2,democrat\n3,Democrat\n4,10\n",
		CSVOptions{},
		Set{F: []float32{1, 2, 3, 4}, Labels: []int32{3, 2, 1, 0}, Classes: []string{"10", "Democrat", "democrat", "republican"}, N: 4, Features: 1}},
	{"equal numbers with different text are different classes, ordered by their text",
		"1,1.0\n2,1\n3,-2\n4,+1\n",
		CSVOptions{},
		Set{F: []float32{1, 2, 3, 4}, Labels: []int32{3, 2, 0, 1}, Classes: []string{"-2", "+1", "1", "1.0"}, N: 4, Features: 1}},
	{"quoted fields with delimiters, quotes and line ends inside",
		"\"a,b\",\"say \"\"hi\"\"\",label\n\"1.5\",\" 2 \",\"multi\nline\"\n3,4,\"x,y\"\n",
		CSVOptions{Header: true},
		Set{F: []float32{1.5, 2, 3, 4}, Labels: []int32{0, 1}, Classes: []string{"multi\nline", "x,y"}, N: 2, Features: 2}},
	{"spaces before a quoted field",
		"1, \"2\", \"a\"\n3,  4,b\n",
		CSVOptions{},
		Set{F: []float32{1, 2, 3, 4}, Labels: []int32{0, 1}, Classes: []string{"a", "b"}, N: 2, Features: 2}},
	{"CRLF line ends",
		"x,y,label\r\n1,2,a\r\n3,4,b\r\n",
		CSVOptions{Header: true},
		Set{F: []float32{1, 2, 3, 4}, Labels: []int32{0, 1}, Classes: []string{"a", "b"}, N: 2, Features: 2}},
	{"a UTF-8 byte order mark before the header",
		"\ufeffx,label\n1,a\n",
		CSVOptions{Header: true, Label: []Column{{Name: "label"}}, Features: []Column{{Name: "x"}}},
		Set{F: []float32{1}, Labels: []int32{0}, Classes: []string{"a"}, N: 1, Features: 1}},
	{"a byte order mark without a header",
		"\ufeff1,a\n",
		CSVOptions{},
		Set{F: []float32{1}, Labels: []int32{0}, Classes: []string{"a"}, N: 1, Features: 1}},
	{"blank lines between and after the records, and no line end at the end",
		"\n1,2,a\n\n3,4,b\n\n\r\n\n5,6,a",
		CSVOptions{},
		Set{F: []float32{1, 2, 3, 4, 5, 6}, Labels: []int32{0, 1, 0}, Classes: []string{"a", "b"}, N: 3, Features: 2}},
	{"lines of spaces are blank lines",
		"  \n1,2,a\n \t \n3,4,b\n   ",
		CSVOptions{},
		Set{F: []float32{1, 2, 3, 4}, Labels: []int32{0, 1}, Classes: []string{"a", "b"}, N: 2, Features: 2}},
	{"';' delimiter",
		"a;b;c\n1.5;-2e-3;yes\n0;.5;no\n",
		CSVOptions{Delimiter: ';', Header: true},
		Set{F: []float32{1.5, -2e-3, 0, .5}, Labels: []int32{1, 0}, Classes: []string{"no", "yes"}, N: 2, Features: 2}},
	{"tab delimiter",
		"1\t2\ta\n3\t4\tb\n",
		CSVOptions{Delimiter: '\t'},
		Set{F: []float32{1, 2, 3, 4}, Labels: []int32{0, 1}, Classes: []string{"a", "b"}, N: 2, Features: 2}},
	{"a delimiter of several bytes",
		"1¦2¦a\n3¦4¦b\n",
		CSVOptions{Delimiter: '¦'},
		Set{F: []float32{1, 2, 3, 4}, Labels: []int32{0, 1}, Classes: []string{"a", "b"}, N: 2, Features: 2}},
	{"label by index, first column",
		"b,1,2\na,3,4\n",
		CSVOptions{Label: []Column{{Index: 0}}},
		Set{F: []float32{1, 2, 3, 4}, Labels: []int32{1, 0}, Classes: []string{"a", "b"}, N: 2, Features: 2}},
	{"label by index with a header",
		"label,x\n7,0.25\n",
		CSVOptions{Header: true, Label: []Column{{Index: 0}}},
		Set{F: []float32{0.25}, Labels: []int32{0}, Classes: []string{"7"}, N: 1, Features: 1}},
	{"features chosen in another order, by name and index, one column unused",
		"id,x,y,z,label\n100,1,2,3,a\n101,4,5,6,b\n",
		CSVOptions{Header: true, Features: []Column{{Name: "z"}, {Index: 1}}, Label: []Column{{Name: "label"}}, Inputs: 2},
		Set{F: []float32{3, 1, 6, 4}, Labels: []int32{0, 1}, Classes: []string{"a", "b"}, N: 2, Features: 2}},
	{"regression, default label is the last column",
		"1,2,0.5\n3,4,-1.25\n",
		CSVOptions{Regression: true},
		Set{F: []float32{1, 2, 3, 4}, Targets: []float32{0.5, -1.25}, TargetSize: 1, N: 2, Features: 2}},
	{"regression with two targets by name, between features",
		"y1,x1,y2,x2\n1,10,2,20\n3,30,4,40\n5,50,6,60\n",
		CSVOptions{Header: true, Regression: true, Label: []Column{{Name: "y2"}, {Name: "y1"}}},
		Set{F: []float32{10, 20, 30, 40, 50, 60}, Targets: []float32{2, 1, 4, 3, 6, 5}, TargetSize: 2, N: 3, Features: 2}},
	{"given classes map a test file's labels to the training set's indexes",
		"1,virginica\n2,setosa\n3,virginica\n",
		CSVOptions{Classes: []string{"setosa", "versicolor", "virginica"}},
		Set{F: []float32{1, 2, 3}, Labels: []int32{2, 0, 2}, Classes: []string{"setosa", "versicolor", "virginica"}, N: 3, Features: 1}},
	{"number syntax: signs, exponents, no leading digit, hex, underflow to zero, float32 rounding",
		"+5,-0,.5,5.,1E3,0x1p-2,1e-50,0.1,a\n",
		CSVOptions{},
		Set{F: []float32{5, 0, .5, 5, 1000, .25, 0, 0.1}, Labels: []int32{0}, Classes: []string{"a"}, N: 1, Features: 8}},
	{"the largest float32 and values that round to it",
		"3.4028235e38,-3.4028235e38,3.40282356e38,a\n",
		CSVOptions{},
		Set{F: []float32{3.4028235e38, -3.4028235e38, 3.4028235e38}, Labels: []int32{0}, Classes: []string{"a"}, N: 1, Features: 3}},
	{"header names that are numbers, unused duplicate names",
		"1,x,x,label\n1,2,3,a\n",
		CSVOptions{Header: true, Label: []Column{{Name: "label"}}},
		Set{F: []float32{1, 2, 3}, Labels: []int32{0}, Classes: []string{"a"}, N: 1, Features: 3}},
}

func TestReadCSV(t *testing.T) {
	for _, tc := range csvGoodFiles {
		got, err := ReadCSVFrom("data/x.csv", strings.NewReader(tc.file), int64(len(tc.file)), tc.opt)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !reflect.DeepEqual(*got, tc.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, *got, tc.want)
		}
		// The same from a file, and from a reader of unknown size.
		fromFile, err := ReadCSV(write(t, "x.csv", []byte(tc.file)), tc.opt)
		if err != nil || !reflect.DeepEqual(fromFile, got) {
			t.Errorf("%s: from a file %+v, %v", tc.name, fromFile, err)
		}
		unsized, err := ReadCSVFrom("", strings.NewReader(tc.file), -1, tc.opt)
		if err != nil || !reflect.DeepEqual(unsized, got) {
			t.Errorf("%s: of unknown size %+v, %v", tc.name, unsized, err)
		}
	}
}

// csvBad is a file ReadCSV refuses, and its error.
type csvBad struct {
	name string
	file string
	opt  CSVOptions
	want string // the error; every line starts with "dataset: data/x.csv" unless it is "..."
}

// csvBadFiles are refused by TestReadCSVErrors and seed FuzzReadCSV.
var csvBadFiles = []csvBad{
	{"not a number, with a header",
		"Sepal length, Sepal width,Species\n5.1,3.5,setosa\n4.9,abc,setosa\n",
		CSVOptions{Header: true},
		`dataset: data/x.csv:3: column "Sepal width" (index 1): "abc" is not a number; want a number such as 3.5 or -2e-3`},
	{"not a number, without a header",
		"1,2,a\n3,x y ,b\n",
		CSVOptions{},
		`dataset: data/x.csv:2: column index 1: "x y" is not a number; want a number such as 3.5 or -2e-3`},
	{"a decimal comma",
		"a;b\n1,5;x\n",
		CSVOptions{Header: true, Delimiter: ';'},
		`dataset: data/x.csv:2: column "a" (index 0): "1,5" is not a number; want a number such as 3.5 or -2e-3 (a decimal comma is not read: write 1.5)`},
	{"every problem at once, in file order",
		"x,y,label\n1,,a\nNaN,2,b\n1,inf,c\n1e39,-1e400,d\n1,2\n1,2,\n1,2,3,4\n",
		CSVOptions{Header: true},
		`dataset: data/x.csv:2: column "y" (index 1): empty cell: missing values are not supported; fill them in or drop the row
dataset: data/x.csv:3: column "x" (index 0): "NaN" is not a number (NaN); missing values are not supported
dataset: data/x.csv:4: column "y" (index 1): "inf" is infinite; want a finite number
dataset: data/x.csv:5: column "x" (index 0): "1e39" does not fit a float32 (at most ±3.4028235e+38)
dataset: data/x.csv:5: column "y" (index 1): "-1e400" does not fit a float32 (at most ±3.4028235e+38)
dataset: data/x.csv:6: 2 fields, want 3 (as in the header on line 1)
dataset: data/x.csv:7: column "label" (index 2): empty label: every sample needs a class
dataset: data/x.csv:8: 4 fields, want 3 (as in the header on line 1)`},
	{"wrong field count without a header, after blank lines",
		"\n\n1,2,a\n1,2\n1\n",
		CSVOptions{},
		`dataset: data/x.csv:4: 2 fields, want 3 (as on line 3, the first record)
dataset: data/x.csv:5: 1 field, want 3 (as on line 3, the first record)`},
	{"a line of spaces in a file of one column is an empty cell",
		"1\n  \n",
		CSVOptions{NoLabels: true, Inputs: 1},
		`dataset: data/x.csv:2: column index 0: empty cell: missing values are not supported; fill them in or drop the row`},
	{"the line of a field after a quoted line end",
		"x,y,label\n1,2,\"a\nb\"\n3,\"\nz\",b\n",
		CSVOptions{Header: true},
		"dataset: data/x.csv:4: column \"y\" (index 1): \"z\" is not a number; want a number such as 3.5 or -2e-3"},
	{"more than 20 problems",
		"x,label\n" + strings.Repeat("a,b\n", 25),
		CSVOptions{Header: true},
		strings.Repeat(`dataset: data/x.csv:N: column "x" (index 0): "a" is not a number; want a number such as 3.5 or -2e-3`+"\n", 20) + "... and 5 more problems"},
	{"a long value is cut short",
		"x,label\n" + strings.Repeat("é", 30) + ",a\n",
		CSVOptions{Header: true},
		`dataset: data/x.csv:2: column "x" (index 0): "` + strings.Repeat("é", 20) + `"… (60 bytes) is not a number; want a number such as 3.5 or -2e-3`},
	{"empty file", "", CSVOptions{},
		"dataset: data/x.csv: empty file: want one sample per line"},
	{"empty file with a header", "\ufeff\n\r\n\n", CSVOptions{Header: true},
		"dataset: data/x.csv: empty file: want a header line naming the columns, then one sample per line"},
	{"only a header", "\nx,y,label\n\n", CSVOptions{Header: true},
		"dataset: data/x.csv:2: only a header, no samples; want one sample per line after it"},
	{"only a header and many lines of spaces", "x,y,label\n" + strings.Repeat("  \n", 1500), CSVOptions{Header: true},
		"dataset: data/x.csv:1: only a header, no samples; want one sample per line after it"},
	{"only lines of spaces", strings.Repeat(" \n", 5), CSVOptions{},
		"dataset: data/x.csv: empty file: want one sample per line"},
	{"a label name not in the header",
		"sepal_length,sepal_width,species\n1,2,a\n",
		CSVOptions{Header: true, Label: []Column{{Name: "Specis"}}},
		`dataset: data/x.csv:1: label column "Specis" is not in the header; its columns are "sepal_length", "sepal_width", "species" (did you mean "species"?)`},
	{"feature names not in the header, many columns",
		"c0,c1,c2,c3,c4,c5,c6,c7,c8,c9,c10,c11\n" + strings.Repeat("1,", 11) + "a\n",
		CSVOptions{Header: true, Features: []Column{{Name: "c1"}, {Name: "width"}, {Name: "c99"}}},
		`dataset: data/x.csv:1: feature column "width" is not in the header; its columns are "c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9" and 2 more
dataset: data/x.csv:1: feature column "c99" is not in the header; its columns are "c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9" and 2 more (did you mean "c9"?)`},
	{"a name not in the header that is not UTF-8 (ToLower makes it longer)",
		"\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2,y\n1,2\n",
		CSVOptions{Header: true, Label: []Column{{Name: "\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe20"}}},
		`dataset: data/x.csv:1: label column "\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe20" is not in the header; its columns are "\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2\xe2", "y"`},
	{"names without a header",
		"1,2,a\n",
		CSVOptions{Label: []Column{{Name: "species"}}, Features: []Column{{Index: 0}, {Name: "x"}}},
		`dataset: data/x.csv:1: label column "species": columns are named only with header: true (a first line of names); without a header, give the column's index (from 0)
dataset: data/x.csv:1: feature column "x": columns are named only with header: true (a first line of names); without a header, give the column's index (from 0)`},
	{"indexes out of range",
		"1,2,a\n",
		CSVOptions{Label: []Column{{Index: 3}}, Features: []Column{{Index: -1}}},
		`dataset: data/x.csv:1: label column index 3 is out of range: the file has 3 columns (indexes 0 to 2)
dataset: data/x.csv:1: feature column index -1 is negative; indexes count from 0`},
	{"a column both label and feature, a feature twice",
		"x,y,label\n1,2,a\n",
		CSVOptions{Header: true, Label: []Column{{Name: "label"}}, Features: []Column{{Name: "x"}, {Index: 0}, {Index: 2}}},
		`dataset: data/x.csv:1: column "x" (index 0) is chosen twice as a feature
dataset: data/x.csv:1: column "label" (index 2) is chosen both as a label and as a feature`},
	{"a duplicate header name used",
		"x,y,x,label\n1,2,3,a\n",
		CSVOptions{Header: true, Features: []Column{{Name: "x"}, {Name: "y"}}},
		`dataset: data/x.csv:1: feature column "x" is in the header twice (indexes 0 and 2); choose it by index`},
	{"two labels for classification",
		"1,2,3\n",
		CSVOptions{Label: []Column{{Index: 1}, {Index: 2}}},
		`dataset: data/x.csv:1: 2 label columns for classification, which reads one; several label columns are regression targets (set regression)`},
	{"a label twice",
		"1,2,3\n",
		CSVOptions{Regression: true, Label: []Column{{Index: 2}, {Index: 2}}},
		`dataset: data/x.csv:1: column index 2 is chosen twice as a label`},
	{"one column: the wrong delimiter",
		"x;y;label\n1;2;a\n",
		CSVOptions{Header: true},
		`dataset: data/x.csv:1: no feature columns: the file has 1 column, and it is the label (the first line is one field: is the delimiter ';'?)`},
	{"every column a label",
		"1,2\n",
		CSVOptions{Regression: true, Label: []Column{{Index: 0}, {Index: 1}}},
		`dataset: data/x.csv:1: no feature columns: the file has 2 columns, and all are labels`},
	{"features other than the inputs, by default",
		"a,b,c,d,e,species\n1,2,3,4,5,x\n",
		CSVOptions{Header: true, Inputs: 4},
		`dataset: data/x.csv:1: 5 features, but the model takes 4 inputs; the features are every column but the label "species" (index 5): "a" (index 0), "b" (index 1), "c" (index 2), "d" (index 3), "e" (index 4)`},
	{"features other than the inputs, chosen, without a header",
		"1,2,3,4,5,6,7,8\n",
		CSVOptions{Features: []Column{{Index: 0}, {Index: 1}, {Index: 2}, {Index: 5}, {Index: 6}}, Inputs: 4},
		`dataset: data/x.csv:1: 5 features, but the model takes 4 inputs; the features chosen are indexes 0 to 2, 5, 6`},
	{"features other than the inputs, one label of several",
		"1,2,3,4,5,6,7,8\n",
		CSVOptions{Regression: true, Label: []Column{{Index: 3}, {Index: 7}}, Inputs: 7},
		`dataset: data/x.csv:1: 6 features, but the model takes 7 inputs; the features are every column but the labels at indexes 3, 7: indexes 0 to 2, 4 to 6`},
	{"a class not among the given ones",
		"x,species\n1,setosa\n2,virginca\n3,\n",
		CSVOptions{Header: true, Classes: []string{"setosa", "versicolor", "virginica"}},
		`dataset: data/x.csv:3: column "species" (index 1): "virginca" is not a known class; the classes are "setosa", "versicolor", "virginica" (did you mean "virginica"?)
dataset: data/x.csv:4: column "species" (index 1): empty label: every sample needs a class`},
	{"no classes given",
		"1,a\n",
		CSVOptions{Classes: []string{}},
		`dataset: data/x.csv:1: column index 1: "a" is not a known class; no classes are given`},
	{"a regression target that is not a number",
		"x,y\n1,2\n3,high\n",
		CSVOptions{Header: true, Regression: true},
		`dataset: data/x.csv:3: column "y" (index 1): "high" is not a number; want a number such as 3.5 or -2e-3`},
	{"a bare quote, and reading goes on",
		"1,2,a\n1,2\"5,b\n1,x,c\n",
		CSVOptions{},
		`dataset: data/x.csv:2:4: a " in a field that is not quoted; quote the whole field and double each " inside it ("say ""hi""")
dataset: data/x.csv:3: column index 1: "x" is not a number; want a number such as 3.5 or -2e-3`},
	{"a quote after a quoted field",
		"1,\"2\"5,a\n",
		CSVOptions{},
		`dataset: data/x.csv:1:5: extraneous or missing " in a quoted field; a quoted field ends with " right before the delimiter or the line end, and a " inside it is written ""`},
	{"a quoted field that is never closed",
		"1,2,a\n1,\"2,b\n1,2,c\n",
		CSVOptions{},
		`dataset: data/x.csv:3:7: extraneous or missing " in a quoted field (the record starts on line 2: is a closing " missing there?); a quoted field ends with " right before the delimiter or the line end, and a " inside it is written ""`},
	{"bad options",
		"1,a\n",
		CSVOptions{Delimiter: '"', MaxBytes: -1, Inputs: -2, Regression: true, Classes: []string{"a", "a"}},
		`dataset: data/x.csv: delimiter '"' cannot separate fields; use ',', ';', '\t' or another character
dataset: data/x.csv: memory limit -1 is negative; want a number of bytes, or 0 for 2.0 GiB
dataset: data/x.csv: inputs -2 is negative; want the number of features the model takes, or 0 for no check
dataset: data/x.csv: classes are given for regression targets, which have none
dataset: data/x.csv: class "a" is given twice`},
	{"a line end as delimiter", "1\n", CSVOptions{Delimiter: '\n'},
		`dataset: data/x.csv: delimiter '\n' cannot separate fields; use ',', ';', '\t' or another character`},
	{"an invalid rune as delimiter", "1\n", CSVOptions{Delimiter: 0xd800},
		`dataset: data/x.csv: delimiter '�' cannot separate fields; use ',', ';', '\t' or another character`},
	{"gzip", "\x1f\x8b\x08\x00", CSVOptions{},
		"dataset: data/x.csv: gzip-compressed; decompress it first (gunzip)"},
	{"UTF-16", "\xff\xfex\x00,\x00", CSVOptions{},
		"dataset: data/x.csv: UTF-16 text (it starts with a UTF-16 byte order mark); save it as UTF-8 CSV"},
}

func TestReadCSVErrors(t *testing.T) {
	for _, tc := range csvBadFiles {
		s, err := ReadCSVFrom("data/x.csv", strings.NewReader(tc.file), int64(len(tc.file)), tc.opt)
		want := tc.want
		if strings.Contains(want, ":N:") { // the repeated problem of "more than 20 problems"
			for i := range 20 {
				want = strings.Replace(want, ":N:", ":"+strconv.Itoa(i+2)+":", 1)
			}
		}
		if err == nil || err.Error() != want || s != nil {
			t.Errorf("%s: error\n%v\nwant\n%s", tc.name, err, want)
			continue
		}
		var list *CSVErrorList
		var one *CSVError
		if !errors.As(err, &list) || !errors.As(err, &one) || one != list.Problems[0] {
			t.Errorf("%s: %T is not a *CSVErrorList of *CSVError", tc.name, err)
		}
	}
}

func TestReadCSVFileErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.csv")
	if _, err := ReadCSV(missing, CSVOptions{}); err == nil || err.Error() != "dataset: "+missing+": no such file or directory" {
		t.Errorf("missing file: %v", err)
	}
	if _, err := ReadCSV(dir, CSVOptions{}); err == nil || err.Error() != "dataset: "+dir+": is a directory, not a CSV file" {
		t.Errorf("directory: %v", err)
	}
	// The path is in every line.
	path := write(t, "iris.csv", []byte("a,b\n1,x\n"))
	if _, err := ReadCSV(path, CSVOptions{Header: true, Regression: true}); err == nil ||
		err.Error() != "dataset: "+path+`:2: column "b" (index 1): "x" is not a number; want a number such as 3.5 or -2e-3` {
		t.Errorf("path: %v", err)
	}
}

package spec

import (
	"reflect"
	"testing"
)

// csvBase is a valid spec with a csv source, preprocessing and binary cross-entropy; the cases
// below change one of its lines (numbered from 1) each.
var csvBase = []string{
	"name: votes",
	"input: {shape: [4]}",
	"layers:",
	"  - {type: normalization}",
	"  - {type: dense, units: 8, activation: relu}",
	"  - {type: dense, units: 1, activation: sigmoid}",
	"compile: {optimizer: adam, loss: binary_crossentropy, metrics: [accuracy]}",
	"fit: {epochs: 1, batch_size: 8}",
	"data: {source: csv, train: data/train.csv, test: data/test.csv, label: party}",
}

// csvEdit is csvBase with the lines numbered in m replaced by their text; "" removes a line.
func csvEdit(m map[int]string) string { return editLines(csvBase, m) }

// TestParseCSVBad checks the exact messages for the mistakes a csv spec, the preprocessing layers
// and the new losses can hold.
func TestParseCSVBad(t *testing.T) {
	regression := map[int]string{6: "  - {type: dense, units: 1}", 7: "compile: {optimizer: adam, loss: mean_absolute_error, metrics: [mae]}"}
	with := func(m map[int]string, line int, text string) map[int]string {
		c := map[int]string{line: text}
		for k, v := range m {
			if k != line {
				c[k] = v
			}
		}
		return c
	}
	for _, tc := range []struct {
		name  string
		edits map[int]string
		want  string
	}{
		{"no train", map[int]string{9: "data: {source: csv, test: data/test.csv}"},
			`t.yaml:9:7: missing key "train" in data; want the CSV file of the training rows, relative to the spec's folder`},
		{"no test set", map[int]string{9: "data: {source: csv, train: data/train.csv}"},
			`t.yaml:9:7: missing key "test" in data; want the CSV file of the test rows, or test_split: a fraction of the training rows (such as 0.2) to test on`},
		{"two test sets", map[int]string{9: "data: {source: csv, train: data/train.csv, test: t.csv, test_split: 0.2}"},
			`t.yaml:9:69: data.test_split: the test set is data.test already; allowed: test or test_split, not both`},
		{"test_split range", map[int]string{9: "data: {source: csv, train: data/train.csv, test_split: 1.5}"},
			`t.yaml:9:56: data.test_split: 1.5 is out of range; allowed: > 0 and < 1`},
		{"delimiter of two characters", map[int]string{9: "data: {source: csv, train: a, test: b, delimiter: ab}"},
			`t.yaml:9:51: data.delimiter: want one character such as "," or ";" ("\t" for tabs), got "ab"`},
		{"quote as delimiter", map[int]string{9: `data: {source: csv, train: a, test: b, delimiter: '"'}`},
			`t.yaml:9:51: data.delimiter: "\"" cannot separate CSV fields; allowed: one character such as ",", ";" or "\t"`},
		{"two labels for a classifier", map[int]string{9: "data: {source: csv, train: a, test: b, label: [a, b]}"},
			`t.yaml:9:47: data.label: compile.loss binary_crossentropy classifies by one label column, got 2; allowed: one column, whose values are the classes`},
		{"name without header", map[int]string{9: "data: {source: csv, train: a, test: b, header: false, label: party}"},
			`t.yaml:9:62: data.label: the column name "party" needs a header row, and data.header is false; allowed: a 0-based index`},
		{"feature count", map[int]string{9: "data: {source: csv, train: a, test: b, features: [v1, v2, v3]}"},
			`t.yaml:9:50: data.features: 3 columns for input.shape [4] (4 inputs); want one feature column per input`},
		{"feature twice", map[int]string{9: "data: {source: csv, train: a, test: b, features: [v1, v1, v3, v4]}"},
			`t.yaml:9:55: data.features: column "v1" is listed twice; allowed: each column once`},
		{"label as feature", map[int]string{9: "data: {source: csv, train: a, test: b, features: [0, 1, 2, party], label: party}"},
			`t.yaml:9:60: data.features item 4: column "party" is the label; allowed: columns other than data.label`},
		{"negative index", map[int]string{9: "data: {source: csv, train: a, test: b, features: [-1, 1, 2, 3]}"},
			`t.yaml:9:51: data.features: index -1 is out of range; allowed: 0 (the first column) to 1048576`},
		{"no features", map[int]string{9: "data: {source: csv, train: a, test: b, features: []}"},
			`t.yaml:9:50: data.features: an empty list; want at least one column (or leave the key out for the default)`},
		{"features not a list", map[int]string{9: "data: {source: csv, train: a, test: b, features: v1}"},
			`t.yaml:9:50: data.features: want a list of column names or 0-based indexes, such as [v1, v2] or [0, 1], got "v1"`},
		{"label a float", map[int]string{9: "data: {source: csv, train: a, test: b, label: 1.5}"},
			`t.yaml:9:47: data.label: want a column name such as party or a 0-based index such as 4, or a list of them, got 1.5`},
		{"normalize_label on a classifier", map[int]string{9: "data: {source: csv, train: a, test: b, normalize_label: true}"},
			`t.yaml:9:57: data.normalize_label: compile.loss binary_crossentropy classifies; allowed: true only for regression (mean_squared_error, mean_absolute_error)`},
		{"normalize_label with a bounded output", with(with(regression, 6, "  - {type: dense, units: 1, activation: sigmoid}"), 9, "data: {source: csv, train: a, test: b, normalize_label: true}"),
			`t.yaml:9:57: data.normalize_label: the last layer's activation is sigmoid, which bounds its outputs; allowed: true only with a linear output layer`},
		{"idx key in a csv source", map[int]string{9: "data: {source: csv, train: a, test: b, train_images: x}"},
			`t.yaml:9:40: unknown key "train_images" in data; allowed: source, train, test, test_split, header, label, features, delimiter, normalize_label`},
		{"csv key in an idx source", map[int]string{9: "data: {source: idx, dir: d, train: a}"},
			`t.yaml:9:29: unknown key "train" in data; allowed: source, dir, train_images, train_labels, test_images, test_labels`},
		{"control character in a path", map[int]string{9: `data: {source: csv, train: "a\nb", test: b}`},
			`t.yaml:9:28: data.train: "a\nb" holds the control character U+000A; allowed: a CSV file, relative to the spec's folder or absolute`},
		{"binary with two units", map[int]string{6: "  - {type: dense, units: 2, activation: sigmoid}"},
			`t.yaml:6:26: layer 3 units: compile.loss binary_crossentropy needs one output unit (the probability of the second class), got 2; allowed: 1 (for more classes: softmax and categorical_crossentropy)`},
		{"binary with softmax", map[int]string{6: "  - {type: dense, units: 1, activation: softmax}"},
			`t.yaml:6:41: layer 3 activation: compile.loss binary_crossentropy needs sigmoid on the last layer, got "softmax"; allowed: sigmoid`},
		{"regression labels for outputs", with(regression, 9, "data: {source: csv, train: a, test: b, label: [a, b]}"),
			`t.yaml:9:47: data.label: 2 label columns for the 1 output of the last layer; want one label column per output (compile.loss mean_absolute_error regresses each)`},
		{"rescaling without scale", map[int]string{4: "  - {type: rescaling}"},
			`t.yaml:4:5: missing key "scale" in layer 1; want the factor x is multiplied by, such as 0.00392156862745098 (1/255)`},
		{"rescaling scale range", map[int]string{4: "  - {type: rescaling, scale: 1e9}"},
			`t.yaml:4:30: layer 1 scale: 1e+09 is out of range; allowed: a number from -1e6 to 1e6`},
		{"rescaling with units", map[int]string{4: "  - {type: rescaling, scale: 0.5, units: 3}"},
			`t.yaml:4:35: unknown key "units" in layer 1; allowed: type, scale, offset`},
		{"normalization with axis", map[int]string{4: "  - {type: normalization, axis: -1}"},
			`t.yaml:4:27: unknown key "axis" in layer 1; allowed: type`},
		{"two normalizations", map[int]string{4: "  - {type: normalization}\n  - {type: normalization}"},
			`t.yaml:5:5: layer 2: a second normalization layer; allowed: one, which is adapted to the training rows' features (a second would see them normalized already)`},
		{"preprocessing after dense", map[int]string{4: "", 5: "  - {type: dense, units: 8, activation: relu}\n  - {type: rescaling, scale: 2}"},
			`t.yaml:5:5: layer 2: a rescaling layer after a dense layer; allowed: preprocessing layers (rescaling, normalization) only before the first dense or conv2d layer, where they see the raw features`},
		{"only preprocessing", map[int]string{4: "  - {type: rescaling, scale: 2}", 5: "", 6: ""},
			`t.yaml:4:3: layers: no dense layer; want at least one, the last layer (preprocessing layers only transform the input)`},
		{"metric twice", map[int]string{7: "compile: {optimizer: adam, loss: binary_crossentropy, metrics: [accuracy, mae, mae]}"},
			`t.yaml:7:80: compile.metrics item 3: "mae" is listed twice; allowed: each metric once`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("t.yaml", []byte(csvEdit(tc.edits)))
			if err == nil {
				t.Fatalf("no error; want %s", tc.want)
			}
			if err.Error() != tc.want {
				t.Errorf("error\n got %s\nwant %s", err, tc.want)
			}
		})
	}
}

// TestParseCSVGood checks what a valid csv spec reads as, defaults included.
func TestParseCSVGood(t *testing.T) {
	m, err := Parse("t.yaml", []byte(csvEdit(nil)))
	if err != nil {
		t.Fatal(err)
	}
	want := Data{Source: "csv", TrainImages: "train-images-idx3-ubyte.gz", TrainLabels: "train-labels-idx1-ubyte.gz",
		TestImages: "t10k-images-idx3-ubyte.gz", TestLabels: "t10k-labels-idx1-ubyte.gz",
		Train: "data/train.csv", Test: "data/test.csv", Header: true, Delimiter: ',',
		Label: []Column{{Name: "party", Pos: Pos{9, 72}}}, Pos: Pos{9, 7}}
	if !reflect.DeepEqual(m.Data, want) {
		t.Errorf("data\n got %+v\nwant %+v", m.Data, want)
	}
	if m.Preprocessing() != 1 || m.Layers[0].Dense() || !m.Layers[1].Dense() || !m.Compile.Classifies() {
		t.Errorf("layers %+v, compile %+v", m.Layers, m.Compile)
	}

	src := csvEdit(map[int]string{
		4: "  - {type: rescaling, scale: 0.5, offset: -1}\n  - {type: normalization}",
		6: "  - {type: dense, units: 2}",
		7: "compile: {optimizer: sgd, loss: mean_squared_error, metrics: [mae, mse]}",
		9: "data: {source: csv, train: /abs/train.csv, test_split: 0.25, header: false, label: [4, 5], features: [0, 1, 2, 3], delimiter: \";\", normalize_label: true}",
	})
	m, err = Parse("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	d := m.Data
	cols := func(cs []Column) (idx []int) {
		for _, c := range cs {
			idx = append(idx, c.Index)
		}
		return idx
	}
	if d.Train != "/abs/train.csv" || d.Test != "" || d.TestSplit != 0.25 || d.Header || d.Delimiter != ';' || !d.NormalizeLabel ||
		!reflect.DeepEqual(cols(d.Label), []int{4, 5}) || !reflect.DeepEqual(cols(d.Features), []int{0, 1, 2, 3}) {
		t.Errorf("data %+v", d)
	}
	if l := m.Layers[0]; l.Type != "rescaling" || l.Scale != 0.5 || l.Offset != -1 || m.Preprocessing() != 2 || m.Compile.Classifies() {
		t.Errorf("layers %+v", m.Layers)
	}
	if !reflect.DeepEqual(m.Compile.Metrics, []string{"mae", "mse"}) {
		t.Errorf("metrics %v", m.Compile.Metrics)
	}
	// A tab as delimiter, and a single label index.
	m, err = Parse("t.yaml", []byte(csvEdit(map[int]string{9: `data: {source: csv, train: a, test: b, delimiter: "\t", label: 0, header: false}`})))
	if err != nil {
		t.Fatal(err)
	}
	if m.Data.Delimiter != '\t' || len(m.Data.Label) != 1 || m.Data.Label[0].Index != 0 || m.Data.Label[0].Name != "" {
		t.Errorf("data %+v", m.Data)
	}
}

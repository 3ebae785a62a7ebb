package dataset

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"strings"
)

// MaxCSVClasses is the largest number of distinct class labels ReadCSV accepts in a file; more is
// most likely a regression target read as classes.
const MaxCSVClasses = 1 << 16

// classFault is why a label value has no class index; classOK when it has one.
type classFault uint8

const (
	classOK      classFault = iota
	classUnknown            // the classes were given and the value is not one of them
	classTooMany            // the value would be class MaxCSVClasses+1
)

// csvClasses maps the label values of a classification file to class indexes.
type csvClasses struct {
	given bool
	index map[string]int32
	names []string // the classes given, or the values seen in order of first appearance
}

// newCSVClasses returns the classes given (a training set's), which the caller has checked for
// duplicates, or, when given is nil, empty classes that grow with the values seen.
func newCSVClasses(given []string) *csvClasses {
	c := &csvClasses{given: given != nil, index: make(map[string]int32, len(given))}
	for i, name := range given {
		c.index[name] = int32(i)
	}
	c.names = slices.Clone(given)
	return c
}

// class returns the class index of the label value v (trimmed, not empty). Before finish, an
// index of classes that were not given is provisional: the order of first appearance.
func (c *csvClasses) class(v string) (int32, classFault) {
	if i, ok := c.index[v]; ok {
		return i, classOK
	}
	switch {
	case c.given:
		return 0, classUnknown
	case len(c.names) == MaxCSVClasses:
		return 0, classTooMany
	}
	name := strings.Clone(v) // v points into the record, which the reader reuses
	i := int32(len(c.names))
	c.index[name] = i
	c.names = append(c.names, name)
	return i, classOK
}

// finish returns the class names by index. Classes that were not given are sorted, numerically
// when every one is a finite number (ties, such as "1" and "1.0", by their text) and by their text
// in byte order otherwise, and labels, which hold provisional indexes, are renumbered to match.
func (c *csvClasses) finish(labels []int32) []string {
	if c.given {
		return c.names
	}
	n := len(c.names)
	order := make([]int32, n) // order[k] is the provisional index of class k
	for i := range order {
		order[i] = int32(i)
	}
	values, numeric := make([]float64, n), true
	for i, name := range c.names {
		v, err := strconv.ParseFloat(name, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			numeric = false
			break
		}
		values[i] = v
	}
	slices.SortFunc(order, func(a, b int32) int {
		if numeric {
			if r := cmp.Compare(values[a], values[b]); r != 0 {
				return r
			}
		}
		return strings.Compare(c.names[a], c.names[b])
	})
	remap := make([]int32, n)
	names := make([]string, n)
	for k, i := range order {
		remap[i] = int32(k)
		names[k] = c.names[i]
	}
	for j, l := range labels {
		labels[j] = remap[l]
	}
	return names
}

package codegen

// flatten is Keras' Flatten: an image's rows are already row-major over height, width and
// channels, as Keras flattens them, so the layer is no code at all, only the end of the shape. It
// adds no layer to the plan; the next layer reads the same buffer as a flat row.
func flatten(shape []int) []int { return nil }

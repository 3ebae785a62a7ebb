// Package tiny measures what nngen's predictor costs the program that embeds it. Its test
// builds two programs of testdata/ with the same go command: a hello world, and a predictor that
// decodes generated/mnist's weights (203,672 bytes, compiled in with //go:embed) and classifies
// one sample; it fails when the predictor adds more than a stated ceiling to the hello world, or
// carries code that only training needs (the Trainer, the initializers, writing files).
//
//	go test -v ./examples/tiny
//
// logs the figures. The package has no other code.
package tiny

// Package runtime is the folder of what every nngen-generated package needs at run time,
// independent of the network's shapes. It holds no code of its own: each job is a package below
// it, named so that no file has to alias the standard library's runtime: dataset (IDX files,
// MNIST, batches), fit (the training loop), weights (the weights file), initializer (Keras'
// initialisers), parallel (the helper goroutine and the one-or-two-core choice of a step), cli
// (the command line of a generated trainer); internal/atomicfile writes the files of fit and
// weights.
package runtime

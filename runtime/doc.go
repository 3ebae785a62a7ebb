// Package runtime is the folder of what every nngen-generated package needs at run time,
// independent of the network's shapes. It holds no code of its own: each job is a package below
// it (dataset, fit, weights, initializer; internal/atomicfile writes the files of fit and
// weights), named so that no file has to alias the standard library's runtime.
package runtime

// Package crossbuild holds TestCrossBuild, which builds the module for every first-class port. It
// is a package of its own so that its test binary, which mostly waits for the go command (four
// minutes from a cold build cache on two cores), has the whole of go test's default timeout to
// itself. It has no code.
package crossbuild

// Command wasm is nngen's browser demo: the MNIST convnet of examples/mnist_convnet.yaml
// (generated/mnist_convnet, with the trained weights of examples/mnist_convnet.weights embedded)
// compiled to WebAssembly, reading digits drawn on a canvas. Serve it with
//
//	go run ./examples/wasm/serve
//
// It sets globalThis.nngen to an object with
//
//   - predict(rgba, width, height): the ten digits' probabilities, as a Float32Array, for a
//     drawing given as a canvas's getImageData().data (a Uint8ClampedArray or Uint8Array of
//     width×height RGBA pixels; white ink on black or on transparent, see package digit), or
//     null when the drawing has no ink. The array is the same at every call, overwritten by the
//     next one: copy it to keep it. Wrong arguments return an Error rather than throwing.
//   - input: a Uint8ClampedArray of 28×28 grey levels, the image the network saw at the last
//     predict, as MNIST stores it (0 no ink, 255 full ink).
//   - level: the kernels' level ("generic": the pure-Go kernels, the only ones in WebAssembly).
//   - error: when the weights could not be decoded, why (then predict is missing).
//
// Past the first call on a canvas of a given size, predict allocates nothing on the Go side
// beyond what syscall/js allocates for the call itself.
package main

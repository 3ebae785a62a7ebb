//go:build js && wasm

package main

import (
	"encoding/binary"
	"math"
	"syscall/js"

	"github.com/nngen/nngen/asm"
	"github.com/nngen/nngen/examples/wasm/digit"
	"github.com/nngen/nngen/generated/mnist_convnet"
)

func main() {
	global := js.Global()
	api := global.Get("Object").New()
	api.Set("level", asm.Level())
	r, err := newReader()
	if err != nil {
		api.Set("error", err.Error())
		global.Set("nngen", api)
		select {}
	}

	errorType := global.Get("Error")
	uint8Array := global.Get("Uint8Array")
	clampedArray := global.Get("Uint8ClampedArray")
	probs := global.Get("Float32Array").New(mnist_convnet.OutputSize)
	probBytes := uint8Array.New(probs.Get("buffer")) // probs' bytes, for CopyBytesToJS
	// probs boxed once: returning probs itself would allocate at every call.
	var probsResult any = probs
	input := clampedArray.New(digit.Pixels)
	api.Set("input", input)

	var rgba []byte // the drawing; grows to the largest canvas seen
	var out [4 * mnist_convnet.OutputSize]byte
	var grey [digit.Pixels]byte
	predict := js.FuncOf(func(this js.Value, args []js.Value) any {
		if len(args) != 3 || !(args[0].InstanceOf(clampedArray) || args[0].InstanceOf(uint8Array)) ||
			args[1].Type() != js.TypeNumber || args[2].Type() != js.TypeNumber {
			return errorType.New("nngen.predict(rgba, width, height): want a canvas's getImageData().data (a Uint8ClampedArray) and its width and height")
		}
		n := args[0].Length()
		if cap(rgba) < n {
			rgba = make([]byte, n)
		}
		rgba = rgba[:n]
		js.CopyBytesToGo(rgba, args[0])
		p, ok, err := r.read(rgba, args[1].Int(), args[2].Int())
		if err != nil {
			return errorType.New("nngen.predict: " + err.Error())
		}
		for i, v := range r.input {
			grey[i] = byte(math.Round(float64(v) * 255))
		}
		js.CopyBytesToJS(input, grey[:])
		if !ok {
			return nil
		}
		for i, v := range p {
			binary.LittleEndian.PutUint32(out[4*i:], math.Float32bits(v))
		}
		js.CopyBytesToJS(probBytes, out[:])
		return probsResult
	})
	api.Set("predict", predict)
	global.Set("nngen", api)
	select {}
}

// Command hello is the baseline of the binary-size test (../../size_test.go): a Go hello world,
// printing with fmt as the predictor beside it does.
package main

import "fmt"

func main() {
	fmt.Println("hello, world")
}

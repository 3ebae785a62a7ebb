module github.com/nngen/nngen

go 1.26

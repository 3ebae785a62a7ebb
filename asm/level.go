package asm

// Level names the kernel level in use: "generic", "avx2" or "avx512".
func Level() string { return "generic" }

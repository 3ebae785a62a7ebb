//go:build amd64 && !purego && !noasm

#include "textflag.h"

// func prefetchRowsAMD64(data *uint8, idx *int32, n, rowLen int)
// For each of the n rows: a PREFETCHT0 every 64 bytes from the row's first byte, and one at its
// last byte, which the 64-byte steps miss when the row does not start on a cache line. Prefetches
// never fault and retire at once; the loads they start finish while the caller computes.
TEXT ·prefetchRowsAMD64(SB), NOSPLIT, $0-32
	MOVQ data+0(FP), SI
	MOVQ idx+8(FP), DI
	MOVQ n+16(FP), CX
	MOVQ rowLen+24(FP), R8

row:
	MOVLQSX    (DI), AX
	IMULQ      R8, AX
	LEAQ       (SI)(AX*1), BX
	PREFETCHT0 -1(BX)(R8*1)
	MOVQ       R8, DX

line:
	PREFETCHT0 (BX)
	ADDQ       $64, BX
	SUBQ       $64, DX
	JG         line
	ADDQ       $4, DI
	DECQ       CX
	JNZ        row
	RET

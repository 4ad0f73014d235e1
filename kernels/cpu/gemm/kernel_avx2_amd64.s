//go:build amd64 && !noasm

#include "textflag.h"

// AVX2+FMA micro-kernel, 6×16 register tile.
//
// Register use:
//   Y0–Y11   accumulators: row i of the tile is Y(2i) (columns 0–7) and
//            Y(2i+1) (columns 8–15)
//   Y12, Y13 the current row of the packed B sliver (16 values)
//   Y14, Y15 one broadcast value of the packed A sliver (alternating)
//   SI = A sliver, DI = B sliver, DX = C, R8 = ldc in bytes,
//   CX, BX = loop counters.

// AROW multiplies one broadcast A value (at off(SI)) into one tile row.
#define AROW(off, acc0, acc1, bc) \
	VBROADCASTSS off(SI), bc; \
	VFMADD231PS  Y12, bc, acc0; \
	VFMADD231PS  Y13, bc, acc1

// KSTEP is one step along k: a rank-1 update of the whole 6×16 tile.
#define KSTEP \
	VMOVUPS (DI), Y12; \
	VMOVUPS 32(DI), Y13; \
	AROW(0, Y0, Y1, Y14); \
	AROW(4, Y2, Y3, Y15); \
	AROW(8, Y4, Y5, Y14); \
	AROW(12, Y6, Y7, Y15); \
	AROW(16, Y8, Y9, Y14); \
	AROW(20, Y10, Y11, Y15); \
	ADDQ $24, SI; \
	ADDQ $64, DI

// STORE writes one tile row: C = alpha·acc (alpha in Y12).
#define STORE(acc0, acc1) \
	VMULPS  Y12, acc0, acc0; \
	VMULPS  Y12, acc1, acc1; \
	VMOVUPS acc0, (DX); \
	VMOVUPS acc1, 32(DX); \
	ADDQ    R8, DX

// STOREBETA writes one tile row: C = alpha·acc + beta·C (beta in Y13).
#define STOREBETA(acc0, acc1) \
	VMULPS      Y12, acc0, acc0; \
	VMULPS      Y12, acc1, acc1; \
	VFMADD231PS (DX), Y13, acc0; \
	VFMADD231PS 32(DX), Y13, acc1; \
	VMOVUPS     acc0, (DX); \
	VMOVUPS     acc1, 32(DX); \
	ADDQ        R8, DX

// func microAVX2(kc int, a, b, c *float32, ldc int, alpha, beta float32)
TEXT ·microAVX2(SB), NOSPLIT, $0-48
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ ldc+32(FP), R8
	SHLQ $2, R8

	// Clear the accumulators.
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11

	// Main loop, unrolled four times along k.
	MOVQ CX, BX
	SHRQ $2, BX
	JZ   tail

loop4:
	KSTEP
	KSTEP
	KSTEP
	KSTEP
	DECQ BX
	JNZ  loop4

tail:
	ANDQ $3, CX
	JZ   store

loop1:
	KSTEP
	DECQ CX
	JNZ  loop1

store:
	VBROADCASTSS alpha+40(FP), Y12
	MOVL         beta+44(FP), AX
	TESTL        AX, AX
	JNZ          withbeta

	// beta == +0: C is written without being read (it may hold NaN).
	STORE(Y0, Y1)
	STORE(Y2, Y3)
	STORE(Y4, Y5)
	STORE(Y6, Y7)
	STORE(Y8, Y9)
	STORE(Y10, Y11)
	VZEROUPPER
	RET

withbeta:
	VBROADCASTSS beta+44(FP), Y13
	STOREBETA(Y0, Y1)
	STOREBETA(Y2, Y3)
	STOREBETA(Y4, Y5)
	STOREBETA(Y6, Y7)
	STOREBETA(Y8, Y9)
	STOREBETA(Y10, Y11)
	VZEROUPPER
	RET

//go:build amd64 && !noasm

#include "textflag.h"

// AVX-512 micro-kernel, 12×32 register tile.
//
// Register use:
//   Z0–Z23   accumulators: row i of the tile is Z(2i) (columns 0–15) and
//            Z(2i+1) (columns 16–31)
//   Z24, Z25 the current row of the packed B sliver (32 values)
//   Z26, Z27 one broadcast value of the packed A sliver (alternating, so
//            consecutive rows do not wait on the same register)
//   SI = A sliver, DI = B sliver, DX = C, R8 = ldc in bytes,
//   CX, BX = loop counters.

// AROW multiplies one broadcast A value (at off(SI)) into one tile row.
#define AROW(off, acc0, acc1, bc) \
	VBROADCASTSS off(SI), bc; \
	VFMADD231PS  Z24, bc, acc0; \
	VFMADD231PS  Z25, bc, acc1

// KSTEP is one step along k: a rank-1 update of the whole 12×32 tile.
#define KSTEP \
	VMOVUPS (DI), Z24; \
	VMOVUPS 64(DI), Z25; \
	AROW(0, Z0, Z1, Z26); \
	AROW(4, Z2, Z3, Z27); \
	AROW(8, Z4, Z5, Z26); \
	AROW(12, Z6, Z7, Z27); \
	AROW(16, Z8, Z9, Z26); \
	AROW(20, Z10, Z11, Z27); \
	AROW(24, Z12, Z13, Z26); \
	AROW(28, Z14, Z15, Z27); \
	AROW(32, Z16, Z17, Z26); \
	AROW(36, Z18, Z19, Z27); \
	AROW(40, Z20, Z21, Z26); \
	AROW(44, Z22, Z23, Z27); \
	ADDQ $48, SI; \
	ADDQ $128, DI

// STORE writes one tile row: C = alpha·acc (alpha in Z24).
#define STORE(acc0, acc1) \
	VMULPS  Z24, acc0, acc0; \
	VMULPS  Z24, acc1, acc1; \
	VMOVUPS acc0, (DX); \
	VMOVUPS acc1, 64(DX); \
	ADDQ    R8, DX

// STOREBETA writes one tile row: C = alpha·acc + beta·C (beta in Z25).
#define STOREBETA(acc0, acc1) \
	VMULPS      Z24, acc0, acc0; \
	VMULPS      Z24, acc1, acc1; \
	VFMADD231PS (DX), Z25, acc0; \
	VFMADD231PS 64(DX), Z25, acc1; \
	VMOVUPS     acc0, (DX); \
	VMOVUPS     acc1, 64(DX); \
	ADDQ        R8, DX

// func microAVX512(kc int, a, b, c *float32, ldc int, alpha, beta float32)
TEXT ·microAVX512(SB), NOSPLIT, $0-48
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ ldc+32(FP), R8
	SHLQ $2, R8

	// Prefetch the C tile (two lines per row) so that its cache misses
	// overlap the k loop instead of stalling the stores.
	MOVQ       DX, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	ADDQ       R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	ADDQ       R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	ADDQ       R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	ADDQ       R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	ADDQ       R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	ADDQ       R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	ADDQ       R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	ADDQ       R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	ADDQ       R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	ADDQ       R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	ADDQ       R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)

	// Clear the accumulators.
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15
	VPXORD Z16, Z16, Z16
	VPXORD Z17, Z17, Z17
	VPXORD Z18, Z18, Z18
	VPXORD Z19, Z19, Z19
	VPXORD Z20, Z20, Z20
	VPXORD Z21, Z21, Z21
	VPXORD Z22, Z22, Z22
	VPXORD Z23, Z23, Z23

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
	VBROADCASTSS alpha+40(FP), Z24
	MOVL         beta+44(FP), AX
	TESTL        AX, AX
	JNZ          withbeta

	// beta == +0: C is written without being read (it may hold NaN).
	STORE(Z0, Z1)
	STORE(Z2, Z3)
	STORE(Z4, Z5)
	STORE(Z6, Z7)
	STORE(Z8, Z9)
	STORE(Z10, Z11)
	STORE(Z12, Z13)
	STORE(Z14, Z15)
	STORE(Z16, Z17)
	STORE(Z18, Z19)
	STORE(Z20, Z21)
	STORE(Z22, Z23)
	VZEROUPPER
	RET

withbeta:
	VBROADCASTSS beta+44(FP), Z25
	STOREBETA(Z0, Z1)
	STOREBETA(Z2, Z3)
	STOREBETA(Z4, Z5)
	STOREBETA(Z6, Z7)
	STOREBETA(Z8, Z9)
	STOREBETA(Z10, Z11)
	STOREBETA(Z12, Z13)
	STOREBETA(Z14, Z15)
	STOREBETA(Z16, Z17)
	STOREBETA(Z18, Z19)
	STOREBETA(Z20, Z21)
	STOREBETA(Z22, Z23)
	VZEROUPPER
	RET

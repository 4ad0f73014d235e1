//go:build amd64 && !noasm

#include "textflag.h"

// iota<> holds the int32 lane numbers 0…15, the gather index pattern.
DATA iota<>+0(SB)/4, $0
DATA iota<>+4(SB)/4, $1
DATA iota<>+8(SB)/4, $2
DATA iota<>+12(SB)/4, $3
DATA iota<>+16(SB)/4, $4
DATA iota<>+20(SB)/4, $5
DATA iota<>+24(SB)/4, $6
DATA iota<>+28(SB)/4, $7
DATA iota<>+32(SB)/4, $8
DATA iota<>+36(SB)/4, $9
DATA iota<>+40(SB)/4, $10
DATA iota<>+44(SB)/4, $11
DATA iota<>+48(SB)/4, $12
DATA iota<>+52(SB)/4, $13
DATA iota<>+56(SB)/4, $14
DATA iota<>+60(SB)/4, $15
GLOBL iota<>(SB), RODATA|NOPTR, $64

// func gatherPanelAVX512(kb int, src *float32, ld int, dst *float32, width int, mask0, mask1 uint64)
//
// Packs a panel whose lanes are strided in memory: for p < kb and
// lane < width (1 ≤ width ≤ 32), dst[p·width+lane] = src[lane·ld+p].
// This is packA for row-major A and packB for transposed B. Each step
// along p is one or two masked 16-lane gathers and masked stores; mask0
// and mask1 select the lanes of the two halves (lanes 0–15, 16–31), and
// mask1 is 0 when width ≤ 16. The caller keeps 31·ld within int32.
//
// Register use:
//   Z1, Z2  int32 element offsets of lanes 0–15 and 16–31 (lane·ld)
//   Z0, Z3  gathered values
//   K3, K4  the lane masks; K1, K2 working copies (a gather clears its
//           mask as it completes)
//   SI = src at column p, DI = dst at row p, R11 = width in bytes,
//   CX = remaining steps.
TEXT ·gatherPanelAVX512(SB), NOSPLIT, $0-56
	MOVQ kb+0(FP), CX
	MOVQ src+8(FP), SI
	MOVQ ld+16(FP), AX
	MOVQ dst+24(FP), DI
	MOVQ width+32(FP), R11
	SHLQ $2, R11
	MOVQ  mask0+40(FP), DX
	KMOVW DX, K3
	MOVQ  mask1+48(FP), DX
	KMOVW DX, K4

	// Offsets: Z1 = iota·ld, Z2 = Z1 + 16·ld.
	VPBROADCASTD AX, Z5
	VMOVDQU32    iota<>(SB), Z1
	VPMULLD      Z5, Z1, Z1
	VPSLLD       $4, Z5, Z6
	VPADDD       Z6, Z1, Z2

	TESTQ CX, CX
	JZ    done
	KORTESTW K4, K4
	JNZ   two

one:	// width ≤ 16: one gather per step.
	KMOVW      K3, K1
	VGATHERDPS (SI)(Z1*4), K1, Z0
	VMOVUPS    Z0, K3, (DI)
	ADDQ       $4, SI
	ADDQ       R11, DI
	DECQ       CX
	JNZ        one
	JMP        done

two:	// 16 < width ≤ 32: two gathers per step.
	KMOVW      K3, K1
	KMOVW      K4, K2
	VGATHERDPS (SI)(Z1*4), K1, Z0
	VGATHERDPS (SI)(Z2*4), K2, Z3
	VMOVUPS    Z0, K3, (DI)
	VMOVUPS    Z3, K4, 64(DI)
	ADDQ       $4, SI
	ADDQ       R11, DI
	DECQ       CX
	JNZ        two

done:
	VZEROUPPER
	RET

// func copyPanelAVX512(kb int, src *float32, ld int, dst *float32, width int, mask0, mask1 uint64)
//
// Packs a panel whose lanes are contiguous in memory: for p < kb and
// lane < width (1 ≤ width ≤ 32), dst[p·width+lane] = src[p·ld+lane]. This
// is packA for transposed A and packB for row-major B. Each step along p
// is one or two masked 16-lane loads and stores (masked-off lanes are
// neither read nor written); mask0 and mask1 as for gatherPanelAVX512.
//
// Register use: Z0, Z1 the values; K3, K4 the lane masks; SI = src at
// row p, DI = dst at row p, R10 = ld in bytes, R11 = width in bytes,
// CX = remaining steps.
TEXT ·copyPanelAVX512(SB), NOSPLIT, $0-56
	MOVQ  kb+0(FP), CX
	MOVQ  src+8(FP), SI
	MOVQ  ld+16(FP), R10
	SHLQ  $2, R10
	MOVQ  dst+24(FP), DI
	MOVQ  width+32(FP), R11
	SHLQ  $2, R11
	MOVQ  mask0+40(FP), DX
	KMOVW DX, K3
	MOVQ  mask1+48(FP), DX
	KMOVW DX, K4

	TESTQ    CX, CX
	JZ       cdone
	KORTESTW K4, K4
	JNZ      ctwo

cone:	// width ≤ 16
	VMOVUPS.Z (SI), K3, Z0
	VMOVUPS   Z0, K3, (DI)
	ADDQ      R10, SI
	ADDQ      R11, DI
	DECQ      CX
	JNZ       cone
	JMP       cdone

ctwo:	// 16 < width ≤ 32
	VMOVUPS.Z (SI), K3, Z0
	VMOVUPS.Z 64(SI), K4, Z1
	VMOVUPS   Z0, K3, (DI)
	VMOVUPS   Z1, K4, 64(DI)
	ADDQ      R10, SI
	ADDQ      R11, DI
	DECQ      CX
	JNZ       ctwo

cdone:
	VZEROUPPER
	RET

//go:build amd64 && !noasm

#include "textflag.h"

// func dscoresAVX2(dp, p *float32, n int, d float32)
// dp = p·(dp − d) for n a multiple of 8: the Go loop's two roundings, so
// the same bits.
TEXT ·dscoresAVX2(SB), NOSPLIT, $0-28
	MOVQ         dp+0(FP), DI
	MOVQ         p+8(FP), SI
	MOVQ         n+16(FP), CX
	VBROADCASTSS d+24(FP), Y15

loop:
	CMPQ    CX, $0
	JLE     done
	VMOVUPS (DI), Y0
	VSUBPS  Y15, Y0, Y0
	VMULPS  (SI), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $8, CX
	JMP     loop

done:
	VZEROUPPER
	RET

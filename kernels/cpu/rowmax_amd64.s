//go:build amd64 && !noasm

#include "textflag.h"

// func rowMaxAVX2(x *float32, n int, m *[32]float32)
// m[l] = the largest of m[l] and of the elements of x that fall in lane l
// (n a multiple of 8): 32 at a time over four accumulators, then 8 at a
// time into the first. VMAXPS x, m keeps m unless x > m, as rowMaxGo's
// comparisons do: a NaN element is skipped, a NaN m stays.
TEXT ·rowMaxAVX2(SB), NOSPLIT, $0-24
	MOVQ    x+0(FP), SI
	MOVQ    n+8(FP), CX
	MOVQ    m+16(FP), DI
	VMOVUPS (DI), Y0
	VMOVAPS Y0, Y1
	VMOVAPS Y0, Y2
	VMOVAPS Y0, Y3

loop:
	CMPQ    CX, $32
	JLT     tail
	VMOVUPS (SI), Y4
	VMOVUPS 32(SI), Y5
	VMOVUPS 64(SI), Y6
	VMOVUPS 96(SI), Y7
	VMAXPS  Y0, Y4, Y0
	VMAXPS  Y1, Y5, Y1
	VMAXPS  Y2, Y6, Y2
	VMAXPS  Y3, Y7, Y3
	ADDQ    $128, SI
	SUBQ    $32, CX
	JMP     loop

tail:
	CMPQ    CX, $0
	JLE     done
	VMOVUPS (SI), Y4
	VMAXPS  Y0, Y4, Y0
	ADDQ    $32, SI
	SUBQ    $8, CX
	JMP     tail

done:
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	VZEROUPPER
	RET

//go:build amd64 && !noasm

#include "textflag.h"
#include "sigmoid_amd64.h"

// func swigluAVX2(out, gate, up *float32, n int)
TEXT ·swigluAVX2(SB), NOSPLIT, $0-32
	MOVQ out+0(FP), DI
	MOVQ gate+8(FP), SI
	MOVQ up+16(FP), DX
	MOVQ n+24(FP), CX
	LOADCONSTS

swigluLoop:
	CMPQ    CX, $0
	JLE     swigluDone
	VMOVUPS (SI), Y5
	VMOVAPS Y5, Y0
	SIGMOID
	VMULPS  Y5, Y0, Y0 // a·σ(a)
	VMULPS  (DX), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, DI
	SUBQ    $8, CX
	JMP     swigluLoop

swigluDone:
	VZEROUPPER
	RET

// func swigluBackwardAVX2(da, db, gate, up, dout *float32, n int)
TEXT ·swigluBackwardAVX2(SB), NOSPLIT, $0-48
	MOVQ da+0(FP), DI
	MOVQ db+8(FP), R8
	MOVQ gate+16(FP), SI
	MOVQ up+24(FP), DX
	MOVQ dout+32(FP), R9
	MOVQ n+40(FP), CX
	LOADCONSTS

swigluBwdLoop:
	CMPQ        CX, $0
	JLE         swigluBwdDone
	VMOVUPS     (SI), Y5 // a
	VMOVAPS     Y5, Y0
	SIGMOID
	VMOVUPS     (DX), Y6  // b
	VMOVUPS     (R9), Y7  // dy
	VSUBPS      Y0, Y12, Y1
	VFMADD213PS Y12, Y5, Y1 // 1 + a(1−s)
	VMULPS      Y6, Y7, Y2
	VMULPS      Y0, Y2, Y2  // dy·b·s
	VMOVUPS     (DI), Y3
	VFMADD231PS Y1, Y2, Y3
	VMOVUPS     Y3, (DI)
	VMULPS      Y5, Y7, Y4
	VMULPS      Y0, Y4, Y4  // dy·a·s
	VADDPS      (R8), Y4, Y4
	VMOVUPS     Y4, (R8)
	ADDQ        $32, SI
	ADDQ        $32, DX
	ADDQ        $32, R9
	ADDQ        $32, DI
	ADDQ        $32, R8
	SUBQ        $8, CX
	JMP         swigluBwdLoop

swigluBwdDone:
	VZEROUPPER
	RET

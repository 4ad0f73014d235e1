//go:build amd64 && !noasm

#include "textflag.h"

// func rowSumAVX2(x *float32, n int) float64
// Σx in float64 for n a multiple of 16, over four 4-lane accumulators.
TEXT ·rowSumAVX2(SB), NOSPLIT, $0-24
	MOVQ   x+0(FP), SI
	MOVQ   n+8(FP), CX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3

sumLoop:
	CMPQ      CX, $0
	JLE       sumDone
	VCVTPS2PD (SI), Y4
	VCVTPS2PD 16(SI), Y5
	VCVTPS2PD 32(SI), Y6
	VCVTPS2PD 48(SI), Y7
	VADDPD    Y4, Y0, Y0
	VADDPD    Y5, Y1, Y1
	VADDPD    Y6, Y2, Y2
	VADDPD    Y7, Y3, Y3
	ADDQ      $64, SI
	SUBQ      $16, CX
	JMP       sumLoop

sumDone:
	VADDPD       Y1, Y0, Y0
	VADDPD       Y3, Y2, Y2
	VADDPD       Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPD       X1, X0, X0
	VHADDPD      X0, X0, X0
	VZEROUPPER
	MOVSD        X0, ret+16(FP)
	RET

// func rowSqDevAVX2(x *float32, n int, m float32) float64
// Σ(x−m)² in float64 (x−m rounded to float32 first, as rowSqDevGo), n a
// multiple of 16.
TEXT ·rowSqDevAVX2(SB), NOSPLIT, $0-32
	MOVQ         x+0(FP), SI
	MOVQ         n+8(FP), CX
	VBROADCASTSS m+16(FP), X8
	VXORPD       Y0, Y0, Y0
	VXORPD       Y1, Y1, Y1
	VXORPD       Y2, Y2, Y2
	VXORPD       Y3, Y3, Y3

sqLoop:
	CMPQ        CX, $0
	JLE         sqDone
	VMOVUPS     (SI), X4
	VMOVUPS     16(SI), X5
	VMOVUPS     32(SI), X6
	VMOVUPS     48(SI), X7
	VSUBPS      X8, X4, X4
	VSUBPS      X8, X5, X5
	VSUBPS      X8, X6, X6
	VSUBPS      X8, X7, X7
	VCVTPS2PD   X4, Y4
	VCVTPS2PD   X5, Y5
	VCVTPS2PD   X6, Y6
	VCVTPS2PD   X7, Y7
	VFMADD231PD Y4, Y4, Y0
	VFMADD231PD Y5, Y5, Y1
	VFMADD231PD Y6, Y6, Y2
	VFMADD231PD Y7, Y7, Y3
	ADDQ        $64, SI
	SUBQ        $16, CX
	JMP         sqLoop

sqDone:
	VADDPD       Y1, Y0, Y0
	VADDPD       Y3, Y2, Y2
	VADDPD       Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPD       X1, X0, X0
	VHADDPD      X0, X0, X0
	VZEROUPPER
	MOVSD        X0, ret+24(FP)
	RET

// func lnApplyAVX2(o, x, w, b *float32, n int, m, s float32)
// o = (x−m)·s·w + b for n a multiple of 8.
TEXT ·lnApplyAVX2(SB), NOSPLIT, $0-48
	MOVQ         o+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         w+16(FP), DX
	MOVQ         b+24(FP), R8
	MOVQ         n+32(FP), CX
	VBROADCASTSS m+40(FP), Y14
	VBROADCASTSS s+44(FP), Y15

applyLoop:
	CMPQ    CX, $0
	JLE     applyDone
	VMOVUPS (SI), Y0
	VSUBPS  Y14, Y0, Y0
	VMULPS  Y15, Y0, Y0
	VMULPS  (DX), Y0, Y0
	VADDPS  (R8), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, R8
	ADDQ    $32, DI
	SUBQ    $8, CX
	JMP     applyLoop

applyDone:
	VZEROUPPER
	RET

// func rowGradSumsAVX2(dout, w, x *float32, n int, m float32) (sg, sgx float32)
// Σ g and Σ g·(x−m) for g = dout·w, in float32 over eight lanes, n a
// multiple of 8.
TEXT ·rowGradSumsAVX2(SB), NOSPLIT, $0-48
	MOVQ         dout+0(FP), SI
	MOVQ         w+8(FP), DX
	MOVQ         x+16(FP), R8
	MOVQ         n+24(FP), CX
	VBROADCASTSS m+32(FP), Y15
	VXORPS       Y0, Y0, Y0
	VXORPS       Y1, Y1, Y1

gsLoop:
	CMPQ        CX, $0
	JLE         gsDone
	VMOVUPS     (SI), Y2
	VMULPS      (DX), Y2, Y2 // g
	VMOVUPS     (R8), Y3
	VSUBPS      Y15, Y3, Y3  // x − m
	VADDPS      Y2, Y0, Y0
	VFMADD231PS Y3, Y2, Y1
	ADDQ        $32, SI
	ADDQ        $32, DX
	ADDQ        $32, R8
	SUBQ        $8, CX
	JMP         gsLoop

gsDone:
	VEXTRACTF128 $1, Y0, X2
	VADDPS       X2, X0, X0
	VHADDPS      X0, X0, X0
	VHADDPS      X0, X0, X0
	VEXTRACTF128 $1, Y1, X3
	VADDPS       X3, X1, X1
	VHADDPS      X1, X1, X1
	VHADDPS      X1, X1, X1
	VZEROUPPER
	MOVSS        X0, sg+40(FP)
	MOVSS        X1, sgx+44(FP)
	RET

// func lnDxAVX2(gx, dout, w, x *float32, n int, m, s, sg, sgx float32)
// gx += s·(dout·w − sg − (x−m)·s·sgx) for n a multiple of 8.
TEXT ·lnDxAVX2(SB), NOSPLIT, $0-56
	MOVQ         gx+0(FP), DI
	MOVQ         dout+8(FP), SI
	MOVQ         w+16(FP), DX
	MOVQ         x+24(FP), R8
	MOVQ         n+32(FP), CX
	VBROADCASTSS m+40(FP), Y12
	VBROADCASTSS s+44(FP), Y13
	VBROADCASTSS sg+48(FP), Y14
	VBROADCASTSS sgx+52(FP), Y15

dxLoop:
	CMPQ         CX, $0
	JLE          dxDone
	VMOVUPS      (R8), Y0
	VSUBPS       Y12, Y0, Y0
	VMULPS       Y13, Y0, Y0  // x̂
	VMOVUPS      (SI), Y1
	VMULPS       (DX), Y1, Y1 // dout·w
	VSUBPS       Y14, Y1, Y1
	VFNMADD231PS Y15, Y0, Y1  // − x̂·sgx
	VMOVUPS      (DI), Y2
	VFMADD231PS  Y13, Y1, Y2  // gx += s·(…)
	VMOVUPS      Y2, (DI)
	ADDQ         $32, SI
	ADDQ         $32, DX
	ADDQ         $32, R8
	ADDQ         $32, DI
	SUBQ         $8, CX
	JMP          dxLoop

dxDone:
	VZEROUPPER
	RET

// func lnGradAccAVX2(aw, ab *float64, x, dout *float32, n int, m, s float32)
// aw += float64(dout·(x−m)·s), ab += float64(dout), for n a multiple of 4:
// the same float32 products as lnGradAccGo, so the same results.
TEXT ·lnGradAccAVX2(SB), NOSPLIT, $0-48
	MOVQ         aw+0(FP), DI
	MOVQ         ab+8(FP), R9
	MOVQ         x+16(FP), SI
	MOVQ         dout+24(FP), DX
	MOVQ         n+32(FP), CX
	VBROADCASTSS m+40(FP), X14
	VBROADCASTSS s+44(FP), X15

accLoop:
	CMPQ      CX, $0
	JLE       accDone
	VMOVUPS   (SI), X0
	VSUBPS    X14, X0, X0
	VMOVUPS   (DX), X1
	VMULPS    X0, X1, X0  // dout·(x−m)
	VMULPS    X15, X0, X0 // ·s
	VCVTPS2PD X0, Y0
	VADDPD    (DI), Y0, Y0
	VMOVUPD   Y0, (DI)
	VCVTPS2PD X1, Y1
	VADDPD    (R9), Y1, Y1
	VMOVUPD   Y1, (R9)
	ADDQ      $16, SI
	ADDQ      $16, DX
	ADDQ      $32, DI
	ADDQ      $32, R9
	SUBQ      $4, CX
	JMP       accLoop

accDone:
	VZEROUPPER
	RET

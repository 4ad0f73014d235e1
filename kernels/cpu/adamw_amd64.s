//go:build amd64 && !noasm

#include "textflag.h"

// func adamwAVX2(w, grad, m, v *float32, n int, k *adamwConsts)
// The AdamW update of adamw.go (adamwGo), eight elements at a time, for n a multiple
// of 8, with the same float32 operations in the same order and no fused
// multiply-adds (VSQRTPS is correctly rounded, as float32(math.Sqrt) of a
// float32 is), so it gives the Go loop's bits. k holds gradScale, β1,
// 1−β1, β2, 1−β2, c1, c2, eps, lr and weight decay.
TEXT ·adamwAVX2(SB), NOSPLIT, $0-48
	MOVQ         w+0(FP), DI
	MOVQ         grad+8(FP), SI
	MOVQ         m+16(FP), DX
	MOVQ         v+24(FP), R8
	MOVQ         n+32(FP), CX
	MOVQ         k+40(FP), AX
	VBROADCASTSS 0(AX), Y6   // gradScale
	VBROADCASTSS 4(AX), Y7   // β1
	VBROADCASTSS 8(AX), Y8   // 1−β1
	VBROADCASTSS 12(AX), Y9  // β2
	VBROADCASTSS 16(AX), Y10 // 1−β2
	VBROADCASTSS 20(AX), Y11 // c1
	VBROADCASTSS 24(AX), Y12 // c2
	VBROADCASTSS 28(AX), Y13 // eps
	VBROADCASTSS 32(AX), Y14 // lr
	VBROADCASTSS 36(AX), Y15 // wd

loop:
	CMPQ    CX, $0
	JLE     done
	VMULPS  (SI), Y6, Y0 // g = gsc·grad
	VMULPS  (DX), Y7, Y1 // β1·m
	VMULPS  Y0, Y8, Y2   // (1−β1)·g
	VADDPS  Y2, Y1, Y1   // m'
	VMOVUPS Y1, (DX)
	VMULPS  (R8), Y9, Y2 // β2·v
	VMULPS  Y0, Y10, Y3  // (1−β2)·g
	VMULPS  Y0, Y3, Y3   // ·g
	VADDPS  Y3, Y2, Y2   // v'
	VMOVUPS Y2, (R8)
	VMULPS  Y12, Y2, Y2  // v'·c2
	VSQRTPS Y2, Y2
	VADDPS  Y13, Y2, Y2  // den
	VMULPS  Y11, Y1, Y1  // m'·c1
	VDIVPS  Y2, Y1, Y1   // /den
	VMOVUPS (DI), Y4
	VMULPS  Y4, Y15, Y5  // wd·w
	VADDPS  Y5, Y1, Y1
	VMULPS  Y1, Y14, Y1  // lr·(…)
	VSUBPS  Y1, Y4, Y4
	VMOVUPS Y4, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, R8
	SUBQ    $8, CX
	JMP     loop

done:
	VZEROUPPER
	RET

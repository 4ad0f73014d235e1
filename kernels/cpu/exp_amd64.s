//go:build amd64 && !noasm

#include "textflag.h"

// Constants of expShiftGo (Cephes expf). The polynomial and 1.0 are
// eight-lane vectors used as memory operands; the rest are broadcast.
DATA expLo<>+0(SB)/4, $-87.3
GLOBL expLo<>(SB), RODATA|NOPTR, $4
DATA expLog2e<>+0(SB)/4, $1.4426950408889634
GLOBL expLog2e<>(SB), RODATA|NOPTR, $4
DATA expC1<>+0(SB)/4, $0.693359375
GLOBL expC1<>(SB), RODATA|NOPTR, $4
DATA expC2<>+0(SB)/4, $-0.00021219444
GLOBL expC2<>(SB), RODATA|NOPTR, $4
DATA expP0<>+0(SB)/4, $0.000198756915
DATA expP0<>+4(SB)/4, $0.000198756915
DATA expP0<>+8(SB)/4, $0.000198756915
DATA expP0<>+12(SB)/4, $0.000198756915
DATA expP0<>+16(SB)/4, $0.000198756915
DATA expP0<>+20(SB)/4, $0.000198756915
DATA expP0<>+24(SB)/4, $0.000198756915
DATA expP0<>+28(SB)/4, $0.000198756915
GLOBL expP0<>(SB), RODATA|NOPTR, $32
DATA expP1<>+0(SB)/4, $0.0013981999507
DATA expP1<>+4(SB)/4, $0.0013981999507
DATA expP1<>+8(SB)/4, $0.0013981999507
DATA expP1<>+12(SB)/4, $0.0013981999507
DATA expP1<>+16(SB)/4, $0.0013981999507
DATA expP1<>+20(SB)/4, $0.0013981999507
DATA expP1<>+24(SB)/4, $0.0013981999507
DATA expP1<>+28(SB)/4, $0.0013981999507
GLOBL expP1<>(SB), RODATA|NOPTR, $32
DATA expP2<>+0(SB)/4, $0.0083334519073
DATA expP2<>+4(SB)/4, $0.0083334519073
DATA expP2<>+8(SB)/4, $0.0083334519073
DATA expP2<>+12(SB)/4, $0.0083334519073
DATA expP2<>+16(SB)/4, $0.0083334519073
DATA expP2<>+20(SB)/4, $0.0083334519073
DATA expP2<>+24(SB)/4, $0.0083334519073
DATA expP2<>+28(SB)/4, $0.0083334519073
GLOBL expP2<>(SB), RODATA|NOPTR, $32
DATA expP3<>+0(SB)/4, $0.041665795894
DATA expP3<>+4(SB)/4, $0.041665795894
DATA expP3<>+8(SB)/4, $0.041665795894
DATA expP3<>+12(SB)/4, $0.041665795894
DATA expP3<>+16(SB)/4, $0.041665795894
DATA expP3<>+20(SB)/4, $0.041665795894
DATA expP3<>+24(SB)/4, $0.041665795894
DATA expP3<>+28(SB)/4, $0.041665795894
GLOBL expP3<>(SB), RODATA|NOPTR, $32
DATA expP4<>+0(SB)/4, $0.16666665459
DATA expP4<>+4(SB)/4, $0.16666665459
DATA expP4<>+8(SB)/4, $0.16666665459
DATA expP4<>+12(SB)/4, $0.16666665459
DATA expP4<>+16(SB)/4, $0.16666665459
DATA expP4<>+20(SB)/4, $0.16666665459
DATA expP4<>+24(SB)/4, $0.16666665459
DATA expP4<>+28(SB)/4, $0.16666665459
GLOBL expP4<>(SB), RODATA|NOPTR, $32
DATA expP5<>+0(SB)/4, $0.50000001201
DATA expP5<>+4(SB)/4, $0.50000001201
DATA expP5<>+8(SB)/4, $0.50000001201
DATA expP5<>+12(SB)/4, $0.50000001201
DATA expP5<>+16(SB)/4, $0.50000001201
DATA expP5<>+20(SB)/4, $0.50000001201
DATA expP5<>+24(SB)/4, $0.50000001201
DATA expP5<>+28(SB)/4, $0.50000001201
GLOBL expP5<>(SB), RODATA|NOPTR, $32
DATA expOne<>+0(SB)/4, $1.0
DATA expOne<>+4(SB)/4, $1.0
DATA expOne<>+8(SB)/4, $1.0
DATA expOne<>+12(SB)/4, $1.0
DATA expOne<>+16(SB)/4, $1.0
DATA expOne<>+20(SB)/4, $1.0
DATA expOne<>+24(SB)/4, $1.0
DATA expOne<>+28(SB)/4, $1.0
GLOBL expOne<>(SB), RODATA|NOPTR, $32
DATA expBias<>+0(SB)/4, $127
DATA expBias<>+4(SB)/4, $127
DATA expBias<>+8(SB)/4, $127
DATA expBias<>+12(SB)/4, $127
DATA expBias<>+16(SB)/4, $127
DATA expBias<>+20(SB)/4, $127
DATA expBias<>+24(SB)/4, $127
DATA expBias<>+28(SB)/4, $127
GLOBL expBias<>(SB), RODATA|NOPTR, $32

// func expShiftAVX2(x *float32, n int, shift float32) float32
TEXT ·expShiftAVX2(SB), NOSPLIT, $0-28
	MOVQ         x+0(FP), DI
	MOVQ         n+8(FP), CX
	VBROADCASTSS shift+16(FP), Y15
	VBROADCASTSS expLo<>(SB), Y14
	VBROADCASTSS expLog2e<>(SB), Y13
	VBROADCASTSS expC1<>(SB), Y12
	VBROADCASTSS expC2<>(SB), Y11
	VXORPS       Y3, Y3, Y3 // running sums

loop:
	CMPQ         CX, $0
	JLE          done
	VMOVUPS      (DI), Y0
	VSUBPS       Y15, Y0, Y0                  // v = x - shift
	VMAXPS       Y0, Y14, Y0                  // v = max(-87.3, v); a NaN v is kept
	VMULPS       Y13, Y0, Y1                  // v·log2(e)
	VROUNDPS     $0, Y1, Y1                   // n = round to nearest
	VCVTPS2DQ    Y1, Y2
	VPADDD       expBias<>(SB), Y2, Y2
	VPSLLD       $23, Y2, Y2                  // 2^n
	VFNMADD231PS Y12, Y1, Y0                  // r = v - n·C1
	VFNMADD231PS Y11, Y1, Y0                  // r -= n·C2
	VMOVUPS      expP0<>(SB), Y1              // p = P0
	VFMADD213PS  expP1<>(SB), Y0, Y1          // p = p·r + P1
	VFMADD213PS  expP2<>(SB), Y0, Y1
	VFMADD213PS  expP3<>(SB), Y0, Y1
	VFMADD213PS  expP4<>(SB), Y0, Y1
	VFMADD213PS  expP5<>(SB), Y0, Y1
	VMULPS       Y0, Y0, Y4                   // r²
	VFMADD213PS  Y0, Y4, Y1                   // p·r² + r
	VADDPS       expOne<>(SB), Y1, Y1         // + 1
	VMULPS       Y2, Y1, Y1                   // · 2^n
	VMOVUPS      Y1, (DI)
	VADDPS       Y1, Y3, Y3
	ADDQ         $32, DI
	SUBQ         $8, CX
	JMP          loop

done:
	VEXTRACTF128 $1, Y3, X0
	VADDPS       X3, X0, X0
	VHADDPS      X0, X0, X0
	VHADDPS      X0, X0, X0
	VZEROUPPER
	MOVSS        X0, ret+24(FP)
	RET

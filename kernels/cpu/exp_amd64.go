//go:build amd64 && !noasm

package cpu

import "golang.org/x/sys/cpu"

// expShiftAVX2 is expShiftGo on n elements (a multiple of 8), eight at a
// time with AVX2 and FMA; it returns the sum of the results.
//
//go:noescape
func expShiftAVX2(x *float32, n int, shift float32) float32

// hasVectorExp reports whether expShiftAVX2 can run here.
var hasVectorExp = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// expShift is expShiftGo, with the bulk of the elements through AVX2 when
// the CPU has it.
func expShift(x []float32, shift float32) float32 {
	if !hasVectorExp || len(x) < 8 {
		return expShiftGo(x, shift)
	}
	n := len(x) &^ 7
	return expShiftAVX2(&x[0], n, shift) + expShiftGo(x[n:], shift)
}

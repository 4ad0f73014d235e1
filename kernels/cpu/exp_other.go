//go:build !amd64 || noasm

package cpu

// hasVectorExp reports whether expShift runs assembly: never on this build.
const hasVectorExp = false

// expShift is expShiftGo: no assembly on this build.
func expShift(x []float32, shift float32) float32 { return expShiftGo(x, shift) }

//go:build !amd64 || noasm

package cpu

// rowMax is rowMaxGo: no assembly on this build.
func rowMax(x []float32) float32 { return rowMaxGo(x) }

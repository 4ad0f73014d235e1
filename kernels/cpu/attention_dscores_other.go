//go:build !amd64 || noasm

package cpu

// dscoresRow is dscoresRowGo: no assembly on this build.
func dscoresRow(dp, p []float32, d float32) { dscoresRowGo(dp, p, d) }

//go:build !amd64 || noasm

package cpu

// No assembly on this build: the LayerNorm row loops are the Go ones.

func rowSum(x []float32) float64 { return rowSumGo(x) }

func rowSqDev(x []float32, m float32) float64 { return rowSqDevGo(x, m) }

func lnApply(o, x, w, b []float32, m, s float32) { lnApplyGo(o, x, w, b, m, s) }

func rowGradSums(dout, w, x []float32, m float32) (float32, float32) {
	return rowGradSumsGo(dout, w, x, m)
}

func lnDx(gx, dout, w, x []float32, m, s, sg, sgx float32) { lnDxGo(gx, dout, w, x, m, s, sg, sgx) }

func lnGradAcc(aw, ab []float64, x, dout []float32, m, s float32) {
	lnGradAccGo(aw, ab, x, dout, m, s)
}

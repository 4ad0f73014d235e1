//go:build amd64 && !noasm

package cpu

// AVX2 versions of layernorm.go's row loops; each handles the bulk of a
// row (n a multiple of the width it names) and its wrapper below finishes
// the tail with the Go loop.

//go:noescape
func rowSumAVX2(x *float32, n int) float64

//go:noescape
func rowSqDevAVX2(x *float32, n int, m float32) float64

//go:noescape
func lnApplyAVX2(o, x, w, b *float32, n int, m, s float32)

//go:noescape
func rowGradSumsAVX2(dout, w, x *float32, n int, m float32) (sg, sgx float32)

//go:noescape
func lnDxAVX2(gx, dout, w, x *float32, n int, m, s, sg, sgx float32)

//go:noescape
func lnGradAccAVX2(aw, ab *float64, x, dout *float32, n int, m, s float32)

// hasVectorLN reports whether the AVX2 LayerNorm loops can run here.
var hasVectorLN = hasVectorExp

// rowSum is rowSumGo with the bulk through AVX2.
func rowSum(x []float32) float64 {
	n := len(x) &^ 15
	if !hasVectorLN || n == 0 {
		return rowSumGo(x)
	}
	return rowSumAVX2(&x[0], n) + rowSumGo(x[n:])
}

// rowSqDev is rowSqDevGo with the bulk through AVX2.
func rowSqDev(x []float32, m float32) float64 {
	n := len(x) &^ 15
	if !hasVectorLN || n == 0 {
		return rowSqDevGo(x, m)
	}
	return rowSqDevAVX2(&x[0], n, m) + rowSqDevGo(x[n:], m)
}

// lnApply is lnApplyGo with the bulk through AVX2.
func lnApply(o, x, w, b []float32, m, s float32) {
	n := 0
	if hasVectorLN {
		if n = len(x) &^ 7; n > 0 {
			lnApplyAVX2(&o[0], &x[0], &w[0], &b[0], n, m, s)
		}
	}
	lnApplyGo(o[n:], x[n:], w[n:], b[n:], m, s)
}

// rowGradSums is rowGradSumsGo with the bulk through AVX2.
func rowGradSums(dout, w, x []float32, m float32) (float32, float32) {
	n := len(x) &^ 7
	if !hasVectorLN || n == 0 {
		return rowGradSumsGo(dout, w, x, m)
	}
	sg, sgx := rowGradSumsAVX2(&dout[0], &w[0], &x[0], n, m)
	tg, tgx := rowGradSumsGo(dout[n:], w[n:], x[n:], m)
	return sg + tg, sgx + tgx
}

// lnDx is lnDxGo with the bulk through AVX2.
func lnDx(gx, dout, w, x []float32, m, s, sg, sgx float32) {
	n := 0
	if hasVectorLN {
		if n = len(x) &^ 7; n > 0 {
			lnDxAVX2(&gx[0], &dout[0], &w[0], &x[0], n, m, s, sg, sgx)
		}
	}
	lnDxGo(gx[n:], dout[n:], w[n:], x[n:], m, s, sg, sgx)
}

// lnGradAcc is lnGradAccGo with the bulk through AVX2 (same results).
func lnGradAcc(aw, ab []float64, x, dout []float32, m, s float32) {
	n := 0
	if hasVectorLN {
		if n = len(x) &^ 3; n > 0 {
			lnGradAccAVX2(&aw[0], &ab[0], &x[0], &dout[0], n, m, s)
		}
	}
	lnGradAccGo(aw[n:], ab[n:], x[n:], dout[n:], m, s)
}

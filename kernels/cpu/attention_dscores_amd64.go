//go:build amd64 && !noasm

package cpu

// dscoresAVX2 sets dp[i] = p[i]·(dp[i] − d) for n elements (a multiple of 8).
//
//go:noescape
func dscoresAVX2(dp, p *float32, n int, d float32)

// dscoresRow is dscoresRowGo with the bulk through AVX2 (same results).
func dscoresRow(dp, p []float32, d float32) {
	n := 0
	if hasVectorExp {
		if n = len(p) &^ 7; n > 0 {
			dscoresAVX2(&dp[0], &p[0], n, d)
		}
	}
	dscoresRowGo(dp[n:], p[n:], d)
}

//go:build amd64 && !noasm

package cpu

// adamwAVX2 is adamwGo on n elements (a multiple of 8), eight at a time.
//
//go:noescape
func adamwAVX2(w, grad, m, v *float32, n int, k *adamwConsts)

// adamwRange is adamwGo with the bulk through AVX2 (same results).
func adamwRange(w, g, m, v []float32, k *adamwConsts) {
	n := 0
	if hasVectorExp {
		if n = len(w) &^ 7; n > 0 {
			adamwAVX2(&w[0], &g[0], &m[0], &v[0], n, k)
		}
	}
	adamwGo(w[n:], g[n:], m[n:], v[n:], k)
}

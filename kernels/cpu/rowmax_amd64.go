//go:build amd64 && !noasm

package cpu

// rowMaxAVX2 folds n elements of x (a multiple of 8) into the 32 lane
// maxima m, keeping rowMaxGo's treatment of NaN.
//
//go:noescape
func rowMaxAVX2(x *float32, n int, m *[32]float32)

// rowMax is rowMaxGo, with the bulk of a long row through AVX2.
func rowMax(x []float32) float32 {
	if !hasVectorExp || len(x) < 16 {
		return rowMaxGo(x)
	}
	n := len(x) &^ 7
	var m [32]float32
	for i := range m {
		m[i] = x[0]
	}
	rowMaxAVX2(&x[0], n, &m)
	r := m[0]
	for _, v := range m[1:] {
		if v > r {
			r = v
		}
	}
	for _, v := range x[n:] {
		if v > r {
			r = v
		}
	}
	return r
}

//go:build amd64 && !noasm

package cpu

// geluAVX2 sets out[i] = GeLU(x[i]) for n elements (a multiple of 8).
//
//go:noescape
func geluAVX2(out, x *float32, n int)

// geluBackwardAVX2 accumulates dx[i] += dout[i]·GeLU'(x[i]) for n
// elements (a multiple of 8).
//
//go:noescape
func geluBackwardAVX2(dx, x, dout *float32, n int)

// geluRange is geluGo with the bulk through AVX2 where the CPU has it.
func geluRange(o, x []float32) {
	n := 0
	if hasVectorExp {
		n = len(x) &^ 7
		if n > 0 {
			geluAVX2(&o[0], &x[0], n)
		}
	}
	geluGo(o[n:], x[n:])
}

// geluBackwardRange is geluBackwardGo with the bulk through AVX2 where the CPU has it.
func geluBackwardRange(g, x, dout []float32) {
	n := 0
	if hasVectorExp {
		n = len(x) &^ 7
		if n > 0 {
			geluBackwardAVX2(&g[0], &x[0], &dout[0], n)
		}
	}
	geluBackwardGo(g[n:], x[n:], dout[n:])
}

//go:build amd64 && !noasm

package cpu

// swigluAVX2 sets out[i] = SiLU(gate[i])·up[i] for n elements (a multiple of 8).
//
//go:noescape
func swigluAVX2(out, gate, up *float32, n int)

// swigluBackwardAVX2 accumulates da[i] += dout·up·σ(a)·(1+a·(1−σ(a))) and
// db[i] += dout·SiLU(a), a = gate[i], for n elements (a multiple of 8).
//
//go:noescape
func swigluBackwardAVX2(da, db, gate, up, dout *float32, n int)

// swigluRange is swigluGo with the bulk through AVX2 where the CPU has it.
func swigluRange(o, gate, up []float32) {
	n := 0
	if hasVectorExp {
		n = len(gate) &^ 7
		if n > 0 {
			swigluAVX2(&o[0], &gate[0], &up[0], n)
		}
	}
	swigluGo(o[n:], gate[n:], up[n:])
}

// swigluBackwardRange is swigluBackwardGo with the bulk through AVX2 where the CPU has it.
func swigluBackwardRange(da, db, gate, up, dout []float32) {
	n := 0
	if hasVectorExp {
		n = len(gate) &^ 7
		if n > 0 {
			swigluBackwardAVX2(&da[0], &db[0], &gate[0], &up[0], &dout[0], n)
		}
	}
	swigluBackwardGo(da[n:], db[n:], gate[n:], up[n:], dout[n:])
}

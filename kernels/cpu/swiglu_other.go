//go:build !amd64 || noasm

package cpu

// swigluRange is swigluGo: no assembly on this build.
func swigluRange(o, gate, up []float32) { swigluGo(o, gate, up) }

// swigluBackwardRange is swigluBackwardGo: no assembly on this build.
func swigluBackwardRange(da, db, gate, up, dout []float32) {
	swigluBackwardGo(da, db, gate, up, dout)
}

//go:build !amd64 || noasm

package cpu

// geluRange is geluGo: no assembly on this build.
func geluRange(o, x []float32) { geluGo(o, x) }

// geluBackwardRange is geluBackwardGo: no assembly on this build.
func geluBackwardRange(g, x, dout []float32) { geluBackwardGo(g, x, dout) }

// swigluRange is swigluGo: no assembly on this build.
func swigluRange(o, gate, up []float32) { swigluGo(o, gate, up) }

// swigluBackwardRange is swigluBackwardGo: no assembly on this build.
func swigluBackwardRange(da, db, gate, up, dout []float32) {
	swigluBackwardGo(da, db, gate, up, dout)
}

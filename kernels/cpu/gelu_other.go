//go:build !amd64 || noasm

package cpu

// geluRange is geluGo: no assembly on this build.
func geluRange(o, x []float32) { geluGo(o, x) }

// geluBackwardRange is geluBackwardGo: no assembly on this build.
func geluBackwardRange(g, x, dout []float32) { geluBackwardGo(g, x, dout) }

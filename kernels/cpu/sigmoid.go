package cpu

import "math"

// sigChunk is the most elements sigmoids handles per call (a stack array).
const sigChunk = 256

// sigmoids sets s[i] = σ(z[i]) = 1/(1+e^−z) for len(z) ≤ sigChunk, with
// the exponentials through expShift (vectorised where the CPU can): it
// takes e^−|z| ≤ 1, so nothing overflows, then picks 1/(1+e) or e/(1+e) by
// z's sign bit without a branch (the signs of activations are random, so a
// branch would mispredict half the time). NaN stays NaN. s may be z.
func sigmoids(s, z []float32) {
	var t [sigChunk]float32
	e := t[:len(z)]
	for i, v := range z {
		e[i] = math.Float32frombits(math.Float32bits(v) | 1<<31) // −|v|
	}
	expShift(e, 0)
	for i, v := range z {
		r := 1 / (1 + e[i])
		neg := uint32(int32(math.Float32bits(v)) >> 31) // all ones when v < 0
		s[i] = math.Float32frombits(math.Float32bits(r)&^neg | math.Float32bits(e[i]*r)&neg)
	}
}

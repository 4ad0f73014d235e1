package cpu

import "math"

// activationInputs spans the GeLU/SiLU range, the far tails, ±0, ±Inf
// and NaN, with a length that leaves a tail for the scalar loop.
func activationInputs() []float32 {
	var x []float32
	for v := float32(-30); v < 30; v += 0.0371 {
		x = append(x, v)
	}
	x = append(x, 0, float32(math.Copysign(0, -1)), -100, 100, -1e30, 1e30,
		float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 1e-30, -1e-30)
	return x
}

// close reports whether got is within rel·|want| + abs of want, NaN matching NaN.
func closeTo(got float32, want, rel, abs float64) bool {
	if math.IsNaN(want) || math.IsNaN(float64(got)) {
		return math.IsNaN(want) && math.IsNaN(float64(got))
	}
	if math.IsInf(want, 0) {
		return float64(got) == want
	}
	return math.Abs(float64(got)-want) <= rel*math.Abs(want)+abs
}

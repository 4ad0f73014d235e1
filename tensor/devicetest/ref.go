package devicetest

import (
	"math"
)

// The float64 reference ops: plain loops, written for clarity, not speed.

// refBF16 rounds x to the nearest bfloat16 (8 significant bits), ties to
// even, by arithmetic on the value rather than on its bits.
func refBF16(x float64) float64 {
	if x == 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return x
	}
	_, e := math.Frexp(math.Abs(x)) // |x| = f·2^e, f in [0.5, 1)
	e = max(e, -125)                // subnormals keep the smallest normal's spacing
	ulp := math.Ldexp(1, e-8)
	return math.RoundToEven(x/ulp) * ulp
}

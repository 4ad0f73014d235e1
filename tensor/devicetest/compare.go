package devicetest

import (
	"fmt"
	"math"
)

var nan32 = float32(math.NaN())

// tiny is the magnitude below which values are not compared relative to
// themselves: float32 cannot hold them to full precision (subnormals,
// which GPUs may also flush to zero), so differences there are noise.
const tiny = 0x1p-100

// closeTo checks every element: got must be finite and
// |got−want| ≤ tol·max(|want|, rms(want), 2^-100), i.e. a relative error,
// with elements near zero measured against the typical magnitude of the
// output. NaN and Inf in got always fail; with tol 0 the match is exact.
func closeTo(got, want []float64, tol float64) error {
	_, err := relErr(got, want, nil, tol)
	return err
}

// relErr is closeTo that also returns the worst relative error it
// measured. When scale is non-nil, scale[i] joins the denominator of
// element i: the magnitude of the operands whose cancellation produced it
// (|a|+|b| for a sum), against which float32 rounding is measured.
func relErr(got, want, scale []float64, tol float64) (float64, error) {
	if len(got) != len(want) {
		return 0, fmt.Errorf("%d values, want %d", len(got), len(want))
	}
	var ss float64
	for _, w := range want {
		if math.IsNaN(w) || math.IsInf(w, 0) {
			return 0, fmt.Errorf("reference is not finite (%v): the test is broken", w)
		}
		ss += w * w
	}
	rms := math.Sqrt(ss / float64(max(len(want), 1)))
	worst, at := 0.0, -1
	for i, g := range got {
		if math.IsNaN(g) || math.IsInf(g, 0) {
			return math.Inf(1), fmt.Errorf("element %d of %d is %v (want %v)", i, len(got), g, want[i])
		}
		var r float64
		if g != want[i] {
			den := max(math.Abs(want[i]), rms, tiny)
			if scale != nil {
				den = max(den, scale[i])
			}
			r = math.Abs(g-want[i]) / den
		}
		if r > worst || at < 0 {
			worst, at = r, i
		}
	}
	if worst > tol {
		return worst, fmt.Errorf("relative error %.3g > bound %.3g at element %d of %d: got %v, want %v", worst, tol, at, len(got), got[at], want[at])
	}
	return worst, nil
}

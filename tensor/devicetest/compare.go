package devicetest

import (
	"fmt"
	"math"
)

var nan32 = float32(math.NaN())

// closeTo checks every element: got must be finite and
// |got−want| ≤ tol·max(|want|, rms(want)), i.e. a relative error, with
// elements near zero measured against the typical magnitude of the output.
// NaN and Inf in got always fail; an all-zero want demands an exact match.
func closeTo(got, want []float64, tol float64) error {
	_, err := relErr(got, want, tol)
	return err
}

// relErr is closeTo that also returns the worst relative error it measured.
func relErr(got, want []float64, tol float64) (float64, error) {
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
		den := max(math.Abs(want[i]), rms)
		var r float64
		switch {
		case den > 0:
			r = math.Abs(g-want[i]) / den
		case g != want[i]:
			r = math.Inf(1)
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

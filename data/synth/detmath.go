package synth

import "math"

// The Zipf table must come out bit for bit the same on every machine, so
// it cannot use math.Log, math.Exp or math.Pow: on some architectures
// those are assembly whose last bit may differ from the pure-Go code
// elsewhere. detLog and detExp use only IEEE-754 basic operations, each
// rounded explicitly (float64(...)) so that no compiler fuses a multiply
// and an add, and exact bit manipulation (Frexp, Ldexp).

const (
	ln2    = 0.693147180559945309417232121458176568
	sqrt12 = 0.707106781186547524400844362104849039
)

// detLog is the natural logarithm of x > 0, to about 1e-15 relative.
func detLog(x float64) float64 {
	m, e := math.Frexp(x) // x = m·2^e, m in [0.5, 1)
	if m < sqrt12 {
		m = float64(m * 2)
		e--
	}
	f := float64(float64(m-1) / float64(m+1)) // |f| ≤ 0.172
	f2 := float64(f * f)
	// log m = 2·atanh f = 2(f + f³/3 + f⁵/5 + ...)
	sum, term := 0.0, f
	for k := 1; k <= 27; k += 2 {
		sum = float64(sum + float64(term/float64(k)))
		term = float64(term * f2)
	}
	return float64(float64(float64(e)*ln2) + float64(2*sum))
}

// detExp is e^x for |x| < 700, to about 1e-15 relative.
func detExp(x float64) float64 {
	k := math.Floor(float64(x/ln2) + 0.5)
	r := float64(x - float64(k*ln2)) // |r| ≤ 0.35
	sum, term := 1.0, 1.0
	for i := 1; i <= 20; i++ {
		term = float64(float64(term*r) / float64(i))
		sum = float64(sum + term)
	}
	return math.Ldexp(sum, int(k))
}

// detPow is x^y for x > 0, computed with detLog and detExp.
func detPow(x, y float64) float64 {
	return detExp(float64(y * detLog(x)))
}

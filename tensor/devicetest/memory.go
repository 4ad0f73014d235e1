package devicetest

import (
	"fmt"
	"math"
	"testing"

	"github.com/empirical-scaling/harness/tensor"
)

// sizes are the element counts of the elementwise cases: tiny, odd, around
// the SIMD widths and past any threshold where a backend goes parallel.
var sizes = []int{1, 3, 17, 63, 65, 1000, 5003, 40001}

func (s *suite) memory(t *testing.T) {
	for _, n := range sizes {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			e := s.env(t)
			vals := e.randn(n, 3)
			b, got := e.input(tensor.Float32, vals)
			e.expect("Write/Read round trip", got, f64(vals), s.tol("copy", tensor.Float32))

			c := e.alloc(tensor.Float32, n)
			e.must("Copy", s.dev.Copy(c, b))
			e.expect("Copy", e.read(c), f64(vals), s.tol("copy", tensor.Float32))

			e.must("Fill", s.dev.Fill(c, -2.5))
			e.expect("Fill", e.read(c), constant(n, -2.5), 0)
		})
	}
}

func (s *suite) bf16Storage(t *testing.T) {
	// Values that tie exactly between two bfloat16s must round to the even one.
	ties := []float32{
		1 + 1.0/256,                                   // halfway between 1 and 1+2^-7: down to 1 (even)
		1 + 3.0/256,                                   // halfway between 1+2^-7 and 1+2^-6: up to 1+2^-6 (even)
		-(2 + 2.0/256),                                // halfway, negative: to −2 (even)
		1 + 1.0/256 + 1.0/65536,                       // just above halfway: up
		float32(math.Ldexp(1.5, -130)),                // a subnormal
		0, float32(math.Copysign(0, -1)), 65504, 3e38, // +0 and −0 (a literal -0.0 is +0 in Go)
	}
	for _, n := range sizes {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			e := s.env(t)
			vals := e.randn(n, 10)
			copy(vals, ties)
			want := make([]float64, n)
			for i, v := range vals {
				want[i] = refBF16(float64(v))
			}
			b, got := e.input(tensor.BFloat16, vals)
			e.expect("Write F32→BF16 then Read", got, want, s.tol("bf16cast", tensor.BFloat16))
			expectZeroSigns(t, "Write F32→BF16 then Read", got, want)

			src, _ := e.input(tensor.Float32, vals)
			c := e.alloc(tensor.BFloat16, n)
			e.must("Copy F32→BF16", s.dev.Copy(c, src))
			cb := e.read(c)
			e.expect("Copy F32→BF16", cb, want, s.tol("bf16cast", tensor.BFloat16))
			expectZeroSigns(t, "Copy F32→BF16", cb, want)

			back := e.alloc(tensor.Float32, n)
			e.must("Copy BF16→F32", s.dev.Copy(back, b))
			wide := e.read(back)
			e.expect("Copy BF16→F32 (exact widening)", wide, want, s.tol("copy", tensor.Float32))
			expectZeroSigns(t, "Copy BF16→F32", wide, want)

			e.must("Fill BF16", s.dev.Fill(c, 1+1.0/256))
			e.expect("Fill BF16 rounds its value", e.read(c), constant(n, 1), 0)
		})
	}
}

// expectZeroSigns fails where want holds a zero and got a zero of the other
// sign: a relative error cannot tell −0 from +0, but a cast that loses the
// sign bit is wrong.
func expectZeroSigns(t *testing.T, what string, got, want []float64) {
	t.Helper()
	for i, w := range want {
		if w == 0 && got[i] == 0 && math.Signbit(w) != math.Signbit(got[i]) {
			t.Errorf("%s: element %d is %v, want %v (the sign of zero is lost)", what, i, got[i], w)
		}
	}
}

func f64(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

func constant(n int, v float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

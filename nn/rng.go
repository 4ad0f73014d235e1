package nn

import "math"

// RNG is a small seeded generator whose stream is fixed by this file
// (splitmix64), so a seed gives the same initial weights on every machine
// and Go version (math/rand's streams are not specified).
type RNG struct{ state uint64 }

// NewRNG returns a generator seeded with seed.
func NewRNG(seed uint64) *RNG { return &RNG{state: seed} }

// State returns the generator's position, for checkpoints.
func (r *RNG) State() uint64 { return r.state }

// SetState restores a position returned by State.
func (r *RNG) SetState(s uint64) { r.state = s }

// Uint64 returns the next 64 random bits (splitmix64).
func (r *RNG) Uint64() uint64 {
	r.state += 0x9e3779b97f4a7c15
	z := r.state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// Float64 returns a uniform value in [0, 1) with 53 random bits.
func (r *RNG) Float64() float64 { return float64(r.Uint64()>>11) / (1 << 53) }

// Normal returns a standard normal value by Marsaglia's polar method. Its
// only transcendental function is detLog below, written so that the
// compiler cannot fuse its multiply-adds: the stream is bit-identical
// across architectures (math.Log has assembly on some of them).
func (r *RNG) Normal() float64 {
	for {
		u := 2*r.Float64() - 1
		v := 2*r.Float64() - 1
		s := float64(u*u) + float64(v*v)
		if s >= 1 || s == 0 {
			continue
		}
		return u * math.Sqrt(float64(-2*detLog(s))/s)
	}
}

// detLog is the natural logarithm of x in (0, 1], computed with IEEE
// operations only: x = m·2^e with m in [√½, √2) (exact), then
// ln m = 2·atanh(s), s = (m−1)/(m+1) in [−0.172, 0.172], by its odd
// series, which reaches float64 precision within 40 terms. Every product is
// rounded explicitly (float64(...)) so that no fused multiply-add changes
// the result on any platform.
func detLog(x float64) float64 {
	m, e := math.Frexp(x)
	if m < math.Sqrt2/2 {
		m, e = 2*m, e-1 // m in [√½, √2): |s| ≤ 0.172, no cancellation near 1
	}
	s := (m - 1) / (m + 1)
	s2 := float64(s * s)
	term := s
	sum := 0.0
	for k := 1; k < 80; k += 2 {
		sum += float64(term / float64(k))
		term = float64(term * s2)
	}
	const ln2 = 0.6931471805599453
	return float64(2*sum) + float64(float64(e)*ln2)
}

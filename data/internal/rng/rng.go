// Package rng is a tiny, fully specified pseudo-random generator
// (splitmix64) so that every machine and every Go version draws the same
// numbers from the same seed. math/rand's streams are not specified, so
// the data pipeline never uses them.
package rng

import "math/bits"

// golden is the splitmix64 increment (2^64 / golden ratio, odd).
const golden = 0x9e3779b97f4a7c15

// Mix is the splitmix64 finaliser: a bijective, well-mixed function of x.
func Mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// At returns the i-th output (0-based) of the splitmix64 stream seeded
// with seed. It is counter based, so any position can be reached in O(1).
func At(seed, i uint64) uint64 {
	return Mix(seed + (i+1)*golden)
}

// Below maps a uniform 64-bit value x to [0, n) by a 64×64→128-bit
// multiply (Lemire). The bias is below n/2^64, negligible for every n
// the pipeline uses. n must be > 0.
func Below(x, n uint64) uint64 {
	hi, _ := bits.Mul64(x, n)
	return hi
}

// Source is a sequential splitmix64 stream.
type Source struct {
	state uint64
}

// New returns a stream seeded with seed.
func New(seed uint64) *Source { return &Source{state: seed} }

// Uint64 returns the next 64 random bits.
func (s *Source) Uint64() uint64 {
	s.state += golden
	return Mix(s.state)
}

// Intn returns a value in [0, n); n must be > 0.
func (s *Source) Intn(n int) int {
	return int(Below(s.Uint64(), uint64(n)))
}

// Chance reports true with probability num/den.
func (s *Source) Chance(num, den int) bool {
	return s.Intn(den) < num
}

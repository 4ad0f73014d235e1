package flashport

import "math"

// BF16 holds the bits of a bfloat16 number.
type BF16 uint16

// ToBF16 rounds f to the nearest bfloat16, ties to even, as
// __float2bfloat16_rn does; NaN stays NaN.
func ToBF16(f float32) BF16 {
	u := math.Float32bits(f)
	if u&0x7fffffff > 0x7f800000 {
		return BF16(u>>16 | 0x40) // quiet NaN
	}
	u += 0x7fff + (u>>16)&1
	return BF16(u >> 16)
}

// F32 widens b to float32 exactly.
func (b BF16) F32() float32 { return math.Float32frombits(uint32(b) << 16) }

// RoundBF16 returns f rounded to the nearest bfloat16 value, as a float32.
func RoundBF16(f float32) float32 { return ToBF16(f).F32() }

// packBF16x2 is pack_bf16x2: lo in the low 16 bits.
func packBF16x2(lo, hi float32) uint32 {
	return uint32(ToBF16(lo)) | uint32(ToBF16(hi))<<16
}

// unpackBF16x2 splits a packed pair into (low, high) floats.
func unpackBF16x2(v uint32) (float32, float32) {
	return BF16(v).F32(), BF16(v >> 16).F32()
}

// Elem is an element type the kernels read and write: bf16 or float32.
type Elem interface{ BF16 | float32 }

// toF32 is the .cu's to_f32 overload set.
func toF32[T Elem](v T) float32 {
	switch x := any(v).(type) {
	case BF16:
		return x.F32()
	case float32:
		return x
	}
	panic("unreachable")
}

// fromF32 converts to T, rounding to bf16 when T is BF16.
func fromF32[T Elem](f float32) T {
	var z T
	switch any(z).(type) {
	case BF16:
		return any(ToBF16(f)).(T)
	default:
		return any(f).(T)
	}
}

// store2 is the .cu's store2: p[i], p[i+1] = a, b.
func store2[T Elem](p []T, i int, a, b float32) {
	p[i] = fromF32[T](a)
	p[i+1] = fromF32[T](b)
}

// add2 is the .cu's add2: p[i] += a, p[i+1] += b in float32, then stored.
func add2[T Elem](p []T, i int, a, b float32) {
	p[i] = fromF32[T](toF32(p[i]) + a)
	p[i+1] = fromF32[T](toF32(p[i+1]) + b)
}

package cuda

import "math"

// bf16FromFloat32 rounds to the nearest bfloat16, ties to even; NaN stays
// NaN (quiet) and infinities stay infinite.
func bf16FromFloat32(f float32) uint16 {
	b := math.Float32bits(f)
	if b&0x7fffffff > 0x7f800000 { // NaN
		return uint16(b>>16) | 0x40
	}
	b += 0x7fff + (b>>16)&1
	return uint16(b >> 16)
}

// bf16ToFloat32 widens a bfloat16 exactly.
func bf16ToFloat32(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }

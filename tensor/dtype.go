package tensor

import "fmt"

// DType is the element type of a buffer.
type DType uint8

// Element types. Float32 is the compute type on every device; BFloat16 is a
// storage type for GPU working weights and activations; Int32 holds token
// ids and targets.
const (
	Float32 DType = iota
	BFloat16
	Int32
)

// Size is the number of bytes one element occupies.
func (d DType) Size() int {
	switch d {
	case Float32, Int32:
		return 4
	case BFloat16:
		return 2
	}
	return 0
}

// String names the type as the checkpoint files do.
func (d DType) String() string {
	switch d {
	case Float32:
		return "F32"
	case BFloat16:
		return "BF16"
	case Int32:
		return "I32"
	}
	return fmt.Sprintf("DType(%d)", uint8(d))
}

// IsFloat reports whether d holds real numbers.
func (d DType) IsFloat() bool { return d == Float32 || d == BFloat16 }

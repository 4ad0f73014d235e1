package cuda

import (
	"fmt"
	"math"
	"runtime"
	"unsafe"
)

// Dim3 is a CUDA grid or block size.
type Dim3 struct{ X, Y, Z int }

// dim1 is a one-dimensional grid or block.
func dim1(x int) Dim3 { return Dim3{x, 1, 1} }

// devicePtr is a CUdeviceptr, a device address. It is not a Go pointer.
type devicePtr uint64

// maxKernelArgs bounds one launch's argument count.
const maxKernelArgs = 32

// argPack lays out one launch's kernel arguments the way cuLaunchKernel's
// kernelParams wants them: params[i] points at the value of argument i.
// Each value sits in its own 8-byte slot, little-endian, so a 4-byte
// argument (int, float) is read from the slot's low half and an 8-byte one
// (pointer, long long) from the whole slot.
//
// Go values map to kernel parameter types as follows:
//
//	devicePtr, *buffer (nil → NULL)  →  T* (8 bytes)
//	int, int32, uint32, bool         →  int / unsigned (4 bytes; int is range-checked)
//	int64, uint64                    →  long long (8 bytes)
//	float32                          →  float (4 bytes)
//	float64                          →  double (8 bytes)
//
// The slots and pointer array live in Go memory that is pinned for the
// duration of the launch (runtime.Pinner), which is what lets the driver
// read pointers that point into Go memory.
type argPack struct {
	slots  [maxKernelArgs]uint64
	params [maxKernelArgs]unsafe.Pointer
	n      int
	// For checks (the fake runtime of the tests): each argument's size in
	// bytes as the kernel reads it, and whether it is a device pointer.
	size  [maxKernelArgs]uint8
	isPtr [maxKernelArgs]bool
}

// set stores args into the pack, replacing what was there.
func (a *argPack) set(args ...any) error {
	if len(args) > maxKernelArgs {
		return fmt.Errorf("cuda: %d kernel arguments, at most %d", len(args), maxKernelArgs)
	}
	for i, v := range args {
		var s uint64
		size, isPtr := uint8(4), false
		switch x := v.(type) {
		case devicePtr:
			s, size, isPtr = uint64(x), 8, true
		case *buffer:
			size, isPtr = 8, true
			if x != nil {
				s = uint64(x.ptr)
			}
		case int:
			if x < math.MinInt32 || x > math.MaxInt32 {
				return fmt.Errorf("cuda: kernel argument %d: %d does not fit a 32-bit int", i, x)
			}
			s = uint64(uint32(int32(x)))
		case int32:
			s = uint64(uint32(x))
		case uint32:
			s = uint64(x)
		case bool:
			if x {
				s = 1
			}
		case int64:
			s, size = uint64(x), 8
		case uint64:
			s, size = x, 8
		case float32:
			s = uint64(math.Float32bits(x))
		case float64:
			s, size = math.Float64bits(x), 8
		default:
			return fmt.Errorf("cuda: kernel argument %d has unsupported type %T", i, v)
		}
		a.slots[i] = s
		a.params[i] = unsafe.Pointer(&a.slots[i])
		a.size[i], a.isPtr[i] = size, isPtr
	}
	a.n = len(args)
	return nil
}

// with pins the pack, calls f with the address of the params array (the
// kernelParams of cuLaunchKernel), and unpins it.
func (a *argPack) with(f func(params unsafe.Pointer) error) error {
	var p runtime.Pinner
	p.Pin(a)
	defer p.Unpin()
	return f(unsafe.Pointer(&a.params[0]))
}

package cuda

import (
	"errors"
	"fmt"
	"strings"
)

// Error is a failed CUDA driver or cuBLASLt call.
type Error struct {
	Call string // the function that failed, e.g. "cuMemAlloc_v2"
	Code int    // the CUresult (or cublasStatus_t) value
	Name string // e.g. "CUDA_ERROR_OUT_OF_MEMORY"
	Desc string // the library's description, when it gave one
}

func (e *Error) Error() string {
	if e.Desc == "" {
		return fmt.Sprintf("cuda: %s: %s (%d)", e.Call, e.Name, e.Code)
	}
	return fmt.Sprintf("cuda: %s: %s (%d): %s", e.Call, e.Name, e.Code, e.Desc)
}

// CUresult values this package tests for.
const (
	resultSuccess         = 0
	resultOutOfMemory     = 2
	resultNotInitialized  = 3
	resultNoDevice        = 100
	resultInvalidDevice   = 101
	resultNotFound        = 500
	resultLaunchOutOfRes  = 701
	resultIllegalAddress  = 700
	resultUnsupportedPTX  = 222
	resultInvalidPTX      = 218
	resultInvalidValue    = 1
	resultInvalidContext  = 201
	resultInvalidHandle   = 400
	resultNotReady        = 600
	resultLaunchFailed    = 719
	resultLaunchTimeout   = 702
	resultStubLibrary     = 34
	resultInsufficientDrv = 35
	resultNoBinaryForGPU  = 209
	resultJITNotFound     = 221
)

// resultNames names the CUresult codes a user is likely to meet, for when
// the driver's own cuGetErrorName is unavailable (the library did not load)
// or fails.
var resultNames = map[int]string{
	resultSuccess:         "CUDA_SUCCESS",
	resultInvalidValue:    "CUDA_ERROR_INVALID_VALUE",
	resultOutOfMemory:     "CUDA_ERROR_OUT_OF_MEMORY",
	resultNotInitialized:  "CUDA_ERROR_NOT_INITIALIZED",
	resultStubLibrary:     "CUDA_ERROR_STUB_LIBRARY",
	resultInsufficientDrv: "CUDA_ERROR_INSUFFICIENT_DRIVER",
	resultNoDevice:        "CUDA_ERROR_NO_DEVICE",
	resultInvalidDevice:   "CUDA_ERROR_INVALID_DEVICE",
	resultInvalidContext:  "CUDA_ERROR_INVALID_CONTEXT",
	resultNoBinaryForGPU:  "CUDA_ERROR_NO_BINARY_FOR_GPU",
	resultInvalidPTX:      "CUDA_ERROR_INVALID_PTX",
	resultJITNotFound:     "CUDA_ERROR_JIT_COMPILER_NOT_FOUND",
	resultUnsupportedPTX:  "CUDA_ERROR_UNSUPPORTED_PTX_VERSION",
	resultInvalidHandle:   "CUDA_ERROR_INVALID_HANDLE",
	resultNotFound:        "CUDA_ERROR_NOT_FOUND",
	resultNotReady:        "CUDA_ERROR_NOT_READY",
	resultIllegalAddress:  "CUDA_ERROR_ILLEGAL_ADDRESS",
	resultLaunchOutOfRes:  "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES",
	resultLaunchTimeout:   "CUDA_ERROR_LAUNCH_TIMEOUT",
	resultLaunchFailed:    "CUDA_ERROR_LAUNCH_FAILED",
}

// resultName names a CUresult from the table, or says it is unknown.
func resultName(code int) string {
	if n, ok := resultNames[code]; ok {
		return n
	}
	return fmt.Sprintf("CUDA_ERROR_UNKNOWN_%d", code)
}

// cublasStatusNames names cublasStatus_t values.
var cublasStatusNames = map[int]string{
	0:  "CUBLAS_STATUS_SUCCESS",
	1:  "CUBLAS_STATUS_NOT_INITIALIZED",
	3:  "CUBLAS_STATUS_ALLOC_FAILED",
	7:  "CUBLAS_STATUS_INVALID_VALUE",
	8:  "CUBLAS_STATUS_ARCH_MISMATCH",
	11: "CUBLAS_STATUS_MAPPING_ERROR",
	13: "CUBLAS_STATUS_EXECUTION_FAILED",
	14: "CUBLAS_STATUS_INTERNAL_ERROR",
	15: "CUBLAS_STATUS_NOT_SUPPORTED",
	16: "CUBLAS_STATUS_LICENSE_ERROR",
}

func cublasStatusName(code int) string {
	if n, ok := cublasStatusNames[code]; ok {
		return n
	}
	return fmt.Sprintf("CUBLAS_STATUS_UNKNOWN_%d", code)
}

// IsOutOfMemory reports whether err comes from a CUDA out-of-memory result.
func IsOutOfMemory(err error) bool {
	var ce *Error
	if errors.As(err, &ce) {
		return ce.Code == resultOutOfMemory && !strings.HasPrefix(ce.Call, "cublas")
	}
	return errors.Is(err, ErrOutOfMemory)
}

// ErrOutOfMemory is wrapped by the allocator's error when the device has no
// room for a buffer even after the cache was emptied.
var ErrOutOfMemory = errors.New("out of device memory")

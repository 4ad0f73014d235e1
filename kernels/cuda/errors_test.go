package cuda

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestErrorStrings(t *testing.T) {
	tests := []struct {
		name string
		err  *Error
		want string
	}{
		{"with description", &Error{Call: "cuMemAlloc_v2", Code: 2, Name: "CUDA_ERROR_OUT_OF_MEMORY", Desc: "out of memory"},
			"cuda: cuMemAlloc_v2: CUDA_ERROR_OUT_OF_MEMORY (2): out of memory"},
		{"without description", &Error{Call: "cublasLtMatmul", Code: 7, Name: cublasStatusName(7)},
			"cuda: cublasLtMatmul: CUBLAS_STATUS_INVALID_VALUE (7)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { assert.Equal(t, tt.want, tt.err.Error()) })
	}
}

func TestResultNames(t *testing.T) {
	tests := []struct {
		code int
		want string
	}{
		{0, "CUDA_SUCCESS"}, {2, "CUDA_ERROR_OUT_OF_MEMORY"}, {100, "CUDA_ERROR_NO_DEVICE"},
		{222, "CUDA_ERROR_UNSUPPORTED_PTX_VERSION"}, {700, "CUDA_ERROR_ILLEGAL_ADDRESS"},
		{12345, "CUDA_ERROR_UNKNOWN_12345"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, resultName(tt.code))
	}
	assert.Equal(t, "CUBLAS_STATUS_NOT_SUPPORTED", cublasStatusName(15))
	assert.Equal(t, "CUBLAS_STATUS_UNKNOWN_99", cublasStatusName(99))
}

// With no driver loaded, errorFor still names the call and the code.
func TestErrorForWithoutDriver(t *testing.T) {
	var d *driver
	e := d.errorFor("cuLaunchKernel", resultLaunchOutOfRes)
	assert.Equal(t, "cuda: cuLaunchKernel: CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES (701)", e.Error())
}

func TestIsOutOfMemory(t *testing.T) {
	oom := &Error{Call: "cuMemAlloc_v2", Code: resultOutOfMemory, Name: resultName(resultOutOfMemory)}
	assert.True(t, IsOutOfMemory(oom))
	assert.True(t, IsOutOfMemory(fmt.Errorf("wrapped: %w", oom)))
	assert.True(t, IsOutOfMemory(fmt.Errorf("x: %w", ErrOutOfMemory)))
	assert.False(t, IsOutOfMemory(&Error{Call: "cublasLtMatmul", Code: 2}), "cuBLAS status 2 is not an OOM")
	assert.False(t, IsOutOfMemory(errors.New("other")))
}

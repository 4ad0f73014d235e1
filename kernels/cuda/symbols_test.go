package cuda

import (
	"strings"
	"testing"

	"github.com/ebitengine/purego"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Where libcuda is installed (even on a machine without a GPU, e.g. with
// Debian's libcuda1), every symbol the binding uses must resolve, and a
// failing call must come back as a named error from the driver itself.
func TestDriverSymbolsResolveWhereInstalled(t *testing.T) {
	d, err := loadDriver()
	if err != nil && strings.Contains(err.Error(), "cannot open the driver library") {
		t.Skipf("libcuda is not installed here: %v", err)
	}
	require.NoError(t, err, "libcuda opened but a symbol is missing")
	for _, s := range d.symbols() {
		assert.NotZerof(t, *s.field, "%v", s.names)
	}
	// Ask the real driver to name an error code.
	e := d.errorFor("cuTest", resultIllegalAddress)
	assert.Equal(t, "CUDA_ERROR_ILLEGAL_ADDRESS", e.Name)
	assert.NotEmpty(t, e.Desc, "cuGetErrorString gave no description")
}

// Where cuBLASLt is installed, every symbol the GEMM binding uses resolves.
func TestCublasLtSymbolsResolveWhereInstalled(t *testing.T) {
	for _, p := range cublasLtCandidates(osSearchEnv()) {
		h, err := purego.Dlopen(p, purego.RTLD_NOW|purego.RTLD_GLOBAL)
		if err != nil {
			continue
		}
		lt := &cublasLt{}
		require.NoErrorf(t, resolve(h, lt.symbols()), "cuBLASLt at %s", p)
		return
	}
	t.Skip("libcublasLt is not installed here")
}

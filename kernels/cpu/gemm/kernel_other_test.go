//go:build !amd64 || noasm

package gemm

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestGoKernelSelected checks that without assembly (noasm or another
// architecture) the pure-Go micro-kernel is the one in use, and logs it.
func TestGoKernelSelected(t *testing.T) {
	t.Logf("micro-kernel in use: %s (asm build: %v)", KernelName(), asmBuild)
	require.Equal(t, "go-4x8", KernelName())
}

//go:build amd64 && !noasm

package gemm

import (
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/cpu"
)

// TestAsmKernelSelected checks that a CPU with AVX-512 (or AVX2+FMA) gets
// the assembly micro-kernel, and logs which one ran so CI output says.
func TestAsmKernelSelected(t *testing.T) {
	t.Logf("micro-kernel in use: %s (avx512f=%v avx2=%v fma=%v)", KernelName(), cpu.X86.HasAVX512F, cpu.X86.HasAVX2, cpu.X86.HasFMA)
	switch {
	case cpu.X86.HasAVX512F:
		require.Equal(t, "avx512-12x32", KernelName())
	case cpu.X86.HasAVX2 && cpu.X86.HasFMA:
		require.Equal(t, "avx2-6x16", KernelName())
	default:
		require.Equal(t, "go-4x8", KernelName())
	}
}

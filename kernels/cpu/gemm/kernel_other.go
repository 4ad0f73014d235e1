//go:build !amd64 || noasm

package gemm

// kernels lists the micro-kernels available: without assembly (another
// architecture, or the noasm build tag) only the pure-Go kernel.
func kernels() []*kernel { return []*kernel{goKernel} }

// asmBuild reports whether this build carries the assembly kernels.
const asmBuild = false

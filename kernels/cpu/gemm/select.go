package gemm

// active is the micro-kernel Sgemm uses: the fastest one this CPU runs.
var active = kernels()[0]

// KernelName names the micro-kernel in use (e.g. "avx512-12x32", "avx2-6x16"
// or "go-4x8"), for logs and benchmarks.
func KernelName() string { return active.name }

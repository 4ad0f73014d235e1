package tensor

// KernelPath names the implementations a device runs where it has a
// choice that changes the computed bits: which GEMM, which attention
// kernels, and whether the attention backward is deterministic. Two runs
// on the same KernelPath (and precision) compute the same function to the
// device's determinism; a run resumed on another path would not.
type KernelPath struct {
	// MatMul is MatMulCublasLt, MatMulFallback or MatMulCPU.
	MatMul string `json:"matmul"`
	// Attention is AttentionFlash, AttentionPlain or AttentionCPU.
	Attention string `json:"attention"`
	// AttentionBackward is BackwardDeterministic or BackwardAtomicDQ.
	AttentionBackward string `json:"attention_backward"`
}

// The values of KernelPath's fields.
const (
	MatMulCublasLt = "cublaslt"      // NVIDIA's cuBLASLt GEMMs
	MatMulFallback = "fallback-gemm" // the CUDA backend's own tiled GEMM kernel
	MatMulCPU      = "cpu-sgemm"     // the CPU device's SGEMM

	AttentionFlash = "flash"       // the fused FlashAttention-2-style CUDA kernels
	AttentionPlain = "plain"       // the CUDA reference kernels (one warp per row)
	AttentionCPU   = "cpu-blocked" // the CPU device's blocked attention

	BackwardDeterministic = "deterministic" // no atomics: the same bits on every run
	BackwardAtomicDQ      = "atomic-dq"     // dQ added with float atomics: low bits vary run to run
)

// String is "matmul M, attention A, attention backward B".
func (p KernelPath) String() string {
	return "matmul " + p.MatMul + ", attention " + p.Attention + ", attention backward " + p.AttentionBackward
}

// KernelPather is implemented by devices that report their KernelPath.
type KernelPather interface {
	// KernelPath is the path a model's ops take on buffers of dtype dt
	// (its activations' dtype) with attention heads of headDim.
	KernelPath(dt DType, headDim int) KernelPath
}

// Package kernels opens the compute device a command asks for (Open,
// OpenAll: the CPU, one GPU or every GPU) and is the map of the kernel
// trees below it:
//
//   - kernels/cpu: the CPU device, every op in Go (AVX2 assembly where it
//     pays, pure Go under -tags noasm); kernels/cpu/gemm its SGEMM;
//   - kernels/cuda: the CUDA device, its driver binding and one launcher
//     file per op; kernels/cuda/flashport a Go port of the flash-attention
//     kernel, kernels/cuda/gpumodel whole-model GPU checks;
//   - kernels/src: our CUDA C++ kernels, one .cu per op;
//   - kernels/ptx: their PTX, committed and embedded (each file starts
//     with the SHA-256 of its sources; see kernels/Makefile).
//
// # One op, one name
//
// Every op family has one name, used for its CUDA source, its PTX, its CPU
// file(s), its CUDA launcher, its conformance case in tensor/devicetest
// and its benchmark file (<op>_bench_test.go in kernels/cpu and
// kernels/cuda), so that `ls kernels/*/*gelu* tensor/devicetest/gelu*`
// lists all of GeLU:
//
//	op              Device methods                    files (src/ptx, cpu, cuda, devicetest: <op>.cu/.ptx/.go)
//	elementwise     Fill Copy Add Accumulate          + cpu/memory.go, devicetest/memory.go (Write, Read, Fill, Copy, bf16 storage)
//	matmul          MatMul                            + cpu/gemm/ (SGEMM), cuda/matmul_cublaslt.go; matmul.cu is the fallback GEMM
//	embedding       Embedding(Backward)
//	layernorm       LayerNorm(Backward)               + cpu/layernorm_amd64.s
//	gelu            GeLU(Backward)                    + cpu/gelu_amd64.s; cpu/sigmoid.go, sigmoid_amd64.h shared with swiglu
//	swiglu          SwiGLU(Backward)                  + cpu/swiglu_amd64.s
//	attention       Attention(Backward)               + cpu/attention_backward.go, cpu/attention_dscores_amd64.s
//	flash_attention Attention(Backward) on CUDA       no cpu/ or devicetest/ file (attention.go's cover it); + cuda/flashport/
//	crossentropy    CrossEntropy (fused classifier)
//	adamw           AdamW                             + cpu/adamw_amd64.s
//	sumsq           SumSquares (gradient norm)
//
// Benchmarks are named after the Device method (BenchmarkGeLU,
// BenchmarkSumSquares, BenchmarkElementwise for Add and Accumulate,
// BenchmarkFlashAttention). Helpers that several ops share keep their own
// names: cpu/exp*.go and cpu/rowmax*.go (softmax rows of attention and
// cross-entropy), cpu/pool.go (the worker pool), cuda/launch.go (launch
// and grid helpers), src/common.cuh.
//
// To add an op, follow "How to add an op" in the README: the interface in
// tensor/device.go, the graph op in tensor/ops.go, then the files above
// under the op's one name.
package kernels

package cuda

import "github.com/empirical-scaling/harness/tensor"

// Options are the CUDA device's switches, fixed when New opens it. The zero
// value is the default: cuBLASLt GEMMs, the flash-attention kernels for
// bf16 with head dims 32, 64 and 128, their deterministic backward, and
// asynchronous launches.
type Options struct {
	// Sync synchronises the stream after every kernel launch, so an
	// asynchronous fault is reported against the kernel that caused it
	// (slow: for debugging).
	Sync bool
	// NoCublasLt runs every MatMul on the built-in tiled GEMM kernel
	// (matmul.cu) instead of cuBLASLt.
	NoCublasLt bool
	// NoFlash runs attention on the plain kernels of attention.cu even
	// where the flash kernels apply (to compare with, or rule out, them).
	NoFlash bool
	// FlashF32 lets float32 attention use the flash kernels too. They read
	// bf16 operands, so an f32 call casts qkv (and dout) to bf16 first and
	// lands at bf16 accuracy (~2e-3 relative) instead of float32's.
	FlashF32 bool
	// FlashAtomicDQ selects FlashAttention-2's backward schedule (5 tile
	// matmuls instead of 7; dQ added with float atomics into an fp32
	// scratch, so its low bits vary run to run) over the deterministic
	// separate dK/dV and dQ passes.
	FlashAtomicDQ bool
}

// Options returns the switches the device was opened with.
func (d *Device) Options() Options { return d.opts }

// KernelPath reports the GEMM, the attention kernels and the attention
// backward this device runs for a model whose activations are dt and
// whose heads are headDim wide (a batch·heads above 65535 would still fall
// back to the plain kernels, which no model of this project reaches).
func (d *Device) KernelPath(dt tensor.DType, headDim int) tensor.KernelPath {
	p := tensor.KernelPath{MatMul: tensor.MatMulFallback, Attention: tensor.AttentionPlain, AttentionBackward: tensor.BackwardDeterministic}
	if d.gemm != nil {
		p.MatMul = tensor.MatMulCublasLt
	}
	if flashUses(d.opts, tensor.AttentionShape{Batch: 1, SeqLen: 1, Heads: 1, HeadDim: headDim}, dt) {
		p.Attention = tensor.AttentionFlash
		if d.opts.FlashAtomicDQ {
			p.AttentionBackward = tensor.BackwardAtomicDQ
		}
	}
	return p
}

var _ tensor.KernelPather = (*Device)(nil)

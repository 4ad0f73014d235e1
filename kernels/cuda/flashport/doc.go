// Package flashport is a line-for-line CPU port of the CUDA kernels in
// kernels/src/flash_attention.cu (fused causal attention, forward and
// backward). It exists to check, without a GPU, the kernels' indexing:
// grid and warp decomposition, the ldmatrix address patterns and mma
// fragment layouts, cp.async double buffering, causal tile skipping,
// boundary masking for sequence lengths that are not a multiple of the
// tile, the online softmax and the backward's block loops.
//
// Each thread's code runs as a loop over the 32 lanes of a warp (register
// arrays gain a [32] lane index); warp-collective instructions (ldmatrix,
// mma.sync, shfl.xor) are emulated from their PTX ISA definitions on those
// lane arrays; phases between __syncthreads run warp after warp. Arithmetic
// is float32, inputs and the mma operands are bf16 as on the GPU. Comments
// of the form [F5] or [B8] name the marker of the same step in the .cu file.
//
// The port is a checking tool, not a fast CPU kernel: the CPU device has its
// own attention.
package flashport

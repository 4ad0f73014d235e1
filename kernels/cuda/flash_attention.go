package cuda

import (
	"fmt"
	"math"
	"sync"

	"github.com/empirical-scaling/harness/kernels/cuda/flashport"
	"github.com/empirical-scaling/harness/tensor"
)

// Launchers for kernels/src/flash_attention.cu: fused causal attention
// (FlashAttention-2 style, mma.sync bf16 with fp32 accumulation), forward
// and a deterministic backward. Its indexing is checked on the CPU by the
// line-for-line port in kernels/cuda/flashport.
//
// Attention and AttentionBackward (attention.go) call tryFlashAttention
// and tryFlashAttentionBackward first and fall back to the plain reference
// kernels of attention.cu when these decline (handled == false):
//
//   - head dims other than 32, 64, 128;
//   - float32 buffers, unless Options.FlashF32 is set: the flash kernels
//     read bf16 operands, so an f32 call would first cast qkv (and dout) to
//     bf16 scratch buffers and land at bf16 accuracy (~2e-3 relative), not
//     the float32 accuracy the conformance suite asks of f32 buffers;
//   - batch·heads above 65535 (the grid's y extent);
//   - Options.NoFlash (to compare with, or rule out, these kernels).
//
// The backward is deterministic by default (separate dK/dV and dQ passes, no
// atomics, 7 tile matmuls). Options.FlashAtomicDQ selects
// FlashAttention-2's schedule instead (5 matmuls, dQ added with float
// atomicAdd into an fp32 scratch, so the low bits of dQ vary run to run).

// The kernels run 4 warps per CTA; their tile sizes and shared memory per
// head dim come from flashport.TraitsFor, the Go copy of the .cu's
// Traits<Dh> that the port's tests check.
const (
	flashThreads = 128
	// cuFuncSetAttribute's CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES.
	attrMaxDynamicShared = 8
	defaultSharedLimit   = 48 << 10
	maxGridY             = 65535 // gridDim.y holds batch·heads
)

// flashUses reports whether the flash kernels take a call on dtype dt on a
// device opened with o.
func flashUses(o Options, s tensor.AttentionShape, dt tensor.DType) bool {
	if o.NoFlash {
		return false
	}
	if _, err := flashport.TraitsFor(s.HeadDim); err != nil {
		return false
	}
	if s.Batch*s.Heads > maxGridY {
		return false
	}
	return dt == tensor.BFloat16 || (dt == tensor.Float32 && o.FlashF32)
}

// flashRaised remembers, per device and CUfunction, the kernels whose
// shared-memory limit was raised (the attribute sticks to the function).
var flashRaised sync.Map // flashFn → true

type flashFn struct {
	d  *Device
	fn uintptr
}

// flashLaunch launches kernel name with smem bytes of dynamic shared
// memory, raising the kernel's limit first when it is above 48 KiB.
func (d *Device) flashLaunch(name string, grid Dim3, smem int, args ...any) error {
	if smem > defaultSharedLimit {
		fn, err := d.function(name)
		if err != nil {
			return err
		}
		if _, done := flashRaised.Load(flashFn{d, fn}); !done {
			if err := d.drv.funcSetAttribute(fn, attrMaxDynamicShared, smem); err != nil {
				return fmt.Errorf("cuda: %s: allow %d bytes of shared memory: %w", name, smem, err)
			}
			flashRaised.Store(flashFn{d, fn}, true)
		}
	}
	return d.launch(name, grid, dim1(flashThreads), smem, args...)
}

// flashQKV returns qkv as bf16: itself, or a scratch copy cast from f32.
func (d *Device) flashQKV(qkv *buffer) (*buffer, error) {
	if qkv.dt == tensor.BFloat16 {
		return qkv, nil
	}
	q, err := d.scratchBuf("flash.qkv_bf16", tensor.BFloat16, qkv.n)
	if err != nil {
		return nil, err
	}
	if err := d.launch("flash_attn_cast_f32_bf16", d.gridFor(qkv.n), dim1(threads), 0, qkv, q, int64(qkv.n)); err != nil {
		return nil, err
	}
	return q, nil
}

// flashGrid is the grid of a kernel whose CTAs own rows rows each.
func flashGrid(s tensor.AttentionShape, rows int) Dim3 {
	return Dim3{(s.SeqLen + rows - 1) / rows, s.Batch * s.Heads, 1}
}

func flashScale(s tensor.AttentionShape) float32 { return float32(1 / math.Sqrt(float64(s.HeadDim))) }

// tryFlashAttention runs the fused forward when it applies (see flashUses).
// out and qkv share a dtype (checked by the caller); lse is float32. It
// must be called with the device entered.
func (d *Device) tryFlashAttention(out, lse, qkv *buffer, s tensor.AttentionShape) (handled bool, err error) {
	if !flashUses(d.opts, s, out.dt) {
		return false, nil
	}
	q, err := d.flashQKV(qkv)
	if err != nil {
		return true, err
	}
	tr, err := flashport.TraitsFor(s.HeadDim)
	if err != nil {
		return true, err
	}
	name := fmt.Sprintf("flash_attn_fwd_d%d_%s", s.HeadDim, suffix(out.dt))
	return true, d.flashLaunch(name, flashGrid(s, tr.FwdRows), tr.FwdSmem, q, out, lse, s.SeqLen, s.Heads, flashScale(s))
}

// tryFlashAttentionBackward runs the fused backward when it applies:
// the pre-pass (D = rowsum(dO∘O), dO → bf16 for f32), then the dK/dV pass
// (one CTA per key block) and the dQ pass (one CTA per query block), with
// no atomics, so the result is bit-reproducible; or, with
// Options.FlashAtomicDQ, flashBackwardAtomicDQ. It accumulates
// into dqkv and must be called with the device entered.
func (d *Device) tryFlashAttentionBackward(dqkv, dout, qkv, out, lse *buffer, s tensor.AttentionShape) (handled bool, err error) {
	if !flashUses(d.opts, s, dqkv.dt) {
		return false, nil
	}
	q, err := d.flashQKV(qkv)
	if err != nil {
		return true, err
	}
	rows := s.Batch * s.SeqLen
	dsum, err := d.scratchBuf("flash.dsum", tensor.Float32, s.Batch*s.Heads*s.SeqLen)
	if err != nil {
		return true, err
	}
	doBF16, doCast := dout, (*buffer)(nil) // the bf16 pre-pass gets dout_bf16 = NULL
	if dout.dt == tensor.Float32 {
		if doCast, err = d.scratchBuf("flash.dout_bf16", tensor.BFloat16, dout.n); err != nil {
			return true, err
		}
		doBF16 = doCast
	}
	sfx := suffix(dqkv.dt)
	pre := fmt.Sprintf("flash_attn_bwd_pre_d%d_%s", s.HeadDim, sfx)
	preGrid := dim1((rows*s.Heads*(s.HeadDim/8) + flashThreads - 1) / flashThreads) // Dh/8 lanes per (row, head)
	if err := d.flashLaunch(pre, preGrid, 0, out, dout, dsum, doCast, rows, s.SeqLen, s.Heads); err != nil {
		return true, err
	}
	tr, err := flashport.TraitsFor(s.HeadDim)
	if err != nil {
		return true, err
	}
	scale := flashScale(s)
	if d.opts.FlashAtomicDQ {
		return true, d.flashBackwardAtomicDQ(dqkv, doBF16, q, lse, dsum, s, tr)
	}
	dkdv := fmt.Sprintf("flash_attn_bwd_dkdv_d%d_%s", s.HeadDim, sfx)
	if err := d.flashLaunch(dkdv, flashGrid(s, tr.KvKeys), tr.KvSmem, q, doBF16, lse, dsum, dqkv, s.SeqLen, s.Heads, scale); err != nil {
		return true, err
	}
	dq := fmt.Sprintf("flash_attn_bwd_dq_d%d_%s", s.HeadDim, sfx)
	return true, d.flashLaunch(dq, flashGrid(s, tr.DqRows), tr.DqSmem, q, doBF16, lse, dsum, dqkv, s.SeqLen, s.Heads, scale)
}

// flashBackwardAtomicDQ is the atomic-dQ option's dK/dV pass (which also
// adds dQ into a zeroed fp32 scratch) and the pass that adds that scratch,
// scaled, into dqkv.
func (d *Device) flashBackwardAtomicDQ(dqkv, dout, qkv, lse, dsum *buffer, s tensor.AttentionShape, tr flashport.Traits) error {
	n := s.Batch * s.SeqLen * s.Heads * s.HeadDim
	acc, err := d.scratchBuf("flash.dq_accum", tensor.Float32, n)
	if err != nil {
		return err
	}
	if err := d.drv.memsetD32Async(uint64(acc.ptr), 0, n, d.stream); err != nil {
		return fmt.Errorf("cuda: flash attention: zero dq_accum: %w", err)
	}
	sfx, scale := suffix(dqkv.dt), flashScale(s)
	dkdv := fmt.Sprintf("flash_attn_bwd_dkdv_atomic_d%d_%s", s.HeadDim, sfx)
	if err := d.flashLaunch(dkdv, flashGrid(s, tr.KvKeys), tr.KvAtomicSmem, qkv, dout, lse, dsum, dqkv, acc, s.SeqLen, s.Heads, scale); err != nil {
		return err
	}
	return d.launch("flash_attn_bwd_dq_finalize_"+sfx, d.gridFor(n), dim1(threads), 0, acc, dqkv, int64(n), s.Heads*s.HeadDim, scale)
}

// flashKernels lists every PTX entry the launchers above can ask for.
func flashKernels() []string {
	out := []string{"flash_attn_cast_f32_bf16", "flash_attn_bwd_dq_finalize_bf16", "flash_attn_bwd_dq_finalize_f32"}
	for _, dh := range []int{32, 64, 128} {
		for _, sfx := range []string{"bf16", "f32"} {
			for _, k := range []string{"fwd", "bwd_pre", "bwd_dkdv", "bwd_dq", "bwd_dkdv_atomic"} {
				out = append(out, fmt.Sprintf("flash_attn_%s_d%d_%s", k, dh, sfx))
			}
		}
	}
	return out
}

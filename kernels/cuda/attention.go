package cuda

import (
	"fmt"

	"github.com/empirical-scaling/harness/tensor"
)

// maxHeadDim is the largest head size attention.cu handles (D_MAX there).
const maxHeadDim = 256

// attnGrid is one warp per (batch, head, row): 4 warps per 128-thread block.
func attnGrid(s tensor.AttentionShape) (Dim3, Dim3) {
	rows := s.Batch * s.Heads * s.SeqLen
	return dim1((rows + 3) / 4), dim1(128)
}

func checkAttention(op string, s tensor.AttentionShape) error {
	if s.Batch <= 0 || s.SeqLen <= 0 || s.Heads <= 0 || s.HeadDim <= 0 {
		return fmt.Errorf("cuda: %s: invalid shape %+v", op, s)
	}
	if s.HeadDim > maxHeadDim {
		return fmt.Errorf("cuda: %s: head dim %d exceeds %d", op, s.HeadDim, maxHeadDim)
	}
	return fits32(op, s.Batch*s.SeqLen*3*s.Heads*s.HeadDim)
}

// Attention computes causal softmax(q·kᵀ/sqrt(d))·v per batch item and
// head and saves the row log-sum-exp. This is the plain reference kernel
// of attention.cu (one warp per query row), correct but not fast.
func (d *Device) Attention(out, lse, qkv tensor.Buffer, s tensor.AttentionShape) error {
	if err := checkAttention("Attention", s); err != nil {
		return err
	}
	bt, c := s.Batch*s.SeqLen, s.Heads*s.HeadDim
	bs, err := d.check("Attention", spec{name: "out", b: out, n: bt * c},
		spec{name: "lse", b: lse, n: s.Batch * s.Heads * s.SeqLen, dts: f32Only}, spec{name: "qkv", b: qkv, n: bt * 3 * c})
	if err != nil {
		return err
	}
	if err := sameDType("Attention", bs[0], bs[2]); err != nil {
		return err
	}
	grid, block := attnGrid(s)
	return d.run(func() error {
		// The fused flash kernels (flash_attention.go) when they apply.
		if ok, err := d.tryFlashAttention(bs[0], bs[1], bs[2], s); ok {
			return err
		}
		return d.launch("attention_fwd_"+suffix(bs[0].dt), grid, block, 0, bs[0], bs[1], bs[2], s.Batch, s.SeqLen, s.Heads, s.HeadDim)
	})
}

// AttentionBackward accumulates dqkv, recomputing the probabilities from
// qkv and lse: Δ = rowsum(dout·out), then dq (warp per query row) and dk,
// dv (warp per key row), each with a single writer.
func (d *Device) AttentionBackward(dqkv, dout, qkv, out, lse tensor.Buffer, s tensor.AttentionShape) error {
	if err := checkAttention("AttentionBackward", s); err != nil {
		return err
	}
	bt, c := s.Batch*s.SeqLen, s.Heads*s.HeadDim
	stats := s.Batch * s.Heads * s.SeqLen
	bs, err := d.check("AttentionBackward", spec{name: "dqkv", b: dqkv, n: bt * 3 * c}, spec{name: "dout", b: dout, n: bt * c},
		spec{name: "qkv", b: qkv, n: bt * 3 * c}, spec{name: "out", b: out, n: bt * c},
		spec{name: "lse", b: lse, n: stats, dts: f32Only})
	if err != nil {
		return err
	}
	dq, do, qb, ob, lb := bs[0], bs[1], bs[2], bs[3], bs[4]
	if err := sameDType("AttentionBackward", dq, do, qb, ob); err != nil {
		return err
	}
	sfx := suffix(dq.dt)
	grid, block := attnGrid(s)
	return d.run(func() error {
		// The fused flash kernels (flash_attention.go) when they apply.
		if ok, err := d.tryFlashAttentionBackward(dq, do, qb, ob, lb, s); ok {
			return err
		}
		delta, err := d.scratchBuf("attention.delta", tensor.Float32, stats)
		if err != nil {
			return err
		}
		geo := []any{s.Batch, s.SeqLen, s.Heads, s.HeadDim}
		if err := d.launch("attention_bwd_delta_"+sfx, grid, block, 0, append([]any{delta, do, ob}, geo...)...); err != nil {
			return err
		}
		if err := d.launch("attention_bwd_dq_"+sfx, grid, block, 0, append([]any{dq, do, qb, lb, delta}, geo...)...); err != nil {
			return err
		}
		return d.launch("attention_bwd_dkv_"+sfx, grid, block, 0, append([]any{dq, do, qb, lb, delta}, geo...)...)
	})
}

package flashport

import (
	"fmt"
	"math"
)

// Shape is tensor.AttentionShape: causal self-attention over Batch
// sequences of SeqLen tokens, Heads heads of HeadDim.
type Shape struct{ Batch, SeqLen, Heads, HeadDim int }

// Options choose how the simulation runs.
type Options struct {
	Land LandMode // when cp.async copies land in shared memory
	// AtomicDQ runs the backward's atomic-dQ option (flash_attn_bwd_dkdv_atomic
	// and flash_attn_bwd_dq_finalize) instead of the dQ pass.
	AtomicDQ bool
}

func (s Shape) check() error {
	if s.Batch < 1 || s.SeqLen < 1 || s.Heads < 1 {
		return fmt.Errorf("flashport: shape %+v: batch, seqlen and heads must be positive", s)
	}
	_, err := TraitsFor(s.HeadDim)
	return err
}

func checkLen(name string, got, want int) error {
	if got != want {
		return fmt.Errorf("flashport: %s has %d elements, want %d", name, got, want)
	}
	return nil
}

// Forward runs flash_attn_fwd_d<Dh>_<out> over its whole grid
// (ceil(T/FwdRows), B·H): out [B·T, C] and lse [B·H·T] from qkv [B·T, 3C].
func Forward[OutT Elem](out []OutT, lse []float32, qkv []BF16, s Shape, opt Options) (Stats, error) {
	var st Stats
	if err := s.check(); err != nil {
		return st, err
	}
	B, T, H, dh := s.Batch, s.SeqLen, s.Heads, s.HeadDim
	C := H * dh
	for _, e := range []error{
		checkLen("qkv", len(qkv), B*T*3*C), checkLen("out", len(out), B*T*C), checkLen("lse", len(lse), B*H*T),
	} {
		if e != nil {
			return st, e
		}
	}
	scale := float32(1 / math.Sqrt(float64(dh)))
	tr, _ := TraitsFor(dh)
	gridX := (T + tr.FwdRows - 1) / tr.FwdRows
	for y := 0; y < B*H; y++ {
		for x := 0; x < gridX; x++ {
			fwdCTA(qkv, out, lse, T, H, dh, scale, x, y, gridX, opt.Land, &st)
		}
	}
	return st, nil
}

// Backward runs the three backward kernels as the launcher does:
// flash_attn_bwd_pre (Dsum, and dO to bf16 when GradT is float32), then
// flash_attn_bwd_dkdv and flash_attn_bwd_dq. It accumulates into dqkv.
// out and dout have the element type of dqkv, as in the .cu's entry points.
func Backward[GradT Elem](dqkv, dout []GradT, qkv []BF16, out []GradT, lse []float32, s Shape,
	opt Options) (Stats, error) {
	var st Stats
	if err := s.check(); err != nil {
		return st, err
	}
	B, T, H, dh := s.Batch, s.SeqLen, s.Heads, s.HeadDim
	C := H * dh
	for _, e := range []error{
		checkLen("dqkv", len(dqkv), B*T*3*C), checkLen("qkv", len(qkv), B*T*3*C),
		checkLen("dout", len(dout), B*T*C), checkLen("out", len(out), B*T*C), checkLen("lse", len(lse), B*H*T),
	} {
		if e != nil {
			return st, e
		}
	}
	scale := float32(1 / math.Sqrt(float64(dh)))
	dsum := make([]float32, B*H*T)
	var doutBF16 []BF16
	if d, ok := any(dout).([]BF16); ok {
		doutBF16 = d
	} else {
		doutBF16 = make([]BF16, len(dout))
	}
	// flash_attn_bwd_pre: the bf16 entry point gets dout_bf16 = nullptr.
	var preDst []BF16
	if _, ok := any(dout).([]BF16); !ok {
		preDst = doutBF16
	}
	preBlocks := (B*T*H*(dh/8) + kNThreads - 1) / kNThreads
	for tid0 := 0; tid0 < preBlocks*kNThreads; tid0 += 32 {
		bwdPreWarp(out, dout, dsum, preDst, B*T, T, H, dh, tid0)
	}
	tr, _ := TraitsFor(dh)
	var dqAccum []float32
	if opt.AtomicDQ {
		dqAccum = make([]float32, B*T*C) // the launcher zeroes it (cuMemsetD32Async)
	}
	gridKv := (T + tr.KvKeys - 1) / tr.KvKeys
	for y := 0; y < B*H; y++ {
		for x := 0; x < gridKv; x++ {
			bwdDkdvCTA(qkv, doutBF16, lse, dsum, dqkv, dqAccum, T, H, dh, scale, x, y, opt.Land, &st)
		}
	}
	if opt.AtomicDQ {
		for i := 0; i < B*T*C; i++ {
			bwdDqFinalizeThread(dqAccum, dqkv, B*T*C, C, scale, i)
		}
		return st, nil
	}
	gridDq := (T + tr.DqRows - 1) / tr.DqRows
	for y := 0; y < B*H; y++ {
		for x := 0; x < gridDq; x++ {
			bwdDqCTA(qkv, doutBF16, lse, dsum, dqkv, T, H, dh, scale, x, y, gridDq, opt.Land, &st)
		}
	}
	return st, nil
}

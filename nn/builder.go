package nn

import (
	"fmt"
	"math"
)

// Builder limits. From 1M non-embedding parameters up the head dimension
// is 64 (GPT-2); below it is 16, so that small models still get several
// heads and a width finer than 64.
const (
	largeHeadDim   = 64
	smallHeadDim   = 16
	largeThreshold = 1_000_000
	aspect         = 64   // target width per layer: d ≈ 64·L
	aspectLo       = 0.75 // accepted d/(64·L) band
	aspectHi       = 1.5  //
	maxLayers      = 64   //
	maxRelErr      = 0.5  // nearest N must lie within 50% of the target
	minHeadsSmall  = 2    // below 1M: at least two heads when d allows
)

// ForParams returns the model shape whose non-embedding parameter count
// is nearest to target. It searches depth L and width d (a multiple of
// the head dimension: 64 from 1M parameters up, 16 below) inside the band
// 0.75 ≤ d/(64·L) ≤ 1.5 around Kaplan's aspect ratio d ≈ 64·L; the nearest
// N wins, ties go to the shape closer to the aspect ratio. With the seed
// sizes this gives 3M→(4,256), 10M→(6,384), 85M→(12,768) (GPT-2 small).
//
// It fails, wrapping ErrTooSmall, when no shape lies within 50% of the
// target or when the position table T·d would outweigh the whole
// non-embedding model (the context is too long for so few parameters).
func ForParams(target int64, vocab, seqLen int, act Activation) (Config, error) {
	if _, err := ParseActivation(string(act)); err != nil {
		return Config{}, fmt.Errorf("nn: %w", err)
	}
	if target <= 0 {
		return Config{}, fmt.Errorf("nn: target of %d parameters: %w", target, ErrTooSmall)
	}
	hd := largeHeadDim
	if target < largeThreshold {
		hd = smallHeadDim
	}
	var best Config
	bestErr, bestAspect := math.Inf(1), math.Inf(1)
	for l := 1; l <= maxLayers; l++ {
		want := float64(aspect * l)
		for d := hd; float64(d) <= aspectHi*want; d += hd {
			if float64(d) < aspectLo*want {
				continue
			}
			c := Config{Layers: l, Width: d, Heads: d / hd, Vocab: vocab, SeqLen: seqLen, Activation: act}
			e := math.Abs(float64(c.Params().NonEmbedding-target)) / float64(target)
			a := math.Abs(math.Log(float64(d) / want))
			if e < bestErr || (e == bestErr && a < bestAspect) {
				best, bestErr, bestAspect = c, e, a
			}
		}
	}
	if best.Layers != 0 && bestErr > maxRelErr && best.Params().NonEmbedding < target {
		return Config{}, fmt.Errorf("nn: no model shape has within %.0f%% of %d non-embedding parameters (the largest is %s with %d, up to %d layers): %w",
			maxRelErr*100, target, best, best.Params().NonEmbedding, maxLayers, ErrTooLarge)
	}
	if best.Layers == 0 || bestErr > maxRelErr {
		return Config{}, fmt.Errorf("nn: no model shape has within %.0f%% of %d non-embedding parameters (the smallest is L1 d%d): %w", maxRelErr*100, target, hd, ErrTooSmall)
	}
	if hd == smallHeadDim && best.Heads < minHeadsSmall && best.Width >= 2*8 {
		best.Heads = minHeadsSmall // head dim 8 for the very smallest models
	}
	if n := best.Params().NonEmbedding; int64(seqLen)*int64(best.Width) > n {
		return Config{}, fmt.Errorf("nn: %d parameters is too small for a context of %d tokens: the position table (%d×%d = %d) would exceed the model's %d non-embedding parameters; lower -ctx or raise -params: %w",
			target, seqLen, seqLen, best.Width, seqLen*best.Width, n, ErrTooSmall)
	}
	if err := best.Validate(); err != nil {
		return Config{}, err
	}
	return best, nil
}

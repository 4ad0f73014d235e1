package devicetest

import "github.com/empirical-scaling/harness/tensor"

// bound is one op's relative error bound (see closeTo) and why it is that.
type bound struct {
	f32, bf16 float64
	why       string
}

// bf16Out is the rounding of a BF16 output: half an ulp with 8 significant bits.
const bf16Out = 1.0 / 256

// bounds lists every check's error bound. The float32 bounds are a few
// times the error float32 arithmetic must make in the worst shapes the
// suite uses; BF16 bounds add the output's rounding and the inputs'.
var bounds = map[string]bound{
	"copy":         {0, 0, "a copy or a cast to the buffer's own dtype is exact"},
	"bf16cast":     {0, 0, "float32→bfloat16 must round to nearest, ties to even, exactly"},
	"add":          {1e-6, bf16Out, "one float32 rounding (2^-24) of |a|+|b| per element (measured against |a|+|b|, as a + b may cancel)"},
	"accumulate":   {1e-6, bf16Out, "a multiply and an add: two roundings of |dst|+|alpha·src| (measured against it, as the sum may cancel)"},
	"matmul":       {5e-5, 4 * bf16Out, "float32 dot products with K ≤ 300 lose ~sqrt(K)·2^-24 of the row norm; 20x margin for any blocking order"},
	"embedding":    {1e-6, bf16Out, "one float32 add per element"},
	"layernorm":    {2e-5, 4 * bf16Out, "mean and variance over ≤ 300 columns of rows with mean 30 and std 2, then a multiply-add: a float32 running sum loses ~1e-5 on such rows, so sum in float64 or by a tree"},
	"gelu":         {1e-5, 2 * bf16Out, "a few float32 roundings, relative per element: 1+tanh(u) cancels for x ≪ 0, so compute x·σ(2u) (the same function)"},
	"swiglu":       {1e-5, 2 * bf16Out, "float32 sigmoid and two products"},
	"attention":    {1e-4, 8 * bf16Out, "float32 exp (GPUs: exp2 approximations) and online-softmax rescaling over ≤ 130 keys, two dot-product chains of ≤ 130 terms; the CPU measures ~2e-6, a masking or scaling bug gives ≥ 1e-2"},
	"crossentropy": {1e-5, 4 * bf16Out, "float32 logits, float64 log-sum-exp and mean: the loss is good to float32 rounding of its inputs"},
	"dlogits":      {2e-5, 4 * bf16Out, "softmax − one-hot in float32 over rows of up to 50257 logits, measured against gradScale/rows (p − 1 cancels for a confident row): a float32 running sum of a 50k row loses ~1e-5, so sum in float64, by chunks or by a tree"},
	"adamw":        {2e-5, 2 * bf16Out, "three steps of float32 moment updates, a sqrt and a division; the working copy of the master path is checked exactly (bf16cast)"},
	"sumsquares":   {1e-10, 1e-10, "squares of float32 values are exact in float64; float64 sums of ≤ 1e5 terms lose ≤ 1e5·2^-53"},
	"grad":         {1e-4, 1e-4, "a float32 backward against float64 central differences (step 1e-5, truncation ~1e-10): float32 rounding of the backward's sums dominates; the CPU measures ≤ 2e-6"},
	"model":        {3e-4, 3e-4, "two-block toy transformer, float32 end to end vs float64 central differences: rounding compounds over ~20 ops (attention's dP − D cancels); the CPU measures ≤ 2e-5, a missing gradient term gives O(1)"},
}

// tol returns op's bound for dtype dt, times the suite's TolScale and the
// op's OpTolScale.
func (s *suite) tol(op string, dt tensor.DType) float64 {
	b, ok := bounds[op]
	if !ok {
		panic("devicetest: no bound for " + op) // a bug in the suite itself
	}
	v := b.f32
	if dt == tensor.BFloat16 {
		v = max(v, b.bf16)
	}
	if m, ok := s.opts.OpTolScale[op]; ok {
		v *= m
	}
	return v * s.opts.scale()
}

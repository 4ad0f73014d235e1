package flashport

import (
	"math"
	"math/rand/v2"
)

// RefForward is plain float64 causal attention in the layout of
// tensor.AttentionShape: qkv [B·T, 3C] in, out [B·T, C] and lse [B·H·T] out.
// It is the reference the port's tests and the GPU tests compare with.
func RefForward(qkv []float64, s Shape) (out, lse []float64) {
	B, T, H, dh := s.Batch, s.SeqLen, s.Heads, s.HeadDim
	C := H * dh
	scale := 1 / math.Sqrt(float64(dh))
	out = make([]float64, B*T*C)
	lse = make([]float64, B*H*T)
	sc := make([]float64, T)
	for b := range B {
		for h := range H {
			for i := range T {
				qi := qkv[(b*T+i)*3*C+h*dh:]
				mx := math.Inf(-1)
				for j := 0; j <= i; j++ {
					kj := qkv[(b*T+j)*3*C+C+h*dh:]
					var d float64
					for x := range dh {
						d += qi[x] * kj[x]
					}
					sc[j] = d * scale
					mx = math.Max(mx, sc[j])
				}
				var sum float64
				for j := 0; j <= i; j++ {
					sc[j] = math.Exp(sc[j] - mx)
					sum += sc[j]
				}
				lse[(b*H+h)*T+i] = mx + math.Log(sum)
				o := out[(b*T+i)*C+h*dh:]
				for j := 0; j <= i; j++ {
					vj := qkv[(b*T+j)*3*C+2*C+h*dh:]
					for x := range dh {
						o[x] += sc[j] / sum * vj[x]
					}
				}
			}
		}
	}
	return out, lse
}

// RefBackward returns, in float64, the gradient of Σ out·dout with respect
// to qkv ([B·T, 3C]) for the attention of RefForward.
func RefBackward(qkv, dout []float64, s Shape) []float64 {
	B, T, H, dh := s.Batch, s.SeqLen, s.Heads, s.HeadDim
	C := H * dh
	scale := 1 / math.Sqrt(float64(dh))
	g := make([]float64, len(qkv))
	p := make([]float64, T)
	dp := make([]float64, T)
	for b := range B {
		for h := range H {
			for i := range T {
				qi := qkv[(b*T+i)*3*C+h*dh:]
				doi := dout[(b*T+i)*C+h*dh:]
				mx := math.Inf(-1)
				for j := 0; j <= i; j++ {
					kj := qkv[(b*T+j)*3*C+C+h*dh:]
					var d float64
					for x := range dh {
						d += qi[x] * kj[x]
					}
					p[j] = d * scale
					mx = math.Max(mx, p[j])
				}
				var sum float64
				for j := 0; j <= i; j++ {
					p[j] = math.Exp(p[j] - mx)
					sum += p[j]
				}
				var D float64
				for j := 0; j <= i; j++ {
					p[j] /= sum
					vj := qkv[(b*T+j)*3*C+2*C+h*dh:]
					var d float64
					for x := range dh {
						d += doi[x] * vj[x]
					}
					dp[j] = d
					D += p[j] * d
				}
				dqi := g[(b*T+i)*3*C+h*dh:]
				for j := 0; j <= i; j++ {
					ds := p[j] * (dp[j] - D) * scale
					kj := qkv[(b*T+j)*3*C+C+h*dh:]
					dkj := g[(b*T+j)*3*C+C+h*dh:]
					dvj := g[(b*T+j)*3*C+2*C+h*dh:]
					for x := range dh {
						dqi[x] += ds * kj[x]
						dkj[x] += ds * qi[x]
						dvj[x] += p[j] * doi[x]
					}
				}
			}
		}
	}
	return g
}

// RandBF16 fills n bf16 values N(0, sd²) and returns them with their exact
// float64 values.
func RandBF16(rng *rand.Rand, n int, sd float64) ([]BF16, []float64) {
	b := make([]BF16, n)
	f := make([]float64, n)
	for i := range b {
		b[i] = ToBF16(float32(rng.NormFloat64() * sd))
		f[i] = float64(b[i].F32())
	}
	return b, f
}

// RelErr is ‖got − want‖ / ‖want‖; NaN or Inf in got gives +Inf.
func RelErr[T Elem](got []T, want []float64) float64 {
	var num, den float64
	for i, w := range want {
		g := float64(toF32(got[i]))
		if math.IsNaN(g) || math.IsInf(g, 0) {
			return math.Inf(1)
		}
		num += (g - w) * (g - w)
		den += w * w
	}
	if den == 0 {
		return math.Sqrt(num)
	}
	return math.Sqrt(num / den)
}

// MaxAbsErr is max |got − want|; NaN or Inf in got gives +Inf.
func MaxAbsErr(got []float32, want []float64) float64 {
	var m float64
	for i, w := range want {
		g := float64(got[i])
		if math.IsNaN(g) || math.IsInf(g, 0) {
			return math.Inf(1)
		}
		m = math.Max(m, math.Abs(g-w))
	}
	return m
}

// CausalPairs counts the (query block, key block) pairs that a causal
// kernel must visit when queries are cut in blocks of qRows and keys in
// blocks of kRows: those holding some key ≤ some query, both below T.
func CausalPairs(T, qRows, kRows int) int64 {
	var n int64
	for q0 := 0; q0 < T; q0 += qRows {
		last := min(T-1, q0+qRows-1) // the block's last real query
		for k0 := 0; k0 < T; k0 += kRows {
			if k0 <= last {
				n++
			}
		}
	}
	return n
}

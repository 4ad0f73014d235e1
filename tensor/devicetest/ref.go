package devicetest

import (
	"math"

	"github.com/empirical-scaling/harness/tensor"
)

// The float64 reference ops: plain loops, written for clarity, not speed.

// refMatMul returns C = op(A)·op(B) (+ c0 when c0 is non-nil) for every
// batch item, with the layout of tensor.MatMulShape.
func refMatMul(a, b, c0 []float64, s tensor.MatMulShape, clen int) []float64 {
	c := make([]float64, clen)
	if c0 != nil {
		copy(c, c0)
	}
	for bi := range s.Batch {
		ao, bo, co := bi*s.StrideA, bi*s.StrideB, bi*s.StrideC
		for i := range s.M {
			for j := range s.N {
				var sum float64
				for p := range s.K {
					var x, y float64
					if s.TransA {
						x = a[ao+p*s.M+i]
					} else {
						x = a[ao+i*s.K+p]
					}
					if s.TransB {
						y = b[bo+j*s.K+p]
					} else {
						y = b[bo+p*s.N+j]
					}
					sum += x * y
				}
				if s.Accumulate || (s.StrideC == 0 && bi > 0) {
					c[co+i*s.N+j] += sum
				} else {
					c[co+i*s.N+j] = sum
				}
			}
		}
	}
	return c
}

// refEmbedding returns wte[ids] + wpe[position].
func refEmbedding(wte, wpe []float64, ids []int32, s tensor.EmbeddingShape) []float64 {
	out := make([]float64, s.Batch*s.SeqLen*s.Width)
	for r, id := range ids {
		t := r % s.SeqLen
		for j := range s.Width {
			out[r*s.Width+j] = wte[int(id)*s.Width+j] + wpe[t*s.Width+j]
		}
	}
	return out
}

// refLayerNorm returns the normalised rows and each row's mean and 1/std.
func refLayerNorm(x, w, b []float64, rows, cols int) (out, mean, rstd []float64) {
	out, mean, rstd = make([]float64, rows*cols), make([]float64, rows), make([]float64, rows)
	for r := range rows {
		xr := x[r*cols : (r+1)*cols]
		var m, v float64
		for _, e := range xr {
			m += e
		}
		m /= float64(cols)
		for _, e := range xr {
			v += (e - m) * (e - m)
		}
		v /= float64(cols)
		s := 1 / math.Sqrt(v+1e-5)
		for j, e := range xr {
			out[r*cols+j] = (e-m)*s*w[j] + b[j]
		}
		mean[r], rstd[r] = m, s
	}
	return out, mean, rstd
}

// refGeLU is GPT-2's tanh-approximated GeLU, 0.5·x·(1+tanh(u)) with
// u = sqrt(2/pi)·(x+0.044715·x³), evaluated as x/(1+e^(−2u)) (the same
// function): 1+tanh(u) cancels even in float64 for x below about −6.
func refGeLU(x []float64) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		u := math.Sqrt(2/math.Pi) * (v + 0.044715*v*v*v)
		out[i] = v / (1 + math.Exp(-2*u))
	}
	return out
}

// refSwiGLU returns SiLU(gate)·up for rows of [gate | up].
func refSwiGLU(x []float64, rows, hidden int) []float64 {
	out := make([]float64, rows*hidden)
	for r := range rows {
		for j := range hidden {
			a, b := x[r*2*hidden+j], x[r*2*hidden+hidden+j]
			out[r*hidden+j] = a / (1 + math.Exp(-a)) * b
		}
	}
	return out
}

// refAttention returns causal softmax(q·kᵀ/sqrt(d))·v and each row's
// log-sum-exp, with the qkv layout of tensor.AttentionShape.
func refAttention(qkv []float64, s tensor.AttentionShape) (out, lse []float64) {
	c := s.Heads * s.HeadDim
	out, lse = make([]float64, s.Batch*s.SeqLen*c), make([]float64, s.Batch*s.Heads*s.SeqLen)
	scale := 1 / math.Sqrt(float64(s.HeadDim))
	at := func(b, t, part, h, j int) float64 { return qkv[(b*s.SeqLen+t)*3*c+part*c+h*s.HeadDim+j] }
	sc := make([]float64, s.SeqLen)
	for b := range s.Batch {
		for h := range s.Heads {
			for i := range s.SeqLen {
				mx := math.Inf(-1)
				for k := 0; k <= i; k++ {
					var dot float64
					for j := range s.HeadDim {
						dot += at(b, i, 0, h, j) * at(b, k, 1, h, j)
					}
					sc[k] = dot * scale
					mx = max(mx, sc[k])
				}
				var sum float64
				for k := 0; k <= i; k++ {
					sc[k] = math.Exp(sc[k] - mx)
					sum += sc[k]
				}
				for j := range s.HeadDim {
					var v float64
					for k := 0; k <= i; k++ {
						v += sc[k] * at(b, k, 2, h, j)
					}
					out[(b*s.SeqLen+i)*c+h*s.HeadDim+j] = v / sum
				}
				lse[(b*s.Heads+h)*s.SeqLen+i] = mx + math.Log(sum)
			}
		}
	}
	return out, lse
}

// refCrossEntropy returns the mean NLL and its gradient scale·(softmax − onehot)/rows.
func refCrossEntropy(logits []float64, targets []int32, rows, vocab int, scale float64) (float64, []float64) {
	var loss float64
	grad := make([]float64, rows*vocab)
	for r := range rows {
		row := logits[r*vocab : (r+1)*vocab]
		mx := math.Inf(-1)
		for _, v := range row {
			mx = max(mx, v)
		}
		var sum float64
		for _, v := range row {
			sum += math.Exp(v - mx)
		}
		lse := mx + math.Log(sum)
		loss += lse - row[targets[r]]
		for j, v := range row {
			grad[r*vocab+j] = scale * math.Exp(v-lse) / float64(rows)
		}
		grad[r*vocab+int(targets[r])] -= scale / float64(rows)
	}
	return loss / float64(rows), grad
}

// refAdamW applies one AdamW step in float64 to w, m and v in place.
func refAdamW(p tensor.AdamWParams, w, g, m, v []float64) {
	b1, b2 := float64(p.Beta1), float64(p.Beta2)
	c1 := 1 - math.Pow(b1, float64(p.Step))
	c2 := 1 - math.Pow(b2, float64(p.Step))
	for i := range w {
		gi := float64(p.GradScale) * g[i]
		m[i] = b1*m[i] + (1-b1)*gi
		v[i] = b2*v[i] + (1-b2)*gi*gi
		w[i] -= float64(p.LR) * (m[i]/c1/(math.Sqrt(v[i]/c2)+float64(p.Eps)) + float64(p.WeightDecay)*w[i])
	}
}

// refBF16 rounds x to the nearest bfloat16 (8 significant bits), ties to
// even, by arithmetic on the value rather than on its bits.
func refBF16(x float64) float64 {
	if x == 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return x
	}
	_, e := math.Frexp(math.Abs(x)) // |x| = f·2^e, f in [0.5, 1)
	e = max(e, -125)                // subnormals keep the smallest normal's spacing
	ulp := math.Ldexp(1, e-8)
	return math.RoundToEven(x/ulp) * ulp
}

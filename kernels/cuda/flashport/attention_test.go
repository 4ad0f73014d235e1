package flashport

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type attnCase struct {
	s    Shape
	land LandMode
}

func (c attnCase) name() string {
	land := "wait"
	if c.land == LandAtIssue {
		land = "issue"
	}
	return fmt.Sprintf("B%d_T%d_H%d_D%d_land-%s", c.s.Batch, c.s.SeqLen, c.s.Heads, c.s.HeadDim, land)
}

// attnCases covers T from 1 to 1000 (including T not a multiple of the 64
// tile and T below one tile), several batch and head counts, head dims 32,
// 64, 128, and both cp.async landing extremes.
func attnCases(short bool) []attnCase {
	var cs []attnCase
	for i, T := range []int{1, 2, 3, 17, 63, 64, 65, 127, 128, 129, 255, 1000} {
		B, H := 2, 3
		if T >= 255 {
			B, H = 1, 2
		}
		if T >= 1000 {
			B, H = 1, 1
		}
		cs = append(cs, attnCase{Shape{B, T, H, 64}, LandMode(i % 2)})
	}
	for _, dh := range []int{32, 128} {
		for i, T := range []int{1, 65, 200} {
			cs = append(cs, attnCase{Shape{2, T, 2, dh}, LandMode((i + 1) % 2)})
		}
	}
	cs = append(cs, attnCase{Shape{3, 130, 1, 64}, LandAtIssue}, attnCase{Shape{1, 130, 4, 64}, LandAtWait})
	if !short {
		cs = append(cs, attnCase{Shape{1, 2048, 1, 64}, LandAtWait})
	}
	return cs
}

// Tolerances on ‖got − ref‖/‖ref‖ against float64 on the same bf16 inputs:
// P (and dS) are rounded to bf16 before the P·V (dS·K, dSᵀ·Q) products and
// bf16 outputs add one more rounding, so errors of a few 1e-3 are expected.
const (
	tolOut  = 1e-2
	tolGrad = 2e-2
	tolLse  = 1e-4 // absolute; lse comes from fp32 scores of exact bf16 products
)

func TestForwardMatchesFloat64(t *testing.T) {
	for _, c := range attnCases(testing.Short()) {
		t.Run(c.name(), func(t *testing.T) {
			t.Parallel()
			s := c.s
			rng := rand.New(rand.NewPCG(uint64(s.SeqLen), uint64(s.HeadDim*10+s.Heads)))
			C := s.Heads * s.HeadDim
			qkv, qkvF := RandBF16(rng, s.Batch*s.SeqLen*3*C, 1.5)
			wantOut, wantLse := RefForward(qkvF, s)

			out := make([]BF16, s.Batch*s.SeqLen*C)
			for i := range out {
				out[i] = poisonBF16
			}
			lse := make([]float32, s.Batch*s.Heads*s.SeqLen)
			for i := range lse {
				lse[i] = float32(math.NaN())
			}
			st, err := Forward(out, lse, qkv, s, Options{Land: c.land})
			require.NoError(t, err)

			e := RelErr(out, wantOut)
			assert.Less(t, e, tolOut, "out relative error")
			assert.Less(t, MaxAbsErr(lse, wantLse), tolLse, "lse max abs error")
			assert.Zero(t, st.BankConflicts, "ldmatrix bank conflicts")
			assert.Zero(t, st.AboveDiagonal, "tiles wholly above the diagonal were computed")
			tr, err := TraitsFor(s.HeadDim)
			require.NoError(t, err)
			assert.Equal(t, int64(s.Batch*s.Heads)*CausalPairs(s.SeqLen, tr.FwdRows, tr.FwdBN), st.Tiles, "computed tiles")
			assert.Equal(t, map[string]int{"fwd": tr.FwdSmem}, st.SmemBytes, "shared memory the launcher requests")
			t.Logf("out rel err %.2e", e)
		})
	}
}

func TestForwardFloat32Output(t *testing.T) {
	s := Shape{2, 77, 2, 64}
	rng := rand.New(rand.NewPCG(7, 7))
	C := s.Heads * s.HeadDim
	qkv, qkvF := RandBF16(rng, s.Batch*s.SeqLen*3*C, 1.5)
	wantOut, _ := RefForward(qkvF, s)
	out := make([]float32, s.Batch*s.SeqLen*C)
	for i := range out {
		out[i] = float32(math.NaN())
	}
	lse := make([]float32, s.Batch*s.Heads*s.SeqLen)
	_, err := Forward(out, lse, qkv, s, Options{})
	require.NoError(t, err)
	assert.Less(t, RelErr(out, wantOut), 5e-3)
}

func TestBackwardMatchesFloat64(t *testing.T) {
	for _, c := range attnCases(testing.Short()) {
		for _, atomic := range []bool{false, true} {
			name := c.name() + "_deterministic"
			if atomic {
				name = c.name() + "_atomicdq"
			}
			t.Run(name, func(t *testing.T) { testBackward(t, c, atomic) })
		}
	}
}

func testBackward(t *testing.T, c attnCase, atomic bool) {
	t.Parallel()
	s := c.s
	rng := rand.New(rand.NewPCG(uint64(s.SeqLen)+99, uint64(s.HeadDim*10+s.Heads)))
	C := s.Heads * s.HeadDim
	qkv, qkvF := RandBF16(rng, s.Batch*s.SeqLen*3*C, 1.5)
	dout, doutF := RandBF16(rng, s.Batch*s.SeqLen*C, 1)
	out := make([]BF16, s.Batch*s.SeqLen*C)
	lse := make([]float32, s.Batch*s.Heads*s.SeqLen)
	_, err := Forward(out, lse, qkv, s, Options{Land: c.land})
	require.NoError(t, err)

	// dqkv starts from random values: the backward must add to them.
	prior := make([]float32, len(qkv))
	for i := range prior {
		prior[i] = float32(rng.NormFloat64())
	}
	dqkv := append([]float32(nil), prior...)
	st, err := Backward(dqkv, toF32Slice(dout), qkv, toF32Slice(out), lse, s, Options{Land: c.land, AtomicDQ: atomic})
	require.NoError(t, err)

	want := RefBackward(qkvF, doutF, s)
	got := make([]float32, len(dqkv))
	for i := range got {
		got[i] = dqkv[i] - prior[i]
	}
	for part, name := range []string{"dQ", "dK", "dV"} {
		g, w := sliceCols(got, want, s, part)
		e := RelErr(g, w)
		assert.Less(t, e, tolGrad, "%s relative error", name)
		t.Logf("%s rel err %.2e", name, e)
	}
	assert.Zero(t, st.BankConflicts, "ldmatrix bank conflicts")
	assert.Zero(t, st.AboveDiagonal, "tiles wholly above the diagonal were computed")
	tr, err := TraitsFor(s.HeadDim)
	require.NoError(t, err)
	wantTiles := CausalPairs(s.SeqLen, tr.KvBN, tr.KvKeys)
	wantSmem := map[string]int{"dkdv_atomic": tr.KvAtomicSmem}
	if !atomic {
		wantTiles += CausalPairs(s.SeqLen, tr.DqRows, tr.DqBN)
		wantSmem = map[string]int{"dkdv": tr.KvSmem, "dq": tr.DqSmem}
	}
	assert.Equal(t, int64(s.Batch*s.Heads)*wantTiles, st.Tiles, "computed tiles (dkdv [+ dq])")
	assert.Equal(t, wantSmem, st.SmemBytes, "shared memory the launcher requests")
}

func TestBackwardBF16GradAccumulates(t *testing.T) {
	s := Shape{1, 100, 2, 64}
	rng := rand.New(rand.NewPCG(3, 4))
	C := s.Heads * s.HeadDim
	qkv, qkvF := RandBF16(rng, s.Batch*s.SeqLen*3*C, 1.5)
	dout, doutF := RandBF16(rng, s.Batch*s.SeqLen*C, 1)
	out := make([]BF16, s.Batch*s.SeqLen*C)
	lse := make([]float32, s.Batch*s.Heads*s.SeqLen)
	_, err := Forward(out, lse, qkv, s, Options{})
	require.NoError(t, err)

	want := RefBackward(qkvF, doutF, s)
	// Start from the exact gradient: one more backward must double it.
	dqkv := make([]BF16, len(qkv))
	for i := range dqkv {
		dqkv[i] = ToBF16(float32(want[i]))
		want[i] = 2 * float64(dqkv[i].F32())
	}
	for _, atomic := range []bool{false, true} {
		got := append([]BF16(nil), dqkv...)
		_, err = Backward(got, dout, qkv, out, lse, s, Options{AtomicDQ: atomic})
		require.NoError(t, err)
		assert.Less(t, RelErr(got, want), tolGrad, "atomic dQ %v", atomic)
	}
}

func TestRejectsBadShapes(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    Shape
		n    int
	}{
		{"head dim 48", Shape{1, 4, 1, 48}, 4 * 3 * 48},
		{"zero seq", Shape{1, 0, 1, 64}, 0},
		{"short qkv", Shape{1, 4, 1, 64}, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			C := tc.s.Heads * tc.s.HeadDim
			_, err := Forward(make([]BF16, max(0, tc.s.Batch*tc.s.SeqLen*C)), make([]float32, tc.s.Batch*tc.s.Heads*tc.s.SeqLen),
				make([]BF16, tc.n), tc.s, Options{})
			require.Error(t, err)
		})
	}
}

func toF32Slice(b []BF16) []float32 {
	f := make([]float32, len(b))
	for i, v := range b {
		f[i] = v.F32()
	}
	return f
}

// sliceCols extracts the q (part 0), k (1) or v (2) columns of a [B·T, 3C]
// gradient from got and want.
func sliceCols(got []float32, want []float64, s Shape, part int) ([]float32, []float64) {
	C := s.Heads * s.HeadDim
	var g []float32
	var w []float64
	for r := 0; r < s.Batch*s.SeqLen; r++ {
		o := r*3*C + part*C
		g = append(g, got[o:o+C]...)
		w = append(w, want[o:o+C]...)
	}
	return g, w
}

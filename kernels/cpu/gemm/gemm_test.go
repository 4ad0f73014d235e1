package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// eps32 is float32's unit roundoff.
const eps32 = 1.0 / (1 << 24)

// gemmCase is one call: shapes, transposes, scalars and stride padding.
type gemmCase struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	pad            int // extra elements at the end of each row of A, B and C
}

func (tc gemmCase) String() string {
	t := func(b bool) string {
		if b {
			return "T"
		}
		return "N"
	}
	return fmt.Sprintf("%s%s/%dx%dx%d/a=%g,b=%g/pad=%d", t(tc.transA), t(tc.transB), tc.m, tc.n, tc.k, tc.alpha, tc.beta, tc.pad)
}

// operands are the inputs of one case, with the stride padding of A and B
// filled with NaN (so reading it shows up) and that of C with a sentinel
// (so writing it shows up).
type operands struct {
	a, b, c, c0   []float32
	lda, ldb, ldc int
}

const sentinel = float32(-12345.5)

func newOperands(tc gemmCase, rng *rand.Rand) operands {
	ar, ac := tc.m, tc.k
	if tc.transA {
		ar, ac = tc.k, tc.m
	}
	br, bc := tc.k, tc.n
	if tc.transB {
		br, bc = tc.n, tc.k
	}
	var o operands
	o.lda, o.ldb, o.ldc = ac+tc.pad, bc+tc.pad, tc.n+tc.pad
	fill := func(rows, cols, ld int, pad float32) []float32 {
		x := make([]float32, rows*ld)
		for i := range x {
			if i%ld < cols {
				x[i] = float32(rng.NormFloat64())
			} else {
				x[i] = pad
			}
		}
		return x
	}
	nan := float32(math.NaN())
	o.a = fill(ar, ac, o.lda, nan)
	o.b = fill(br, bc, o.ldb, nan)
	o.c = fill(tc.m, tc.n, o.ldc, sentinel)
	if tc.beta == 0 {
		// beta == 0 must overwrite C without reading it.
		for i := range o.c {
			if i%o.ldc < tc.n {
				o.c[i] = nan
			}
		}
	}
	o.c0 = append([]float32(nil), o.c...)
	return o
}

// check compares C with a float64 reference. The bound is the classic
// dot-product one: |err| ≤ (k+4)·ε32·(|α|·Σ_p|a_ip·b_pj| + |β·c_ij|), with
// ε32 = 2⁻²⁴ (k+4 covers the k-length sums plus the alpha/beta update and
// the per-slab additions). NaN never passes, and the stride padding of C
// must be untouched.
func check(t *testing.T, tc gemmCase, o operands) {
	t.Helper()
	at := func(x []float32, ld int, trans bool, r, c int) float64 {
		if trans {
			return float64(x[c*ld+r])
		}
		return float64(x[r*ld+c])
	}
	for i := 0; i < tc.m; i++ {
		for j := 0; j < tc.n+tc.pad; j++ {
			got := o.c[i*o.ldc+j]
			if j >= tc.n {
				require.Equal(t, sentinel, got, "%v: C padding at (%d,%d) was written", tc, i, j)
				continue
			}
			var dot, mag float64
			for p := 0; p < tc.k; p++ {
				v := at(o.a, o.lda, tc.transA, i, p) * at(o.b, o.ldb, tc.transB, p, j)
				dot += v
				mag += math.Abs(v)
			}
			want := float64(tc.alpha) * dot
			scale := math.Abs(float64(tc.alpha)) * mag
			if tc.beta != 0 {
				c0 := float64(o.c0[i*o.ldc+j])
				want += float64(tc.beta) * c0
				scale += math.Abs(float64(tc.beta) * c0)
			}
			bound := float64(tc.k+4) * eps32 * scale
			require.False(t, math.IsNaN(float64(got)) || math.IsInf(float64(got), 0), "%v: C(%d,%d) = %v", tc, i, j, got)
			require.LessOrEqual(t, math.Abs(float64(got)-want), bound, "%v: C(%d,%d) = %v, want %v", tc, i, j, got, want)
		}
	}
}

// scalarCases are the (alpha, beta) pairs every shape is tried with.
var scalarCases = [][2]float32{{1, 0}, {-0.75, 0}, {1.5, -2}, {1, 1}, {0, 0.5}, {0, 0}}

// cases builds the table: odd and tiny sizes in every dimension, all four
// transpose combinations, each (alpha, beta) pair, with and without stride
// padding.
func cases(sizes []int) []gemmCase {
	var out []gemmCase
	for _, m := range sizes {
		for _, n := range sizes {
			for _, k := range sizes {
				for combo := range 4 {
					ab := scalarCases[(m+n+k+combo)%len(scalarCases)]
					out = append(out, gemmCase{
						transA: combo&1 != 0, transB: combo&2 != 0,
						m: m, n: n, k: k, alpha: ab[0], beta: ab[1],
						pad: (m + combo) % 3,
					})
				}
			}
		}
	}
	return out
}

// withTinyBlocks returns a copy of kern with blocking so small that modest
// shapes cross every slab, row-block and column-block boundary.
func withTinyBlocks(kern *kernel) *kernel {
	return &kernel{name: kern.name + "-tinyblocks", mr: kern.mr, nr: kern.nr, kc: 16, mc: 2 * kern.mr, nc: 3 * kern.nr, fn: kern.fn, gather: kern.gather, copy: kern.copy}
}

// withGoPacking returns a copy of kern that packs with plain Go loops.
func withGoPacking(kern *kernel) *kernel {
	k := *kern
	k.name += "-gopack"
	k.gather, k.copy = nil, nil
	return &k
}

// testKernels lists every kernel variant under test: each micro-kernel this
// CPU supports, with its real blocking and with tiny blocking, and, where
// it packs with assembly, also with Go packing.
func testKernels() []*kernel {
	var out []*kernel
	for _, base := range kernels() {
		out = append(out, base, withTinyBlocks(base))
		if base.gather != nil || base.copy != nil {
			out = append(out, withTinyBlocks(withGoPacking(base)))
		}
	}
	return out
}

// TestKernelsAgainstReference runs every micro-kernel this CPU supports
// (and the pure-Go one), with its real blocking and with tiny blocking,
// serially and in parallel, against the float64 reference.
func TestKernelsAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	sizes := []int{1, 3, 17, 63, 65}
	for _, kern := range testKernels() {
		t.Run(kern.name, func(t *testing.T) {
			for _, tc := range cases(sizes) {
				for _, par := range []bool{false, true} {
					o := newOperands(tc, rng)
					g := newProblem(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, o.a, o.lda, o.b, o.ldb, tc.beta, o.c, o.ldc)
					if !g.trivial() {
						if par {
							g.parallel(kern)
						} else {
							g.serial(kern)
						}
					}
					check(t, tc, o)
				}
			}
		})
	}
}

// TestSgemm exercises the public entry points on shapes that cross the
// real blocking (k > kc, several row and column blocks, parallel tiles),
// plus degenerate ones.
func TestSgemm(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var table []gemmCase
	for combo := range 4 {
		tA, tB := combo&1 != 0, combo&2 != 0
		table = append(table,
			gemmCase{transA: tA, transB: tB, m: 130, n: 97, k: 400, alpha: 1, beta: 0, pad: 1},
			gemmCase{transA: tA, transB: tB, m: 77, n: 600, k: 45, alpha: 0.5, beta: 1.5, pad: 2},
			gemmCase{transA: tA, transB: tB, m: 1, n: 300, k: 129, alpha: 1, beta: 0},
			gemmCase{transA: tA, transB: tB, m: 300, n: 1, k: 129, alpha: -1, beta: 1},
			gemmCase{transA: tA, transB: tB, m: 33, n: 35, k: 0, alpha: 1, beta: 0, pad: 1},
			gemmCase{transA: tA, transB: tB, m: 33, n: 35, k: 0, alpha: 1, beta: -3},
			gemmCase{transA: tA, transB: tB, m: 0, n: 5, k: 7, alpha: 1, beta: 0},
			gemmCase{transA: tA, transB: tB, m: 5, n: 0, k: 7, alpha: 1, beta: 0},
		)
	}
	entry := map[string]func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int){
		"Sgemm": Sgemm, "SgemmSerial": SgemmSerial,
	}
	for name, f := range entry {
		t.Run(name, func(t *testing.T) {
			for _, tc := range table {
				o := newOperands(tc, rng)
				f(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, o.a, o.lda, o.b, o.ldb, tc.beta, o.c, o.ldc)
				check(t, tc, o)
			}
		})
	}
}

// TestSgemmNegativeZeroBeta checks that beta = -0 counts as 0: C is not read.
func TestSgemmNegativeZeroBeta(t *testing.T) {
	tc := gemmCase{m: 40, n: 70, k: 30, alpha: 1, beta: 0}
	o := newOperands(tc, rand.New(rand.NewPCG(5, 6)))
	Sgemm(false, false, tc.m, tc.n, tc.k, 1, o.a, o.lda, o.b, o.ldb, float32(math.Copysign(0, -1)), o.c, o.ldc)
	check(t, tc, o)
}

// TestSgemmBadArguments checks that bad shapes panic with a message naming
// the argument, before any kernel touches memory.
func TestSgemmBadArguments(t *testing.T) {
	a := make([]float32, 12)
	b := make([]float32, 12)
	c := make([]float32, 12)
	table := []struct {
		name string
		call func()
		msg  string
	}{
		{"negative m", func() { Sgemm(false, false, -1, 3, 4, 1, a, 4, b, 3, 0, c, 3) }, "gemm: negative dimension m=-1 n=3 k=4"},
		{"short a", func() { Sgemm(false, false, 4, 3, 4, 1, a, 4, b, 3, 0, c, 3) }, "gemm: len(a)=12, need 16 for 4×4 with stride 4"},
		{"short c", func() { Sgemm(false, false, 3, 4, 3, 1, a, 3, b, 4, 0, c, 5) }, "gemm: len(c)=12, need 14 for 3×4 with stride 5"},
		{"small ldb", func() { Sgemm(false, true, 3, 3, 4, 1, a, 4, b, 3, 0, c, 3) }, "gemm: ldb=3 is less than the 4 columns of b"},
	}
	for _, tt := range table {
		t.Run(tt.name, func(t *testing.T) {
			require.PanicsWithValue(t, tt.msg, tt.call)
		})
	}
}

// TestSplit checks that the macro-tiles cover C exactly, with tile sizes
// that are multiples of the register tile.
func TestSplit(t *testing.T) {
	for _, tt := range []struct{ m, n, mr, nr, w int }{
		{4096, 768, 12, 32, 2}, {512, 512, 12, 32, 2}, {1, 5000, 12, 32, 4}, {5000, 1, 6, 16, 8}, {65, 63, 4, 8, 3},
	} {
		tm, tn, pm, pn := split(tt.m, tt.n, tt.mr, tt.nr, tt.w)
		require.Zero(t, tm%tt.mr, "%+v", tt)
		require.Zero(t, tn%tt.nr, "%+v", tt)
		require.GreaterOrEqual(t, pm*tm, tt.m, "%+v", tt)
		require.Less(t, (pm-1)*tm, tt.m, "%+v: empty tile row", tt)
		require.GreaterOrEqual(t, pn*tn, tt.n, "%+v", tt)
		require.Less(t, (pn-1)*tn, tt.n, "%+v: empty tile column", tt)
	}
	tm, tn, pm, pn := split(4096, 768, 12, 32, 2)
	require.Zero(t, pm*pn%2, "two workers on 4096x768 should get an even number of tiles (got %dx%d of %dx%d)", pm, pn, tm, tn)
}

// TestSgemmConcurrentCallers runs parallel Sgemm calls from several
// goroutines at once: they share the helper pool and the buffer pools, and
// each must still get its own exact answer.
func TestSgemmConcurrentCallers(t *testing.T) {
	const callers = 4
	tcs := make([]gemmCase, callers)
	ops := make([]operands, callers)
	for i := range callers {
		tcs[i] = gemmCase{transA: i%2 == 1, transB: i/2 == 1, m: 150 + 7*i, n: 90 + 5*i, k: 70 + 3*i, alpha: 1, beta: 0.5, pad: i}
		ops[i] = newOperands(tcs[i], rand.New(rand.NewPCG(uint64(i), 9)))
	}
	done := make(chan int)
	for i := range callers {
		go func() {
			tc, o := tcs[i], ops[i]
			for range 5 {
				copy(o.c, o.c0)
				Sgemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, o.a, o.lda, o.b, o.ldb, tc.beta, o.c, o.ldc)
			}
			done <- i
		}()
	}
	for range callers {
		i := <-done
		check(t, tcs[i], ops[i])
	}
}

// TestKernelBlocking checks each kernel's blocking: the packed blocks must
// hold whole micro-panels, or packing would overrun its buffers.
func TestKernelBlocking(t *testing.T) {
	for _, kern := range testKernels() {
		require.Positive(t, kern.kc, kern.name)
		require.Zero(t, kern.mc%kern.mr, "%s: mc %d not a multiple of mr %d", kern.name, kern.mc, kern.mr)
		require.Zero(t, kern.nc%kern.nr, "%s: nc %d not a multiple of nr %d", kern.name, kern.nc, kern.nr)
		require.LessOrEqual(t, kern.nr, 32, "%s: the assembly packers handle at most 32 lanes", kern.name)
	}
}

package flashport

import (
	"fmt"
	"math"
)

// Constants of the .cu's namespace flash.
const (
	kNWarps   = 4
	kNThreads = kNWarps * 32
	kLog2e    = float32(1.4426950408889634)
)

// LandMode says when the simulated cp.async copies reach shared memory.
// The hardware may complete a copy at any moment between its issue and the
// cp.async.wait_group that covers it; running a kernel in both extreme modes
// catches reads of a stage before its wait (LandAtWait) and refills of a
// stage that is still being read (LandAtIssue).
type LandMode int

const (
	// LandAtWait completes copies as late as allowed: at the covering wait.
	LandAtWait LandMode = iota
	// LandAtIssue completes copies as early as possible: when issued.
	LandAtIssue
)

// Stats counts what the simulated kernels did.
type Stats struct {
	LdMatrix      int64 // ldmatrix.x4 instructions (per warp)
	BankConflicts int64 // extra shared-memory wavefronts those ldmatrix caused
	MMA           int64 // mma.sync m16n8k16 instructions (per warp)
	Tiles         int64 // (CTA block, streamed tile) pairs computed
	AboveDiagonal int64 // computed pairs with every key after every query (must be 0)
	// SmemBytes is the shared memory each kernel's CTAs allocated, by
	// kernel ("fwd", "dkdv", "dq"): the launcher must request as much.
	SmemBytes map[string]int
}

// tileStride is Smem<Dh>::kStride: a padded smem row, in elements.
func tileStride(dh int) int { return dh + 8 }

// poisonBF16 is the quiet-NaN pattern the simulator fills fresh shared
// memory with, so that a read of a never-loaded element shows up as NaN.
const poisonBF16 = BF16(0x7fc0)

// cta is one simulated thread block: its shared memory, its cp.async
// groups and the counters. Shared memory is split in a bf16 region (tiles)
// and a float region (row statistics); the .cu carves both from one buffer.
type cta struct {
	mode    LandMode
	smemH   []BF16
	smemF   []float32
	groups  [][]func()
	current []func()
	stats   *Stats
}

func newCTA(kernel string, bf16Elems, f32Elems int, mode LandMode, st *Stats) *cta {
	if st.SmemBytes == nil {
		st.SmemBytes = map[string]int{}
	}
	st.SmemBytes[kernel] = 2*bf16Elems + 4*f32Elems
	c := &cta{mode: mode, smemH: make([]BF16, bf16Elems), smemF: make([]float32, f32Elems), stats: st}
	for i := range c.smemH {
		c.smemH[i] = poisonBF16
	}
	for i := range c.smemF {
		c.smemF[i] = float32(math.NaN())
	}
	return c
}

func (c *cta) issue(op func()) {
	if c.mode == LandAtIssue {
		op()
		return
	}
	c.current = append(c.current, op)
}

// cpAsync16 is cp_async_16: 8 bf16 from g[src] to smemH[dst], zeros when
// !valid. Both ends must be 16-byte aligned.
func (c *cta) cpAsync16(dst int, g []BF16, src int, valid bool) {
	if dst%8 != 0 || src%8 != 0 {
		panic(fmt.Sprintf("cp.async 16: misaligned smem %d or global %d (elements)", dst, src))
	}
	if dst < 0 || dst+8 > len(c.smemH) {
		panic(fmt.Sprintf("cp.async 16: smem offset %d out of %d", dst, len(c.smemH)))
	}
	if src < 0 || src+8 > len(g) {
		panic(fmt.Sprintf("cp.async 16: global offset %d out of %d", src, len(g)))
	}
	c.issue(func() {
		for i := range 8 {
			if valid {
				c.smemH[dst+i] = g[src+i]
			} else {
				c.smemH[dst+i] = 0
			}
		}
	})
}

// cpAsync4 is cp_async_4: one float from g[src] to smemF[dst], zero when !valid.
func (c *cta) cpAsync4(dst int, g []float32, src int, valid bool) {
	if dst < 0 || dst >= len(c.smemF) || src < 0 || src >= len(g) {
		panic(fmt.Sprintf("cp.async 4: smem %d/%d or global %d/%d out of range", dst, len(c.smemF), src, len(g)))
	}
	c.issue(func() {
		if valid {
			c.smemF[dst] = g[src]
		} else {
			c.smemF[dst] = 0
		}
	})
}

// commit is cp_async_commit. Every thread of the CTA commits the same
// sequence of groups, so one CTA-wide queue stands for the per-thread ones:
// after each thread's wait and the following __syncthreads, all threads'
// copies of the completed groups have landed.
func (c *cta) commit() {
	c.groups = append(c.groups, c.current)
	c.current = nil
}

// wait is cp_async_wait<n>: all but the n most recent groups complete.
func (c *cta) wait(n int) {
	for len(c.groups) > n {
		for _, op := range c.groups[0] {
			op()
		}
		c.groups = c.groups[1:]
	}
}

// ldmatrixX4 emulates ldmatrix.sync.aligned.m8n8.x4[.trans].shared.b16 for
// one warp: lanes 8i..8i+7 supply (in addr) the smem element offsets of
// the 8 rows of matrix i; lane L receives in r[L][i] the pair
// (M_i[L/4][2(L%4)], M_i[L/4][2(L%4)+1]), or with trans
// (M_i[2(L%4)][L/4], M_i[2(L%4)+1][L/4]).
func (c *cta) ldmatrixX4(r *[32][4]uint32, addr *[32]int, trans bool) {
	c.stats.LdMatrix++
	for i := range 4 {
		var banks [32]int
		for row := range 8 {
			a := addr[8*i+row]
			if a%8 != 0 || a < 0 || a+8 > len(c.smemH) {
				panic(fmt.Sprintf("ldmatrix: row address %d misaligned or out of %d", a, len(c.smemH)))
			}
			for w := range 4 { // 4 words of 4 bytes per 16-byte row
				banks[(a/2+w)%32]++
			}
		}
		worst := 0
		for _, n := range banks {
			worst = max(worst, n)
		}
		c.stats.BankConflicts += int64(worst - 1)
		for lane := range 32 {
			g, t := lane>>2, lane&3
			var lo, hi BF16
			if trans {
				lo = c.smemH[addr[8*i+2*t]+g]
				hi = c.smemH[addr[8*i+2*t+1]+g]
			} else {
				lo = c.smemH[addr[8*i+g]+2*t]
				hi = c.smemH[addr[8*i+g]+2*t+1]
			}
			r[lane][i] = uint32(lo) | uint32(hi)<<16
		}
	}
}

// mma16816 emulates mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 for
// one warp: d += A·B with A 16x16 from a (registers a0..a3 of each lane),
// B 16x8 from registers bi0, bi1 of b, per the PTX ISA fragment layouts:
// A: a0 (g, 2t..2t+1), a1 (g+8, 2t..), a2 (g, 2t+8..), a3 (g+8, 2t+8..);
// B: b0 (k 2t..2t+1, n g), b1 (k 2t+8.., n g); D: d0,d1 (g, 2t..), d2,d3 (g+8, 2t..).
func (c *cta) mma16816(d *[32][4]float32, a *[32][4]uint32, b *[32][4]uint32, bi0, bi1 int) {
	c.stats.MMA++
	var A [16][16]float32
	var B [16][8]float32
	for lane := range 32 {
		g, t := lane>>2, lane&3
		A[g][2*t], A[g][2*t+1] = unpackBF16x2(a[lane][0])
		A[g+8][2*t], A[g+8][2*t+1] = unpackBF16x2(a[lane][1])
		A[g][2*t+8], A[g][2*t+9] = unpackBF16x2(a[lane][2])
		A[g+8][2*t+8], A[g+8][2*t+9] = unpackBF16x2(a[lane][3])
		B[2*t][g], B[2*t+1][g] = unpackBF16x2(b[lane][bi0])
		B[2*t+8][g], B[2*t+9][g] = unpackBF16x2(b[lane][bi1])
	}
	var D [16][8]float32
	for i := range 16 {
		for j := range 8 {
			var s float32
			for k := range 16 {
				s += A[i][k] * B[k][j]
			}
			D[i][j] = s
		}
	}
	for lane := range 32 {
		g, t := lane>>2, lane&3
		d[lane][0] += D[g][2*t]
		d[lane][1] += D[g][2*t+1]
		d[lane][2] += D[g+8][2*t]
		d[lane][3] += D[g+8][2*t+1]
	}
}

// shflXor is __shfl_xor_sync(0xffffffff, v, mask) for every lane.
func shflXor(v *[32]float32, mask int) (o [32]float32) {
	for lane := range 32 {
		o[lane] = v[lane^mask]
	}
	return o
}

// exp2f and logf as the CUDA math library computes them (to rounding).
func exp2f(x float32) float32 { return float32(math.Exp2(float64(x))) }
func logf(x float32) float32  { return float32(math.Log(float64(x))) }

func fmaxf(a, b float32) float32 {
	// fmaxf returns the other operand when one is NaN; -inf handling is plain max.
	if a != a {
		return b
	}
	if b != b {
		return a
	}
	return max(a, b)
}

var negInf = float32(math.Inf(-1))

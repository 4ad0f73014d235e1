package flashport

import "fmt"

// Traits is the .cu's Traits<Dh> [T1] with the sizes derived from it: for
// each kernel, MT (m16 tiles per warp; a CTA owns 64·MT rows) and BN (rows
// of each streamed tile), and the dynamic shared memory of SmemBytes<Dh>.
// The CUDA launcher sizes its grids and shared memory from this table.
type Traits struct {
	HeadDim         int
	FwdMT, FwdBN    int
	DqMT, DqBN      int
	KvMT, KvBN      int
	FwdSmem, DqSmem int // bytes
	KvSmem          int // bytes
	KvAtomicSmem    int // bytes, the atomic-dQ variant of the dK/dV kernel
	FwdRows, DqRows int // rows per CTA of the forward and dQ kernels (grid x = ceil(T/rows))
	KvKeys          int // keys per CTA of the dK/dV kernel
}

// TraitsFor returns the traits of head dim dh (32, 64 or 128).
func TraitsFor(dh int) (Traits, error) {
	var t Traits
	switch dh {
	case 32, 64:
		t = Traits{FwdMT: 2, FwdBN: 64, DqMT: 2, DqBN: 32, KvMT: 2, KvBN: 32}
	case 128:
		t = Traits{FwdMT: 2, FwdBN: 32, DqMT: 1, DqBN: 64, KvMT: 1, KvBN: 64}
	default:
		return t, fmt.Errorf("flashport: head dim %d: the kernels are instantiated for 32, 64 and 128", dh)
	}
	t.HeadDim = dh
	t.FwdRows = kNWarps * 16 * t.FwdMT
	t.DqRows = kNWarps * 16 * t.DqMT
	t.KvKeys = kNWarps * 16 * t.KvMT
	row := (dh + 8) * 2 // bytes of one padded smem row
	t.FwdSmem = (t.FwdRows + 4*t.FwdBN) * row
	t.DqSmem = (2*t.DqRows + 4*t.DqBN) * row
	t.KvSmem = (2*t.KvKeys+4*t.KvBN)*row + 4*t.KvBN*4
	t.KvAtomicSmem = t.KvSmem + t.KvKeys*(t.KvBN+8)*2
	return t, nil
}

package cuda

import (
	"fmt"

	"github.com/empirical-scaling/harness/tensor"
)

// maxSharedDefault is the dynamic shared memory a block may use without
// raising its limit.
const maxSharedDefault = 48 << 10

// Embedding computes out = wte[ids] + wpe[position]. Ids outside
// [0, Vocab) are an error, found from the range WriteInt32 recorded; the
// kernel also guards (NaN row, no out-of-bounds read).
func (d *Device) Embedding(out, wte, wpe, ids tensor.Buffer, s tensor.EmbeddingShape) error {
	rows := s.Batch * s.SeqLen
	bs, err := d.check("Embedding", spec{name: "out", b: out, n: rows * s.Width},
		spec{name: "wte", b: wte, n: s.Vocab * s.Width}, spec{name: "wpe", b: wpe, n: -1},
		spec{name: "ids", b: ids, n: rows, dts: i32Only})
	if err != nil {
		return err
	}
	if bs[2].n < s.SeqLen*s.Width {
		return fmt.Errorf("cuda: Embedding: wpe has %d elements, want at least %d×%d", bs[2].n, s.SeqLen, s.Width)
	}
	if err := sameDType("Embedding", bs[0], bs[1], bs[2]); err != nil {
		return err
	}
	if err := bs[3].checkRange("Embedding", "ids", s.Vocab); err != nil {
		return err
	}
	if err := fits32("Embedding", rows*s.Width, s.Vocab*s.Width); err != nil {
		return err
	}
	return d.run(func() error {
		if rows*s.Width == 0 {
			return nil
		}
		return d.launch("embedding_fwd_"+suffix(bs[0].dt), d.gridFor(rows*s.Width), dim1(threads), 0,
			bs[0], bs[1], bs[2], bs[3], s.Batch, s.SeqLen, s.Vocab, s.Width)
	})
}

// EmbeddingBackward accumulates dout into dwte (by id) and dwpe (by
// position), deterministically (see embedding.cu). Either may be nil.
func (d *Device) EmbeddingBackward(dwte, dwpe, dout, ids tensor.Buffer, s tensor.EmbeddingShape) error {
	rows := s.Batch * s.SeqLen
	bs, err := d.check("EmbeddingBackward", spec{name: "dwte", b: dwte, n: s.Vocab * s.Width, optional: true},
		spec{name: "dwpe", b: dwpe, n: -1, optional: true}, spec{name: "dout", b: dout, n: rows * s.Width},
		spec{name: "ids", b: ids, n: rows, dts: i32Only})
	if err != nil {
		return err
	}
	dte, dpe, do, ib := bs[0], bs[1], bs[2], bs[3]
	if dpe != nil && dpe.n < s.SeqLen*s.Width {
		return fmt.Errorf("cuda: EmbeddingBackward: dwpe has %d elements, want at least %d×%d", dpe.n, s.SeqLen, s.Width)
	}
	if err := sameDType("EmbeddingBackward", dte, dpe, do); err != nil {
		return err
	}
	if err := ib.checkRange("EmbeddingBackward", "ids", s.Vocab); err != nil {
		return err
	}
	if err := fits32("EmbeddingBackward", rows*s.Width, s.Vocab*s.Width); err != nil {
		return err
	}
	if s.Width*4 > maxSharedDefault {
		return fmt.Errorf("cuda: EmbeddingBackward: width %d needs %d bytes of shared memory, limit %d", s.Width, s.Width*4, maxSharedDefault)
	}
	sfx := suffix(do.dt)
	return d.run(func() error {
		if rows*s.Width == 0 {
			return nil
		}
		if dpe != nil {
			if err := d.launch("embedding_bwd_wpe_"+sfx, d.gridFor(s.SeqLen*s.Width), dim1(threads), 0,
				dpe, do, s.Batch, s.SeqLen, s.Width); err != nil {
				return err
			}
		}
		if dte != nil {
			return d.launch("embedding_bwd_wte_"+sfx, dim1(rows), dim1(threads), s.Width*4,
				dte, do, ib, rows, s.Vocab, s.Width)
		}
		return nil
	})
}

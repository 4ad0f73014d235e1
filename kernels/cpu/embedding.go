package cpu

import (
	"fmt"

	"github.com/empirical-scaling/harness/tensor"
)

// embeddingArgs validates the shape and the buffers shared by both passes.
func (d *Device) embeddingArgs(op string, wpe, ids tensor.Buffer, s tensor.EmbeddingShape) ([]int32, error) {
	if s.Batch <= 0 || s.SeqLen <= 0 || s.Vocab <= 0 || s.Width <= 0 {
		return nil, fmt.Errorf("cpu: %s: invalid shape %+v", op, s)
	}
	if wpe != nil {
		b, err := d.buf(op, "wpe", wpe)
		if err != nil {
			return nil, err
		}
		if b.n < s.SeqLen*s.Width || b.n%s.Width != 0 {
			return nil, fmt.Errorf("cpu: %s: wpe has %d elements, want rows of %d for at least %d positions", op, b.n, s.Width, s.SeqLen)
		}
	}
	id, err := d.i32(op, "ids", ids, s.Batch*s.SeqLen)
	if err != nil {
		return nil, err
	}
	for i, v := range id {
		if v < 0 || int(v) >= s.Vocab {
			return nil, fmt.Errorf("cpu: %s: id %d at position %d is outside the vocabulary [0, %d)", op, v, i, s.Vocab)
		}
	}
	return id, nil
}

// Embedding computes out[b,t,:] = wte[ids[b,t],:] + wpe[t,:].
func (d *Device) Embedding(out, wte, wpe, ids tensor.Buffer, s tensor.EmbeddingShape) error {
	const op = "Embedding"
	id, err := d.embeddingArgs(op, wpe, ids, s)
	if err != nil {
		return err
	}
	o, err := d.f32(op, "out", out, s.Batch*s.SeqLen*s.Width)
	if err != nil {
		return err
	}
	te, err := d.f32(op, "wte", wte, s.Vocab*s.Width)
	if err != nil {
		return err
	}
	pe, err := d.f32(op, "wpe", wpe, -1)
	if err != nil {
		return err
	}
	c := s.Width
	parallelFor(len(id), c, 1, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			t := r % s.SeqLen
			or, tr, pr := o[r*c:(r+1)*c], te[int(id[r])*c:int(id[r]+1)*c], pe[t*c:(t+1)*c]
			for j := range or {
				or[j] = tr[j] + pr[j]
			}
		}
	})
	return nil
}

// EmbeddingBackward scatter-adds dout into dwte by id and into dwpe by
// position; either may be nil. Columns are split over the workers, so every
// element is summed by one worker in token order (deterministic).
func (d *Device) EmbeddingBackward(dwte, dwpe, dout, ids tensor.Buffer, s tensor.EmbeddingShape) error {
	const op = "EmbeddingBackward"
	id, err := d.embeddingArgs(op, dwpe, ids, s)
	if err != nil {
		return err
	}
	do, err := d.f32(op, "dout", dout, s.Batch*s.SeqLen*s.Width)
	if err != nil {
		return err
	}
	dte, err := d.optF32(op, "dwte", dwte, s.Vocab*s.Width)
	if err != nil {
		return err
	}
	dpe, err := d.optF32(op, "dwpe", dwpe, -1)
	if err != nil {
		return err
	}
	c := s.Width
	parallelFor(c, len(id), 16, func(lo, hi int) {
		for r, v := range id {
			dr := do[r*c+lo : r*c+hi]
			if dte != nil {
				tr := dte[int(v)*c+lo : int(v)*c+hi]
				for j, g := range dr {
					tr[j] += g
				}
			}
			if dpe != nil {
				t := r % s.SeqLen
				pr := dpe[t*c+lo : t*c+hi]
				for j, g := range dr {
					pr[j] += g
				}
			}
		}
	})
	return nil
}

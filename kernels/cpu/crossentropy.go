package cpu

import (
	"fmt"
	"math"

	"github.com/empirical-scaling/harness/tensor"
)

// CrossEntropy writes mean_r(logsumexp(logits[r]) − logits[r][targets[r]])
// into loss, summing the rows in float64 in row order. With writeGrad it
// overwrites logits with gradScale·(softmax − onehot)/rows.
func (d *Device) CrossEntropy(loss, logits, targets tensor.Buffer, rows, vocab int, gradScale float32, writeGrad bool) error {
	const op = "CrossEntropy"
	if rows <= 0 || vocab <= 0 {
		return fmt.Errorf("cpu: %s: rows=%d vocab=%d: want both positive", op, rows, vocab)
	}
	ls, err := d.f32(op, "loss", loss, 1)
	if err != nil {
		return err
	}
	lg, err := d.f32(op, "logits", logits, rows*vocab)
	if err != nil {
		return err
	}
	tg, err := d.i32(op, "targets", targets, rows)
	if err != nil {
		return err
	}
	for r, t := range tg {
		if t < 0 || int(t) >= vocab {
			return fmt.Errorf("cpu: %s: target %d of row %d is outside the vocabulary [0, %d)", op, t, r, vocab)
		}
	}
	// Per-row losses go to scratch so the final sum runs in a fixed order
	// whatever the split.
	sp := d.getScratch64(rows)
	defer d.putScratch64(sp)
	per := *sp
	scale := gradScale / float32(rows)
	parallelFor(rows, 4*vocab, 1, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			row := lg[r*vocab : (r+1)*vocab]
			mx := rowMax(row)
			xt := row[tg[r]]
			var sum float64
			if !writeGrad {
				for _, v := range row {
					sum += float64(exp32(v - mx))
				}
				per[r] = float64(mx) + math.Log(sum) - float64(xt)
				continue
			}
			// Keep the exponentials in the row, then scale them into softmax.
			// The row is summed in float64 over chunks: one float32 sum over
			// a 50k vocabulary would lose ~1e-5.
			for c := 0; c < len(row); c += 256 {
				sum += float64(expShift(row[c:min(c+256, len(row))], mx))
			}
			per[r] = float64(mx) + math.Log(sum) - float64(xt)
			f := float32(float64(scale) / sum)
			for j := range row {
				row[j] *= f
			}
			row[tg[r]] -= scale
		}
	})
	var total float64
	for _, l := range per {
		total += l
	}
	ls[0] = float32(total / float64(rows))
	return nil
}

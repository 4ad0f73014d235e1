package cuda

import (
	"fmt"

	"github.com/empirical-scaling/harness/tensor"
)

// CrossEntropy writes the mean cross-entropy of the rows into loss and,
// when writeGrad is set, overwrites logits with gradScale·(softmax − onehot)/rows
// in the same kernel (see crossentropy.cu). The mean is a fixed-order float64
// reduction, so the loss is deterministic.
func (d *Device) CrossEntropy(loss, logits, targets tensor.Buffer, rows, vocab int, gradScale float32, writeGrad bool) error {
	bs, err := d.check("CrossEntropy", spec{name: "loss", b: loss, n: 1, dts: f32Only},
		spec{name: "logits", b: logits, n: rows * vocab}, spec{name: "targets", b: targets, n: rows, dts: i32Only})
	if err != nil {
		return err
	}
	if err := fits32("CrossEntropy", rows, vocab, rows*vocab); err != nil {
		return err
	}
	if rows == 0 || vocab == 0 {
		return fmt.Errorf("cuda: CrossEntropy: empty logits (%d rows, vocab %d)", rows, vocab)
	}
	lb, xb, tb := bs[0], bs[1], bs[2]
	if err := tb.checkRange("CrossEntropy", "targets", vocab); err != nil {
		return err
	}
	return d.run(func() error {
		losses, err := d.scratchBuf("crossentropy.losses", tensor.Float32, rows)
		if err != nil {
			return err
		}
		block := threads
		if vocab >= 8192 {
			block = 1024
		}
		if err := d.launch("crossentropy_"+suffix(xb.dt), dim1(rows), dim1(block), 0, losses, xb, tb, rows, vocab, gradScale, writeGrad); err != nil {
			return err
		}
		return d.launch("crossentropy_mean", dim1(1), dim1(1024), 0, lb, losses, rows)
	})
}

package cuda

import (
	"fmt"
	"math"

	"github.com/empirical-scaling/harness/tensor"
)

// AdamW updates param (and master, when given) in one fused pass; see
// adamw.cu. The bias corrections 1 − β^step are computed here in float64.
func (d *Device) AdamW(p tensor.AdamWParams, param, grad, m, v, master tensor.Buffer) error {
	if param == nil {
		return fmt.Errorf("cuda: AdamW: param is nil")
	}
	n := param.Len()
	bs, err := d.check("AdamW", spec{name: "param", b: param, n: n}, spec{name: "grad", b: grad, n: n},
		spec{name: "m", b: m, n: n, dts: f32Only}, spec{name: "v", b: v, n: n, dts: f32Only},
		spec{name: "master", b: master, n: n, dts: f32Only, optional: true})
	if err != nil {
		return err
	}
	if p.Step < 1 {
		return fmt.Errorf("cuda: AdamW: step %d, want ≥ 1 (it is 1-based)", p.Step)
	}
	if err := fits32("AdamW", n); err != nil {
		return err
	}
	bc1 := float32(1 - math.Pow(float64(p.Beta1), float64(p.Step)))
	bc2 := float32(1 - math.Pow(float64(p.Beta2), float64(p.Step)))
	pb, gb := bs[0], bs[1]
	name := "adamw_" + suffix(pb.dt) + "_" + suffix(gb.dt)
	return d.run(func() error {
		if n == 0 {
			return nil
		}
		return d.launch(name, d.gridFor(n), dim1(threads), 0, pb, gb, bs[2], bs[3], bs[4],
			p.LR, p.Beta1, p.Beta2, p.Eps, p.WeightDecay, bc1, bc2, p.GradScale, n)
	})
}

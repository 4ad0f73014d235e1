package cuda

import (
	"github.com/empirical-scaling/harness/tensor"
)

// SwiGLU computes out[r,j] = SiLU(x[r,j])·x[r,hidden+j].
func (d *Device) SwiGLU(out, x tensor.Buffer, rows, hidden int) error {
	bs, err := d.check("SwiGLU", spec{name: "out", b: out, n: rows * hidden}, spec{name: "x", b: x, n: rows * 2 * hidden})
	if err != nil {
		return err
	}
	o, xb := bs[0], bs[1]
	if err := sameDType("SwiGLU", o, xb); err != nil {
		return err
	}
	if err := fits32("SwiGLU", rows, hidden, rows*2*hidden); err != nil {
		return err
	}
	return d.run(func() error {
		if o.n == 0 {
			return nil
		}
		return d.launch("swiglu_fwd_"+suffix(o.dt), d.elemGrid(o.n, o.dt), dim1(threads), 0, o, xb, rows, hidden)
	})
}

// SwiGLUBackward accumulates dx (rows×2·hidden) from x and dout.
func (d *Device) SwiGLUBackward(dx, x, dout tensor.Buffer, rows, hidden int) error {
	bs, err := d.check("SwiGLUBackward", spec{name: "dx", b: dx, n: rows * 2 * hidden}, spec{name: "x", b: x, n: rows * 2 * hidden},
		spec{name: "dout", b: dout, n: rows * hidden})
	if err != nil {
		return err
	}
	g, xb, do := bs[0], bs[1], bs[2]
	if err := sameDType("SwiGLUBackward", g, xb, do); err != nil {
		return err
	}
	if err := fits32("SwiGLUBackward", rows, hidden, rows*2*hidden); err != nil {
		return err
	}
	return d.run(func() error {
		if do.n == 0 {
			return nil
		}
		return d.launch("swiglu_bwd_"+suffix(g.dt), d.elemGrid(do.n, g.dt), dim1(threads), 0, g, xb, do, rows, hidden)
	})
}

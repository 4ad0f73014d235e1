package cuda

import (
	"fmt"

	"github.com/empirical-scaling/harness/tensor"
)

// GeLU applies GPT-2's tanh-approximated GeLU.
func (d *Device) GeLU(out, x tensor.Buffer) error {
	bs, err := d.check("GeLU", spec{name: "out", b: out, n: -1}, spec{name: "x", b: x, n: -1})
	if err != nil {
		return err
	}
	o, xb := bs[0], bs[1]
	if o.n != xb.n {
		return fmt.Errorf("cuda: GeLU: out has %d elements, x %d", o.n, xb.n)
	}
	if err := sameDType("GeLU", o, xb); err != nil {
		return err
	}
	if err := fits32("GeLU", o.n); err != nil {
		return err
	}
	return d.run(func() error {
		if o.n == 0 {
			return nil
		}
		return d.launch("gelu_fwd_"+suffix(o.dt), d.elemGrid(o.n, o.dt), dim1(threads), 0, o, xb, o.n)
	})
}

// GeLUBackward accumulates dx += dout·gelu'(x).
func (d *Device) GeLUBackward(dx, x, dout tensor.Buffer) error {
	bs, err := d.check("GeLUBackward", spec{name: "dx", b: dx, n: -1}, spec{name: "x", b: x, n: -1}, spec{name: "dout", b: dout, n: -1})
	if err != nil {
		return err
	}
	g, xb, do := bs[0], bs[1], bs[2]
	if xb.n != g.n || do.n != g.n {
		return fmt.Errorf("cuda: GeLUBackward: lengths %d, %d, %d differ", g.n, xb.n, do.n)
	}
	if err := sameDType("GeLUBackward", g, xb, do); err != nil {
		return err
	}
	if err := fits32("GeLUBackward", g.n); err != nil {
		return err
	}
	return d.run(func() error {
		if g.n == 0 {
			return nil
		}
		return d.launch("gelu_bwd_"+suffix(g.dt), d.elemGrid(g.n, g.dt), dim1(threads), 0, g, xb, do, g.n)
	})
}

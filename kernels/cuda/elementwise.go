package cuda

import (
	"fmt"
	"math"

	"github.com/empirical-scaling/harness/tensor"
)

// fits32 checks that every size fits the kernels' 32-bit int parameters.
func fits32(op string, ns ...int) error {
	for _, n := range ns {
		if n < 0 || n > math.MaxInt32 {
			return fmt.Errorf("cuda: %s: size %d exceeds the kernels' 32-bit limit", op, n)
		}
	}
	return nil
}

// elemGrid is the grid of a packed elementwise kernel over n elements of dt.
func (d *Device) elemGrid(n int, dt tensor.DType) Dim3 {
	return d.gridFor((n + vecWidth(dt.Size()) - 1) / vecWidth(dt.Size()))
}

// run enters the device and runs f, the body of an op.
func (d *Device) run(f func() error) error {
	leave, err := d.enter()
	if err != nil {
		return err
	}
	defer leave()
	return f()
}

// Fill sets every element of dst to v.
func (d *Device) Fill(dst tensor.Buffer, v float32) error {
	bs, err := d.check("Fill", spec{name: "dst", b: dst, n: -1, dts: []tensor.DType{tensor.Float32, tensor.BFloat16, tensor.Int32}})
	if err != nil {
		return err
	}
	b := bs[0]
	if err := fits32("Fill", b.n); err != nil {
		return err
	}
	return d.run(func() error {
		if b.n == 0 {
			return nil
		}
		if b.dt == tensor.Int32 {
			b.setRange([]int32{int32(v)})
			return d.drv.memsetD32Async(uint64(b.ptr), uint32(int32(v)), b.n, d.stream)
		}
		return d.launch("fill_"+suffix(b.dt), d.elemGrid(b.n, b.dt), dim1(threads), 0, b, v, b.n)
	})
}

// Copy copies src into dst, casting between float32 and bfloat16.
func (d *Device) Copy(dst, src tensor.Buffer) error {
	bs, err := d.check("Copy", spec{name: "dst", b: dst, n: -1}, spec{name: "src", b: src, n: -1})
	if err != nil {
		return err
	}
	o, s := bs[0], bs[1]
	if o.n != s.n {
		return fmt.Errorf("cuda: Copy: dst has %d elements, src %d", o.n, s.n)
	}
	if err := fits32("Copy", o.n); err != nil {
		return err
	}
	return d.run(func() error {
		if o.n == 0 {
			return nil
		}
		if o.dt == s.dt {
			return d.drv.dtodAsync(uint64(o.ptr), uint64(s.ptr), o.bytes(), d.stream)
		}
		return d.launch("copy_"+suffix(o.dt)+"_"+suffix(s.dt), d.gridFor(o.n), dim1(threads), 0, o, s, o.n)
	})
}

// Add computes dst = a + b.
func (d *Device) Add(dst, a, b tensor.Buffer) error {
	bs, err := d.check("Add", spec{name: "dst", b: dst, n: -1}, spec{name: "a", b: a, n: -1}, spec{name: "b", b: b, n: -1})
	if err != nil {
		return err
	}
	o, x, y := bs[0], bs[1], bs[2]
	if x.n != o.n || y.n != o.n {
		return fmt.Errorf("cuda: Add: lengths %d, %d, %d differ", o.n, x.n, y.n)
	}
	if err := sameDType("Add", o, x, y); err != nil {
		return err
	}
	if err := fits32("Add", o.n); err != nil {
		return err
	}
	return d.run(func() error {
		if o.n == 0 {
			return nil
		}
		return d.launch("add_"+suffix(o.dt), d.elemGrid(o.n, o.dt), dim1(threads), 0, o, x, y, o.n)
	})
}

// Accumulate computes dst += alpha·src.
func (d *Device) Accumulate(dst, src tensor.Buffer, alpha float32) error {
	bs, err := d.check("Accumulate", spec{name: "dst", b: dst, n: -1}, spec{name: "src", b: src, n: -1})
	if err != nil {
		return err
	}
	o, s := bs[0], bs[1]
	if o.n != s.n {
		return fmt.Errorf("cuda: Accumulate: dst has %d elements, src %d", o.n, s.n)
	}
	if err := fits32("Accumulate", o.n); err != nil {
		return err
	}
	return d.run(func() error {
		if o.n == 0 {
			return nil
		}
		return d.launch("accumulate_"+suffix(o.dt)+"_"+suffix(s.dt), d.elemGrid(o.n, o.dt), dim1(threads), 0, o, s, alpha, o.n)
	})
}

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

package cuda

import (
	"fmt"

	"github.com/empirical-scaling/harness/tensor"
)

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

package cpu

import (
	"fmt"

	"github.com/empirical-scaling/harness/kernels/cpu/gemm"
	"github.com/empirical-scaling/harness/tensor"
)

// MatMul computes c (=|+=) op(a)·op(b) for every batch item, see
// tensor.MatMulShape. A zero StrideC with Batch > 1 sums every item's
// product into the one C (items run in order, so the sum is deterministic).
func (d *Device) MatMul(c, a, b tensor.Buffer, s tensor.MatMulShape) error {
	const op = "MatMul"
	if s.Batch <= 0 || s.M <= 0 || s.N <= 0 || s.K <= 0 || s.StrideA < 0 || s.StrideB < 0 || s.StrideC < 0 {
		return fmt.Errorf("cpu: %s: invalid shape %+v", op, s)
	}
	cs, err := d.f32(op, "c", c, -1)
	if err != nil {
		return err
	}
	as, err := d.f32(op, "a", a, -1)
	if err != nil {
		return err
	}
	bs, err := d.f32(op, "b", b, -1)
	if err != nil {
		return err
	}
	for _, x := range []struct {
		name   string
		have   int
		stride int
		size   int
	}{{"a", len(as), s.StrideA, s.M * s.K}, {"b", len(bs), s.StrideB, s.K * s.N}, {"c", len(cs), s.StrideC, s.M * s.N}} {
		if need := (s.Batch-1)*x.stride + x.size; x.have < need {
			return fmt.Errorf("cpu: %s: %s has %d elements, need %d for batch %d, M=%d N=%d K=%d, stride %d", op, x.name, x.have, need, s.Batch, s.M, s.N, s.K, x.stride)
		}
	}
	lda, ldb := s.K, s.N
	if s.TransA {
		lda = s.M
	}
	if s.TransB {
		ldb = s.K
	}
	var beta float32
	if s.Accumulate {
		beta = 1
	}
	item := func(i int, beta float32, serial bool) {
		ao, bo, co := i*s.StrideA, i*s.StrideB, i*s.StrideC
		f := gemm.Sgemm
		if serial {
			f = gemm.SgemmSerial
		}
		f(s.TransA, s.TransB, s.M, s.N, s.K, 1, as[ao:ao+s.M*s.K], lda, bs[bo:bo+s.K*s.N], ldb, beta, cs[co:co+s.M*s.N], s.N)
	}
	work := s.M * s.N * s.K
	switch {
	case s.Batch == 1:
		item(0, beta, false)
	case s.StrideC == 0:
		for i := range s.Batch {
			item(i, beta, false)
			beta = 1
		}
	case work >= 128*128*128:
		// Big items: let the GEMM spread each one over the cores.
		for i := range s.Batch {
			item(i, beta, false)
		}
	default:
		// Small items: one item per worker at a time.
		parallelFor(s.Batch, work, 1, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				item(i, beta, true)
			}
		})
	}
	return nil
}

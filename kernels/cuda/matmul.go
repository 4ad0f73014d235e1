package cuda

import (
	"errors"
	"fmt"

	"github.com/empirical-scaling/harness/tensor"
)

// matmulExtent is how many elements a batched operand spans: the last
// item's start plus one item.
func matmulExtent(batch, stride, size int) int {
	if batch <= 1 {
		return size
	}
	return (batch-1)*stride + size
}

// MatMul computes c (=|+=) op(a)·op(b) through cuBLASLt (float32
// accumulation for both float32 and bfloat16 operands; the float32 path
// uses full-precision CUBLAS_COMPUTE_32F, not TF32), or through the
// fallback tiled kernel when cuBLASLt is unavailable.
func (d *Device) MatMul(c, a, b tensor.Buffer, s tensor.MatMulShape) error {
	if s.Batch < 1 || s.M <= 0 || s.N <= 0 || s.K <= 0 {
		return fmt.Errorf("cuda: MatMul: invalid shape %+v", s)
	}
	if s.Batch > 1 && (s.StrideA < 0 || s.StrideB < 0 || s.StrideC <= 0) {
		return fmt.Errorf("cuda: MatMul: invalid strides in %+v", s)
	}
	bs, err := d.check("MatMul", spec{name: "c", b: c, n: -1}, spec{name: "a", b: a, n: -1}, spec{name: "b", b: b, n: -1})
	if err != nil {
		return err
	}
	cb, ab, bb := bs[0], bs[1], bs[2]
	if err := sameDType("MatMul", cb, ab, bb); err != nil {
		return err
	}
	for _, o := range []struct {
		name   string
		b      *buffer
		stride int
		size   int
	}{{"a", ab, s.StrideA, s.M * s.K}, {"b", bb, s.StrideB, s.K * s.N}, {"c", cb, s.StrideC, s.M * s.N}} {
		if need := matmulExtent(s.Batch, o.stride, o.size); o.b.n < need {
			return fmt.Errorf("cuda: MatMul: %s has %d elements, the shape %+v needs %d", o.name, o.b.n, s, need)
		}
	}
	if err := fits32("MatMul", s.M, s.N, s.K, s.Batch); err != nil {
		return err
	}
	return d.run(func() error {
		if d.gemm != nil {
			err := d.gemm.run(cb, ab, bb, s)
			if err == nil {
				return nil
			}
			if !errors.Is(err, errNoAlgorithm) {
				return fmt.Errorf("cuda: MatMul %s %+v: %w", cb.dt, s, err)
			}
		}
		return d.launch("gemm_"+suffix(cb.dt), Dim3{(s.N + 15) / 16, (s.M + 15) / 16, s.Batch}, Dim3{16, 16, 1}, 0,
			cb, ab, bb, s.M, s.N, s.K, s.TransA, s.TransB, int64(s.StrideA), int64(s.StrideB), int64(s.StrideC), s.Accumulate)
	})
}

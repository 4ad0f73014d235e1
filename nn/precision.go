package nn

import (
	"fmt"

	"github.com/empirical-scaling/harness/tensor"
)

// Precision is the dtype the model computes in.
type Precision string

// The two training precisions.
const (
	// F32 keeps the parameters, activations and gradients in float32.
	F32 Precision = "f32"
	// BF16 is mixed precision: bfloat16 working weights, activations and
	// gradients (bf16 GEMMs, the flash-attention kernel on CUDA), with
	// float32 master weights that the optimizer updates and float32
	// moments, LayerNorm statistics, attention log-sum-exp and loss.
	BF16 Precision = "bf16"
)

// ParsePrecision checks a user-given precision name ("f32" or "bf16").
func ParsePrecision(s string) (Precision, error) {
	switch Precision(s) {
	case F32, BF16:
		return Precision(s), nil
	}
	return "", fmt.Errorf("unknown precision %q: want f32 or bf16", s)
}

// DType is the dtype of the working weights and activations.
func (p Precision) DType() tensor.DType {
	if p == BF16 {
		return tensor.BFloat16
	}
	return tensor.Float32
}

// SupportsBF16 reports whether dev computes in bfloat16 (not only stores
// it): it runs one tiny bf16 matrix product and a GeLU. The CPU device
// keeps bf16 as storage only and fails this; the CUDA device passes.
func SupportsBF16(dev tensor.Device) bool {
	bufs := make([]tensor.Buffer, 0, 3)
	defer func() {
		for _, b := range bufs {
			dev.Free(b)
		}
	}()
	for range 3 {
		b, err := dev.Alloc(tensor.BFloat16, 4)
		if err != nil {
			return false
		}
		bufs = append(bufs, b)
	}
	for _, b := range bufs {
		if dev.Fill(b, 0.5) != nil {
			return false
		}
	}
	s := tensor.MatMulShape{Batch: 1, M: 2, N: 2, K: 2}
	if dev.MatMul(bufs[0], bufs[1], bufs[2], s) != nil {
		return false
	}
	return dev.GeLU(bufs[0], bufs[1]) == nil && dev.Sync() == nil
}

// Resolve turns a requested precision ("", "auto", "f32" or "bf16") into
// the one to train dev with: auto (or "") is bf16 where dev computes in
// bfloat16 and f32 elsewhere; bf16 on a device that cannot compute in it
// is an error naming the device.
func Resolve(requested string, dev tensor.Device) (Precision, error) {
	if requested == "" || requested == "auto" {
		if SupportsBF16(dev) {
			return BF16, nil
		}
		return F32, nil
	}
	p, err := ParsePrecision(requested)
	if err != nil {
		return "", fmt.Errorf("nn: %w (or auto)", err)
	}
	if p == BF16 && !SupportsBF16(dev) {
		return "", fmt.Errorf("nn: precision bf16 needs a device that computes in bfloat16; %s only stores it (use -precision f32 or a CUDA device)", dev.Name())
	}
	return p, nil
}

package experiment

import (
	"errors"
	"fmt"

	"github.com/empirical-scaling/harness/internal/sysmem"
	"github.com/empirical-scaling/harness/nn"
	"github.com/empirical-scaling/harness/tensor"
)

// ErrNotEnoughMemory is wrapped by Run's error when the run's estimated
// memory exceeds what its device has available.
var ErrNotEnoughMemory = errors.New("not enough memory")

// MemoryEstimate is what a run needs on its device, in bytes.
type MemoryEstimate struct {
	Weights     int64 // the working weights
	Gradients   int64 // one gradient per weight
	Optimizer   int64 // AdamW's two fp32 moments, plus the fp32 masters in mixed precision
	Activations int64 // a micro-batch's saved activations, their gradients and the logits
	Workspace   int64 // per-thread scratch and allocator slack
}

// Total is the sum of the parts.
func (m MemoryEstimate) Total() int64 {
	return m.Weights + m.Gradients + m.Optimizer + m.Activations + m.Workspace
}

// String is the estimate for the plan printout.
func (m MemoryEstimate) String() string {
	return fmt.Sprintf("%s (weights %s, gradients %s, optimizer %s, activations %s, workspace %s)",
		Bytes(m.Total()), Bytes(m.Weights), Bytes(m.Gradients), Bytes(m.Optimizer), Bytes(m.Activations), Bytes(m.Workspace))
}

// workspaceBytes covers what no formula below counts: per-thread
// attention tiles and GEMM packing buffers, the caching allocator's
// rounding, the batch buffers.
const workspaceBytes = 64 << 20

// EstimateMemory estimates the memory a training run of model m needs
// with micro sequences per forward/backward pass, in precision prec.
//
// Per layer and token the graph keeps about 18·d activations (LayerNorm
// outputs d each, qkv 3d, attention and projections d each, the FFN's
// input and activated halves 8d for either activation, two residual sums)
// and as much again in their gradients until the step's Reset; the logits
// (V per token) carry their own gradient in place.
func EstimateMemory(m nn.Config, micro int, prec nn.Precision) MemoryEstimate {
	n := m.Params().Total
	work := int64(4)
	if prec == nn.BF16 {
		work = 2
	}
	opt := 2 * 4 * n
	if prec == nn.BF16 {
		opt += 4 * n // fp32 masters
	}
	tokens := int64(micro) * int64(m.SeqLen)
	perToken := int64(m.Layers)*36*int64(m.Width) + 4*int64(m.Width) + int64(m.Vocab)
	act := tokens * perToken * work
	return MemoryEstimate{Weights: work * n, Gradients: work * n, Optimizer: opt, Activations: act, Workspace: workspaceBytes + act/10}
}

// freeMemorer is a device that can say how much memory it has free (the
// CUDA device: cuMemGetInfo).
type freeMemorer interface {
	FreeMemory() (free, total int64, err error)
}

// availableMemory is how much memory dev can still give a run and what
// that memory is called; ok is false when it cannot be known. Tests
// replace it.
var availableMemory = func(dev tensor.Device) (bytes int64, what string, ok bool) {
	if f, is := dev.(freeMemorer); is {
		free, _, err := f.FreeMemory()
		return free, "free device memory", err == nil
	}
	if dev.Name() != "cpu" {
		return 0, "", false
	}
	n, err := sysmem.Available()
	return n, "available host memory (MemAvailable)", err == nil
}

// checkMemory refuses a run whose estimate exceeds what dev has.
func checkMemory(dev tensor.Device, p plan, est MemoryEstimate) error {
	have, what, ok := availableMemory(dev)
	if !ok || est.Total() <= have {
		return nil
	}
	return fmt.Errorf("%w: %s with a micro-batch of %d sequences needs about %s (weights and optimizer %s, activations %s) but %s has %s %s; use a smaller -micro, fewer -params or a device with more memory",
		ErrNotEnoughMemory, p.Model, p.Micro, Bytes(est.Total()), Bytes(est.Weights+est.Gradients+est.Optimizer), Bytes(est.Activations), dev.Name(), Bytes(have), what)
}

// Bytes writes n bytes as 812 MB, 23.1 GB, ...
func Bytes(n int64) string {
	switch {
	case n >= 1e12:
		return fmt.Sprintf("%.1f TB", float64(n)/1e12)
	case n >= 1e9:
		return fmt.Sprintf("%.1f GB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.0f MB", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.0f kB", float64(n)/1e3)
	}
	return fmt.Sprintf("%d B", n)
}

package optim

import (
	"errors"
	"fmt"
	"math"

	"github.com/empirical-scaling/harness/tensor"
)

// Param is one tensor the optimizer updates.
type Param struct {
	Name string
	T    *tensor.Tensor // its Grad holds the accumulated gradient
	// Master, when set, holds T's Float32 master weights (mixed precision:
	// T is then a BFloat16 working copy). The update is made on Master
	// and rounded into T in the same pass.
	Master *tensor.Tensor
	// Decay marks tensors that get weight decay (linear-layer matrices).
	Decay bool
}

// Hyper are AdamW's hyper-parameters other than the learning rate.
type Hyper struct {
	Beta1       float64 `json:"beta1"`
	Beta2       float64 `json:"beta2"`
	Eps         float64 `json:"eps"`
	WeightDecay float64 `json:"weight_decay"` // decoupled, applied to Decay params only
	ClipNorm    float64 `json:"clip_norm"`    // global gradient-norm limit; 0 turns clipping off
}

// ErrNonFinite is returned by Step when the gradient norm is NaN or Inf;
// the parameters are then left untouched.
var ErrNonFinite = errors.New("non-finite gradient norm")

// AdamW is Adam with decoupled weight decay (Loshchilov & Hutter) and
// clipping by the global gradient norm. The moments are float32 tensors on
// the parameters' device; the update is the device's fused AdamW kernel.
// Parameters with a Master are updated in float32 on the master, which
// the kernel then casts into the (bf16) working tensor.
type AdamW struct {
	Hyper
	dev    tensor.Device
	params []Param
	m, v   []*tensor.Tensor
	step   int
	grads  []tensor.Buffer
}

// NewAdamW allocates zeroed moments for params on dev.
func NewAdamW(dev tensor.Device, params []Param, h Hyper) (*AdamW, error) {
	if h.Beta1 < 0 || h.Beta1 >= 1 || h.Beta2 < 0 || h.Beta2 >= 1 {
		return nil, fmt.Errorf("optim: betas (%g, %g): want each in [0, 1)", h.Beta1, h.Beta2)
	}
	if !(h.Eps > 0) || h.WeightDecay < 0 || h.ClipNorm < 0 {
		return nil, fmt.Errorf("optim: eps %g, weight decay %g, clip %g: want eps > 0 and the others ≥ 0", h.Eps, h.WeightDecay, h.ClipNorm)
	}
	o := &AdamW{Hyper: h, dev: dev, params: params}
	for _, p := range params {
		if p.Master != nil && (p.Master.DType() != tensor.Float32 || p.Master.Len() != p.T.Len()) {
			return nil, fmt.Errorf("optim: master weights of %s: %s %v for a parameter of shape %v: want Float32 of the same size", p.Name, p.Master.DType(), p.Master.Shape(), p.T.Shape())
		}
	}
	for _, p := range params {
		m, err := tensor.New(dev, tensor.Float32, p.T.Shape()...)
		if err != nil {
			o.Free()
			return nil, fmt.Errorf("optim: first moment of %s: %w", p.Name, err)
		}
		v, err := tensor.New(dev, tensor.Float32, p.T.Shape()...)
		if err != nil {
			m.Free()
			o.Free()
			return nil, fmt.Errorf("optim: second moment of %s: %w", p.Name, err)
		}
		o.m, o.v = append(o.m, m), append(o.v, v)
	}
	return o, nil
}

// Free releases the moments.
func (o *AdamW) Free() {
	for i := range o.m {
		o.m[i].Free()
		o.v[i].Free()
	}
	o.m, o.v = nil, nil
}

// Steps is the number of updates made so far.
func (o *AdamW) Steps() int { return o.step }

// SetSteps restores the update count (for bias correction) from a checkpoint.
func (o *AdamW) SetSteps(n int) { o.step = n }

// Moments returns the first and second moment of parameter i.
func (o *AdamW) Moments(i int) (m, v *tensor.Tensor) { return o.m[i], o.v[i] }

// Params lists the parameters in the optimizer's order.
func (o *AdamW) Params() []Param { return o.params }

// GradNorm returns the global L2 norm of every parameter's gradient.
func (o *AdamW) GradNorm() (float64, error) {
	o.grads = o.grads[:0]
	for _, p := range o.params {
		if p.T.Grad == nil {
			return 0, fmt.Errorf("optim: %s has no gradient (was Backward run?)", p.Name)
		}
		o.grads = append(o.grads, p.T.Grad.Buffer())
	}
	ss, err := o.dev.SumSquares(o.grads)
	if err != nil {
		return 0, fmt.Errorf("optim: gradient norm: %w", err)
	}
	return math.Sqrt(ss), nil
}

// Step clips the gradients to ClipNorm (by scaling them inside the
// update), applies one AdamW update with learning rate lr, and returns the
// gradient norm before clipping. A NaN or Inf norm returns ErrNonFinite
// and changes nothing.
func (o *AdamW) Step(lr float64) (float64, error) {
	norm, err := o.GradNorm()
	if err != nil {
		return 0, err
	}
	if math.IsNaN(norm) || math.IsInf(norm, 0) {
		return norm, fmt.Errorf("optim: step %d: %w (%v)", o.step+1, ErrNonFinite, norm)
	}
	scale := 1.0
	if o.ClipNorm > 0 && norm > o.ClipNorm {
		scale = o.ClipNorm / (norm + 1e-6)
	}
	o.step++
	for i, p := range o.params {
		wd := 0.0
		if p.Decay {
			wd = o.WeightDecay
		}
		hp := tensor.AdamWParams{
			LR: float32(lr), Beta1: float32(o.Beta1), Beta2: float32(o.Beta2), Eps: float32(o.Eps),
			WeightDecay: float32(wd), Step: o.step, GradScale: float32(scale),
		}
		var master tensor.Buffer
		if p.Master != nil {
			master = p.Master.Buffer()
		}
		if err := o.dev.AdamW(hp, p.T.Buffer(), p.T.Grad.Buffer(), o.m[i].Buffer(), o.v[i].Buffer(), master); err != nil {
			return norm, fmt.Errorf("optim: AdamW update of %s: %w", p.Name, err)
		}
	}
	return norm, nil
}

// SyncWorking copies every master into its working tensor (rounding to
// the working dtype): call it after writing the masters, e.g. when
// resuming from a checkpoint. Parameters without a master are left alone.
func (o *AdamW) SyncWorking() error {
	for _, p := range o.params {
		if p.Master == nil {
			continue
		}
		if err := o.dev.Copy(p.T.Buffer(), p.Master.Buffer()); err != nil {
			return fmt.Errorf("optim: copy master weights of %s into its working copy: %w", p.Name, err)
		}
	}
	return nil
}

// Weights returns the tensor holding parameter i's authoritative weights:
// its float32 master when it has one, else the parameter itself.
func (p Param) Weights() *tensor.Tensor {
	if p.Master != nil {
		return p.Master
	}
	return p.T
}

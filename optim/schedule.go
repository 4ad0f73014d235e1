// Package optim holds AdamW with global-norm gradient clipping (calling the
// device's fused AdamW kernel), the warmup + cosine learning-rate schedule,
// and the table of per-size hyper-parameter defaults.
package optim

import (
	"fmt"
	"math"
)

// Schedule is a linear warmup from 0 to MaxLR over Warmup steps followed
// by a cosine decay from MaxLR to MinLR at step Total; after Total the
// rate stays at MinLR.
type Schedule struct {
	MaxLR  float64 `json:"max_lr"`
	MinLR  float64 `json:"min_lr"`
	Warmup int     `json:"warmup"`
	Total  int     `json:"total"`
}

// Validate reports a schedule that cannot be followed.
func (s Schedule) Validate() error {
	switch {
	case !(s.MaxLR > 0) || math.IsInf(s.MaxLR, 0):
		return fmt.Errorf("optim: learning rate %g: want a positive finite value", s.MaxLR)
	case s.MinLR < 0 || s.MinLR > s.MaxLR:
		return fmt.Errorf("optim: minimum learning rate %g: want 0 ≤ min ≤ max (%g)", s.MinLR, s.MaxLR)
	case s.Total <= 0:
		return fmt.Errorf("optim: %d total steps: want at least 1", s.Total)
	case s.Warmup < 0 || s.Warmup > s.Total:
		return fmt.Errorf("optim: %d warmup steps: want 0 ≤ warmup ≤ total (%d)", s.Warmup, s.Total)
	}
	return nil
}

// LR is the learning rate of update number step (1-based): step/Warmup·MaxLR
// during warmup, then MinLR + ½(MaxLR−MinLR)(1+cos(π·p)) with p the
// fraction of the decay steps done.
func (s Schedule) LR(step int) float64 {
	if step <= s.Warmup && s.Warmup > 0 {
		return s.MaxLR * float64(step) / float64(s.Warmup)
	}
	if step >= s.Total {
		return s.MinLR
	}
	p := float64(step-s.Warmup) / float64(s.Total-s.Warmup)
	return s.MinLR + 0.5*(s.MaxLR-s.MinLR)*(1+math.Cos(math.Pi*p))
}

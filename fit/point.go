package fit

import (
	"fmt"
	"math"
	"sort"
)

// Roles a point can have: anchors are fitted, holdouts are predicted.
const (
	RoleAnchor  = "anchor"
	RoleHoldout = "holdout"
)

// CurvePoint is one validation evaluation during a run.
type CurvePoint struct {
	Tokens  float64 `json:"tokens"`
	ValLoss float64 `json:"val_loss"`
}

// Point is one finished run (or one external data point): its size N
// (non-embedding parameters), training tokens D, compute C in FLOP and final
// validation loss.
type Point struct {
	Run        string  `json:"run"`
	Activation string  `json:"activation"`
	Role       string  `json:"role"`
	Seed       int     `json:"seed"`
	N          float64 `json:"n"`
	D          float64 `json:"d"`
	C          float64 `json:"c"`
	Loss       float64 `json:"loss"`
	// Budget is the compute budget of the IsoFLOP profile the run belongs
	// to (0 for a run of a fixed-ratio grid).
	Budget float64      `json:"budget,omitempty"`
	Curve  []CurvePoint `json:"curve,omitempty"`
}

// Validate reports the first field of p that no fit can use.
func (p Point) Validate() error {
	name := p.Run
	if name == "" {
		name = "(unnamed)"
	}
	for _, f := range []struct {
		what string
		v    float64
	}{{"loss", p.Loss}, {"compute", p.C}} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) || f.v <= 0 {
			return fmt.Errorf("point %s: %s is %v, want a positive finite number", name, f.what, f.v)
		}
	}
	if p.N < 0 || p.D < 0 || math.IsNaN(p.N) || math.IsNaN(p.D) || math.IsInf(p.N, 0) || math.IsInf(p.D, 0) {
		return fmt.Errorf("point %s: params %v or tokens %v is not a finite non-negative number", name, p.N, p.D)
	}
	if p.Role != RoleAnchor && p.Role != RoleHoldout {
		return fmt.Errorf("point %s: role %q, want %q or %q", name, p.Role, RoleAnchor, RoleHoldout)
	}
	return nil
}

// hasND reports whether p carries a usable N and D (needed by approach 3).
func (p Point) hasND() bool { return p.N > 0 && p.D > 0 }

// DropHighest returns pts without the k points of highest loss (ties keep
// the earlier row), as Besiroglu et al. 2024 did before fitting the
// Chinchilla points. The order of the kept points is unchanged.
func DropHighest(pts []Point, k int) ([]Point, error) {
	if k < 0 || k >= len(pts) {
		return nil, fmt.Errorf("drop %d highest-loss points of %d: want 0 ≤ k < %d", k, len(pts), len(pts))
	}
	idx := make([]int, len(pts))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return pts[idx[a]].Loss > pts[idx[b]].Loss })
	drop := make(map[int]bool, k)
	for _, i := range idx[:k] {
		drop[i] = true
	}
	out := make([]Point, 0, len(pts)-k)
	for i, p := range pts {
		if !drop[i] {
			out = append(out, p)
		}
	}
	return out, nil
}

package tensor

import (
	"errors"
	"fmt"
)

// Graph records the ops of one forward pass so that Backward can run them
// in reverse. It owns every tensor its ops return (outputs, saved
// statistics, intermediate gradients) and gives their buffers back to the
// device on Reset, so a training loop that resets once per step allocates
// nothing new after its first step.
//
// A Graph is not safe for concurrent use.
type Graph struct {
	dev     Device
	noGrad  bool
	tape    []record
	owned   []*Tensor
	ranBack bool
}

type record struct {
	op       string
	out      *Tensor
	backward func(root *Tensor) error
}

// NewGraph returns an empty graph whose ops run on dev.
func NewGraph(dev Device) *Graph { return &Graph{dev: dev} }

// Device is the device the graph's ops run on.
func (g *Graph) Device() Device { return g.dev }

// SetGradEnabled turns recording on (the default) or off. With recording
// off (evaluation), no op output requires a gradient and nothing is saved
// for a backward pass.
func (g *Graph) SetGradEnabled(on bool) { g.noGrad = !on }

// GradEnabled reports whether ops are recorded for Backward.
func (g *Graph) GradEnabled() bool { return !g.noGrad }

// Reset releases every tensor the graph's ops returned, and their
// gradients, and empties the tape. Leaf tensors and their gradients stay.
func (g *Graph) Reset() {
	for _, t := range g.owned {
		if t.buf != nil {
			g.dev.Free(t.buf)
		}
		t.buf = nil
		t.Grad = nil
	}
	clear(g.owned)
	g.owned = g.owned[:0]
	clear(g.tape)
	g.tape = g.tape[:0]
	g.ranBack = false
}

// newOutput allocates a graph-owned tensor (contents unspecified).
func (g *Graph) newOutput(op string, dt DType, shape []int) (*Tensor, error) {
	t, err := alloc(g.dev, op, dt, shape)
	if err != nil {
		return nil, err
	}
	t.graph = g
	g.owned = append(g.owned, t)
	return t, nil
}

// needsGrad reports whether an op on these inputs must be recorded.
func (g *Graph) needsGrad(inputs ...*Tensor) bool {
	if g.noGrad {
		return false
	}
	for _, t := range inputs {
		if t != nil && t.requiresGrad {
			return true
		}
	}
	return false
}

func (g *Graph) record(op string, out *Tensor, backward func(root *Tensor) error) {
	out.requiresGrad = true
	g.tape = append(g.tape, record{op: op, out: out, backward: backward})
}

// gradOf returns t's gradient buffer, allocating a zeroed one on first use,
// or nil when t needs no gradient. A leaf's gradient persists; an
// intermediate's belongs to the graph.
func (g *Graph) gradOf(t *Tensor) (Buffer, error) {
	if t == nil || !t.requiresGrad {
		return nil, nil
	}
	if t.Grad != nil {
		return t.Grad.buf, nil
	}
	if t.graph == nil {
		if err := t.ZeroGrad(); err != nil {
			return nil, err
		}
		return t.Grad.buf, nil
	}
	gt, err := g.newOutput("grad", t.DType(), t.shape)
	if err != nil {
		return nil, err
	}
	if err := g.dev.Fill(gt.buf, 0); err != nil {
		return nil, fmt.Errorf("tensor: zero gradient %v: %w", t.shape, err)
	}
	t.Grad = gt
	return gt.buf, nil
}

// Backward computes d(loss)/d(t) for every tensor t that requires a
// gradient and that loss depends on, accumulating into leaf gradients.
// loss must be a one-element tensor produced by this graph; Backward runs
// once per forward pass (Reset before the next one).
func (g *Graph) Backward(loss *Tensor) error {
	switch {
	case loss.graph != g:
		return errors.New("tensor: Backward: loss was not produced by this graph")
	case loss.buf == nil:
		return fmt.Errorf("tensor: Backward: loss %v was released by Reset", loss.shape)
	case loss.Len() != 1:
		return shapeErr("Backward", "loss must have one element, has shape %v", loss.shape)
	case !loss.requiresGrad:
		return errors.New("tensor: Backward: loss does not depend on any tensor that requires a gradient (or gradients are disabled)")
	case g.ranBack:
		return errors.New("tensor: Backward: already ran on this graph; Reset before the next forward pass")
	}
	g.ranBack = true
	for i := len(g.tape) - 1; i >= 0; i-- {
		r := g.tape[i]
		if r.out.Grad == nil && r.out != loss {
			continue // nothing flowed back into this op
		}
		if r.out == loss && r.op != opCrossEntropy {
			// A loss from any other op is seeded with d(loss)/d(loss) = 1.
			if _, err := g.gradOf(loss); err != nil {
				return err
			}
			if err := g.dev.Fill(loss.Grad.buf, 1); err != nil {
				return fmt.Errorf("tensor: Backward: seed: %w", err)
			}
		}
		if err := r.backward(loss); err != nil {
			return fmt.Errorf("tensor: backward of %s: %w", r.op, err)
		}
	}
	return nil
}

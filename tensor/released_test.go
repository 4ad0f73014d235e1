package tensor_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/empirical-scaling/harness/kernels/cpu"
	"github.com/empirical-scaling/harness/tensor"
)

// TestReleasedTensorsError reads and uses tensors after their graph's
// Reset: every use must return an error, never panic on the nil buffer.
func TestReleasedTensorsError(t *testing.T) {
	dev := cpu.New()
	m := newModel(t, dev)
	g := tensor.NewGraph(dev)
	logits, loss := m.forward(t, g)
	g.Reset()
	require.NotPanics(t, func() {
		_, err := loss.Item()
		assert.ErrorContains(t, err, "released")
		_, err = logits.Float32s()
		assert.Error(t, err)
		assert.Equal(t, 1, loss.Len())
		assert.ErrorContains(t, loss.Backward(), "released")
		assert.Error(t, loss.CopyFrom([]float32{1}))
	})

	// A freed leaf, likewise.
	leaf := m.wte
	leaf.Free()
	require.NotPanics(t, func() {
		assert.ErrorContains(t, leaf.ZeroGrad(), "released")
		_, err := leaf.Float32s()
		assert.ErrorContains(t, err, "released")
		_, err = g.Add(leaf, leaf)
		assert.ErrorContains(t, err, "released")
		leaf.Free() // a second Free does nothing
	})
}

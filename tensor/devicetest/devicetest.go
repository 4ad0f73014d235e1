// Package devicetest is the conformance suite every tensor.Device must
// pass: each op's forward pass against a float64 reference on fresh random
// inputs of many shapes (odd and tiny ones included), each backward op
// against central finite differences of that reference, and a two-block
// toy transformer built from tensor.Graph ops whose parameter gradients
// must match finite differences of the same model in float64.
//
// Outputs are poisoned with NaN before every call, so an element an op
// forgot to write fails; gradient outputs are pre-filled with random values,
// so a backward op that overwrites instead of accumulating fails; NaN and
// Inf never pass a comparison. Error bounds are listed, with their reasons,
// in tolerance.go; run with -v to see the error each check measured.
//
// A backend's test calls it once:
//
//	func TestConformance(t *testing.T) {
//		devicetest.Run(t, cpu.New(), devicetest.Options{})
//	}
//
// A GPU backend whose compute ops take BF16 activations adds
// Options{DTypes: []tensor.DType{tensor.BFloat16}}.
package devicetest

import (
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"

	"github.com/empirical-scaling/harness/tensor"
)

// Options parameterise the suite for one backend.
type Options struct {
	// DTypes lists the float storage types the compute ops are checked in.
	// Float32 is always checked; add tensor.BFloat16 for a backend whose
	// compute ops take BF16 activations (the bounds then widen to BF16's
	// precision, see tolerance.go). BF16 storage (Write, Read, Copy, Fill)
	// and AdamW's BF16 working copy are checked on every device.
	DTypes []tensor.DType
	// TolScale multiplies every error bound; 0 means 1.
	TolScale float64
	// OpTolScale multiplies single bounds, by the names of the bounds table
	// in tolerance.go ("matmul", "attention", "grad", ...), e.g. for a
	// backend whose MatMul uses TF32. Unknown names fail the suite.
	OpTolScale map[string]float64
	// Seed seeds the random inputs; 0 takes $DEVICETEST_SEED, or a fixed
	// default when that is unset (so CI is reproducible). Every case draws
	// its own inputs from the seed and its position; the seed is logged.
	Seed uint64
}

func (o Options) dtypes() []tensor.DType {
	out := []tensor.DType{tensor.Float32}
	for _, dt := range o.DTypes {
		if dt == tensor.BFloat16 && !slices.Contains(out, dt) {
			out = append(out, dt)
		}
	}
	return out
}

func (o Options) scale() float64 {
	if o.TolScale <= 0 {
		return 1
	}
	return o.TolScale
}

// Run runs the whole suite on dev as subtests of t.
func Run(t *testing.T, dev tensor.Device, opts Options) {
	seed := opts.Seed
	if env := os.Getenv("DEVICETEST_SEED"); seed == 0 && env != "" {
		v, err := strconv.ParseUint(env, 10, 64)
		if err != nil {
			t.Fatalf("devicetest: DEVICETEST_SEED=%q: %v", env, err)
		}
		seed = v
	}
	if seed == 0 {
		seed = 20261123
	}
	t.Logf("devicetest: seed %d on %s", seed, dev.Name())
	for name, v := range opts.OpTolScale {
		if _, ok := bounds[name]; !ok || v <= 0 {
			t.Fatalf("devicetest: OpTolScale[%q] = %v: want a positive multiplier of a bound in tolerance.go", name, v)
		}
	}
	suite := &suite{dev: dev, opts: opts, seed: seed}
	groups := []struct {
		name string
		fn   func(*testing.T)
	}{
		{"Allocator", suite.allocator},
		{"Memory", suite.memory},
		{"BF16Storage", suite.bf16Storage},
		{"Add", suite.add},
		{"Accumulate", suite.accumulate},
		{"MatMul", suite.matmul},
		{"Embedding", suite.embedding},
		{"LayerNorm", suite.layerNorm},
		{"GeLU", suite.gelu},
		{"SwiGLU", suite.swiglu},
		{"Attention", suite.attention},
		{"CrossEntropy", suite.crossEntropy},
		{"AdamW", suite.adamw},
		{"SumSquares", suite.sumSquares},
		{"Errors", suite.errors},
		{"Grad", suite.grads},
		{"GraphMatMulGrad", suite.graphMatMul},
		{"ToyTransformerGrad", suite.toyModel},
	}
	for _, g := range groups {
		t.Run(g.name, g.fn)
	}
}

// rowShapes are rows×cols of the row-wise ops (LayerNorm, SwiGLU, CrossEntropy).
var rowShapes = [][2]int{{1, 1}, {1, 3}, {3, 17}, {17, 63}, {5, 65}, {64, 257}, {300, 96}}

// suite holds what every case needs.
type suite struct {
	dev  tensor.Device
	opts Options
	seed uint64
	n    uint64 // cases started, so every case gets fresh inputs
}

// env is one case's device buffers and random source; done frees them.
type env struct {
	t    *testing.T
	dev  tensor.Device
	rng  *rand.Rand
	bufs []tensor.Buffer
}

func (s *suite) env(t *testing.T) *env {
	t.Helper()
	s.n++
	e := &env{t: t, dev: s.dev, rng: rand.New(rand.NewPCG(s.seed, s.n))}
	t.Cleanup(e.done)
	return e
}

func (e *env) done() {
	for _, b := range e.bufs {
		e.dev.Free(b)
	}
	e.bufs = nil
}

// alloc returns a buffer of n elements, floats poisoned with NaN.
func (e *env) alloc(dt tensor.DType, n int) tensor.Buffer {
	e.t.Helper()
	b, err := e.dev.Alloc(dt, n)
	if err != nil {
		e.t.Fatalf("Alloc(%s, %d): %v", dt, n, err)
	}
	e.bufs = append(e.bufs, b)
	if dt.IsFloat() {
		e.poison(b)
	}
	return b
}

// poison fills a float buffer with NaN so unwritten elements fail.
func (e *env) poison(b tensor.Buffer) {
	e.t.Helper()
	if err := e.dev.Fill(b, nan32); err != nil {
		e.t.Fatalf("Fill(NaN): %v", err)
	}
}

// input writes vals into a new buffer of dtype dt and returns it with the
// values the device actually holds (rounded to dt), for the reference.
func (e *env) input(dt tensor.DType, vals []float32) (tensor.Buffer, []float64) {
	e.t.Helper()
	b := e.alloc(dt, len(vals))
	if err := e.dev.Write(b, vals); err != nil {
		e.t.Fatalf("Write %s[%d]: %v", dt, len(vals), err)
	}
	return b, e.read(b)
}

// ints writes vals into a new Int32 buffer.
func (e *env) ints(vals []int32) tensor.Buffer {
	e.t.Helper()
	b := e.alloc(tensor.Int32, len(vals))
	if err := e.dev.WriteInt32(b, vals); err != nil {
		e.t.Fatalf("WriteInt32[%d]: %v", len(vals), err)
	}
	return b
}

// read returns a float buffer's values as float64.
func (e *env) read(b tensor.Buffer) []float64 {
	e.t.Helper()
	v := make([]float32, b.Len())
	if err := e.dev.Read(v, b); err != nil {
		e.t.Fatalf("Read: %v", err)
	}
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// randn returns n normal values times scale.
func (e *env) randn(n int, scale float64) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(e.rng.NormFloat64() * scale)
	}
	return v
}

// uniform returns n values uniform in [lo, hi).
func (e *env) uniform(n int, lo, hi float64) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(lo + (hi-lo)*e.rng.Float64())
	}
	return v
}

// randInts returns n integers in [0, hi).
func (e *env) randInts(n, hi int) []int32 {
	v := make([]int32, n)
	for i := range v {
		v[i] = int32(e.rng.IntN(hi))
	}
	return v
}

// must fails the case when a device call returned an error.
func (e *env) must(what string, err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatalf("%s: %v", what, err)
	}
}

// expect fails the case (without stopping it) when got is not within tol
// of want, see closeTo.
func (e *env) expect(what string, got, want []float64, tol float64) {
	e.t.Helper()
	e.expectScaled(what, got, want, nil, tol)
}

// expectScaled is expect with the errors of element i measured against at
// least scale[i], the size of the operands that cancel in it.
func (e *env) expectScaled(what string, got, want, scale []float64, tol float64) {
	e.t.Helper()
	worst, err := relErr(got, want, scale, tol)
	if err != nil {
		e.t.Errorf("%s: %v", what, err)
		return
	}
	e.t.Logf("%s: relative error %.2g (bound %.2g)", what, worst, tol)
}

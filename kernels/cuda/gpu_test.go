package cuda

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/empirical-scaling/harness/tensor"
	"github.com/empirical-scaling/harness/tensor/devicetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The tests in this file need a CUDA driver and GPU; without one they skip
// with the reason Available gives. scripts/gpu-check.sh runs them on the
// GPU machine from a prebuilt test binary.

// gpu opens device 0 with the default Options for a test, or skips.
func gpu(t testing.TB) *Device {
	t.Helper()
	return gpuWith(t, Options{})
}

// gpuWith opens device 0 with opts for a test, or skips.
func gpuWith(t testing.TB, opts Options) *Device {
	t.Helper()
	if !Available() {
		reason := "no CUDA device: " + UnavailableReason()
		if b, ok := t.(*testing.B); ok {
			// go test prints a benchmark's skip message only under -v; a
			// benchmark run must still say why it measured nothing.
			fmt.Printf("%s skipped: %s\n", b.Name(), reason)
		}
		t.Skip(reason)
	}
	d, err := New(0, opts)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, d.Close()) })
	return d
}

func TestAvailableSaysWhyNot(t *testing.T) {
	if Available() {
		assert.Empty(t, UnavailableReason())
		assert.Greater(t, DeviceCount(), 0)
		return
	}
	reason := UnavailableReason()
	assert.NotEmpty(t, reason)
	assert.True(t, strings.HasPrefix(reason, "cuda: "), "reason %q", reason)
	assert.Equal(t, 0, DeviceCount())
	_, err := New(0, Options{})
	require.Error(t, err)
	assert.Equal(t, reason, err.Error(), "New must fail with the same reason")
}

// TestConformance runs the shared suite on the GPU in float32 and
// bfloat16. Bounds are devicetest's (tolerance.go): e.g. matmul 5e-5 (f32,
// cuBLASLt CUBLAS_COMPUTE_32F) and 4/256 (bf16), attention 1e-4 / 8/256,
// layernorm 2e-5 / 4/256, elementwise ops 1e-5..1e-6 / 1-2/256, adamw 2e-5.
func TestConformance(t *testing.T) {
	d := gpu(t)
	devicetest.Run(t, d, devicetest.Options{DTypes: []tensor.DType{tensor.BFloat16}})
}

// TestConformanceFallbackGEMM runs the suite again with cuBLASLt disabled,
// so the tiled fallback kernel is checked too.
func TestConformanceFallbackGEMM(t *testing.T) {
	if testing.Short() {
		t.Skip("second full suite run; skipped in -short")
	}
	d := gpuWith(t, Options{NoCublasLt: true})
	require.False(t, d.UsesCublasLt())
	assert.Equal(t, tensor.MatMulFallback, d.KernelPath(tensor.BFloat16, 64).MatMul)
	devicetest.Run(t, d, devicetest.Options{DTypes: []tensor.DType{tensor.BFloat16}})
}

// upload writes random normal values into a new buffer.
func upload(t testing.TB, d *Device, dt tensor.DType, n int, rng *rand.Rand, scale float64) tensor.Buffer {
	t.Helper()
	b, err := d.Alloc(dt, n)
	require.NoError(t, err)
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.NormFloat64() * scale)
	}
	require.NoError(t, d.Write(b, v))
	return b
}

func download(t testing.TB, d *Device, b tensor.Buffer) []float32 {
	t.Helper()
	v := make([]float32, b.Len())
	require.NoError(t, d.Read(v, b))
	return v
}

// The backward kernels that reduce across rows (LayerNorm dw/db, embedding
// dwte/dwpe, the loss mean, SumSquares) must give identical bits on every run.
func TestDeterministicReductions(t *testing.T) {
	d := gpu(t)
	rng := rand.New(rand.NewPCG(7, 7))
	const rows, cols, vocab = 2048, 384, 1000
	x := upload(t, d, tensor.Float32, rows*cols, rng, 1)
	w := upload(t, d, tensor.Float32, cols, rng, 1)
	dout := upload(t, d, tensor.Float32, rows*cols, rng, 1)
	mean, _ := d.Alloc(tensor.Float32, rows)
	rstd, _ := d.Alloc(tensor.Float32, rows)
	out, _ := d.Alloc(tensor.Float32, rows*cols)
	b := upload(t, d, tensor.Float32, cols, rng, 1)
	require.NoError(t, d.LayerNorm(out, mean, rstd, x, w, b, rows, cols))
	ids := make([]int32, rows)
	for i := range ids {
		ids[i] = int32(rng.IntN(50)) // many repeats
	}
	idb, _ := d.Alloc(tensor.Int32, rows)
	require.NoError(t, d.WriteInt32(idb, ids))
	emb := tensor.EmbeddingShape{Batch: 8, SeqLen: rows / 8, Vocab: vocab, Width: cols}

	run := func() ([]float32, []float32, []float32, float32, float64) {
		dw, _ := d.Alloc(tensor.Float32, cols)
		db, _ := d.Alloc(tensor.Float32, cols)
		dwte, _ := d.Alloc(tensor.Float32, vocab*cols)
		require.NoError(t, d.Fill(dw, 0))
		require.NoError(t, d.Fill(db, 0))
		require.NoError(t, d.Fill(dwte, 0))
		require.NoError(t, d.LayerNormBackward(nil, dw, db, dout, x, w, mean, rstd, rows, cols))
		require.NoError(t, d.EmbeddingBackward(dwte, nil, dout, idb, emb))
		logits := upload(t, d, tensor.Float32, rows*vocab, rand.New(rand.NewPCG(1, 1)), 2)
		loss, _ := d.Alloc(tensor.Float32, 1)
		tg, _ := d.Alloc(tensor.Int32, rows)
		require.NoError(t, d.WriteInt32(tg, ids))
		require.NoError(t, d.CrossEntropy(loss, logits, tg, rows, vocab, 1, true))
		ss, err := d.SumSquares([]tensor.Buffer{dw, db, dwte, logits})
		require.NoError(t, err)
		return download(t, d, dw), download(t, d, db), download(t, d, dwte), download(t, d, loss)[0], ss
	}
	dw1, db1, dwte1, l1, s1 := run()
	dw2, db2, dwte2, l2, s2 := run()
	assert.Equal(t, dw1, dw2, "LayerNorm dw")
	assert.Equal(t, db1, db2, "LayerNorm db")
	assert.Equal(t, dwte1, dwte2, "embedding dwte")
	assert.Equal(t, math.Float32bits(l1), math.Float32bits(l2), "loss")
	assert.Equal(t, math.Float64bits(s1), math.Float64bits(s2), "SumSquares")
}

// After a first "step", repeating the same allocations must not reach the driver.
func TestSteadyStateMakesNoSystemAllocs(t *testing.T) {
	d := gpu(t)
	step := func() {
		var held []tensor.Buffer
		for _, n := range []int{1000, 4096 * 768, 17, 50257 * 64, 4096 * 768} {
			b, err := d.Alloc(tensor.BFloat16, n)
			require.NoError(t, err)
			require.NoError(t, d.Fill(b, 1))
			held = append(held, b)
		}
		for _, b := range held {
			d.Free(b)
		}
	}
	step()
	first := d.MemStats().SystemAllocs
	for i := 0; i < 3; i++ {
		step()
	}
	assert.Equal(t, first, d.MemStats().SystemAllocs)
}

func TestOutOfMemorySaysHowMuch(t *testing.T) {
	d := gpu(t)
	_, err := d.Alloc(tensor.Float32, 1<<40) // 4 TiB
	require.Error(t, err)
	assert.Contains(t, err.Error(), "bytes free of")
	assert.True(t, IsOutOfMemory(err))
}

func TestKernelErrorsNameTheKernel(t *testing.T) {
	d := gpu(t)
	err := d.run(func() error { return d.launch("no_such_kernel", dim1(1), dim1(1), 0) })
	require.ErrorContains(t, err, "no_such_kernel")
	// Too many threads per block: the driver refuses the launch.
	b, err := d.Alloc(tensor.Float32, 4)
	require.NoError(t, err)
	err = d.run(func() error { return d.launch("fill_f32", dim1(1), dim1(4096), 0, b, float32(1), 4) })
	require.Error(t, err)
	assert.Contains(t, err.Error(), "fill_f32")
	assert.Contains(t, err.Error(), "cuLaunchKernel")
}

// Every launched kernel must load (JIT-compile) on this GPU.
func TestEveryKernelLoads(t *testing.T) {
	d := gpu(t)
	for _, k := range launchedKernels() {
		err := d.run(func() error { _, err := d.function(k); return err })
		assert.NoErrorf(t, err, "kernel %s", k)
	}
}

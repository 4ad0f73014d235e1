package cuda

import (
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/empirical-scaling/harness/tensor"
	"github.com/stretchr/testify/require"
)

// Benchmarks of every kernel at model shapes (each op's in <op>_bench_test.go;
// the shared helpers here), timed with CUDA events on the
// device's stream. Each reports GB/s over the fewest bytes the op must move
// (every input read once, every output written once; a gradient that is
// accumulated counts as read and written) and frac_of_copy, that bandwidth
// over the device-to-device copy bandwidth measured in the same process
// (the practical ceiling of a memory-bound op). GEMMs report TFLOP/s. They skip without a GPU;
// scripts/gpu-check.sh runs them, and scripts/torch_bench.py times PyTorch
// at the same shapes.
//
// Shapes: rows = B·T = 8·1024 tokens, width d = 768, GeLU hidden 4d = 3072,
// SwiGLU hidden 2048 (8d/3), vocabulary 50257 — GPT-2 small's, the largest
// of the seed grid.
const (
	bRows   = 8 * 1024
	bWidth  = 768
	bHidden = 3072
	bSwiH   = 2048
	bVocab  = 50257
	bParams = 85_000_000
)

var (
	copyOnce sync.Once
	copyGBs  float64
)

// measure times op over b.N iterations (after a warm-up) with events and
// reports GB/s for bytes per call, flops as TFLOP/s when non-zero, and the
// fraction of the copy bandwidth.
func measure(b *testing.B, d *Device, bytes, flops float64, op func() error) {
	b.Helper()
	for i := 0; i < 3; i++ {
		require.NoError(b, op())
	}
	require.NoError(b, d.Sync())
	tm, err := d.newTimer()
	require.NoError(b, err)
	defer func() { _ = tm.close() }()
	b.ResetTimer()
	require.NoError(b, tm.mark(true))
	for i := 0; i < b.N; i++ {
		if err := op(); err != nil {
			b.Fatal(err)
		}
	}
	require.NoError(b, tm.mark(false))
	sec, err := tm.seconds()
	require.NoError(b, err)
	b.StopTimer()
	per := sec / float64(b.N)
	b.ReportMetric(per*1e6, "us/call")
	if bytes > 0 {
		gbs := bytes / per / 1e9
		b.ReportMetric(gbs, "GB/s")
		if copyGBs > 0 {
			b.ReportMetric(gbs/copyGBs, "frac_of_copy")
		}
	}
	if flops > 0 {
		b.ReportMetric(flops/per/1e12, "TFLOP/s")
	}
}

// benchDevice opens the GPU for a benchmark and measures the copy ceiling once.
func benchDevice(b *testing.B) *Device {
	d := gpu(b)
	copyOnce.Do(func() {
		const n = 256 << 20 // 1 GiB of float32
		src, err := d.Alloc(tensor.Float32, n)
		require.NoError(b, err)
		dst, err := d.Alloc(tensor.Float32, n)
		require.NoError(b, err)
		require.NoError(b, d.Fill(src, 1))
		tm, err := d.newTimer()
		require.NoError(b, err)
		require.NoError(b, d.Copy(dst, src))
		require.NoError(b, tm.mark(true))
		const reps = 20
		for i := 0; i < reps; i++ {
			require.NoError(b, d.Copy(dst, src))
		}
		require.NoError(b, tm.mark(false))
		sec, err := tm.seconds()
		require.NoError(b, err)
		copyGBs = 2 * 4 * n * reps / sec / 1e9 // read + write
		_ = tm.close()
		d.Free(src)
		d.Free(dst)
	})
	return d
}

func rnd(b *testing.B, d *Device, dt tensor.DType, n int, scale float64) tensor.Buffer {
	return upload(b, d, dt, n, rand.New(rand.NewPCG(uint64(n), 9)), scale)
}

func ints(b *testing.B, d *Device, n, hi int) tensor.Buffer {
	rng := rand.New(rand.NewPCG(uint64(n), 11))
	v := make([]int32, n)
	for i := range v {
		v[i] = int32(rng.IntN(hi))
	}
	buf, err := d.Alloc(tensor.Int32, n)
	require.NoError(b, err)
	require.NoError(b, d.WriteInt32(buf, v))
	return buf
}

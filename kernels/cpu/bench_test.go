package cpu_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/empirical-scaling/harness/kernels/cpu"
	"github.com/empirical-scaling/harness/tensor"
)

// cpuClock reports a metric per CPU-second next to the wall-clock one:
// on a shared machine the wall clock also counts the time other processes
// held the cores, the CPU time does not (it still counts time lost to
// contended caches and memory).
type cpuClock struct{ start time.Duration }

func startCPU() cpuClock { return cpuClock{processCPUTime()} }

// report adds "<unit>-per-cpu-s": amount divided by the CPU seconds used.
func (c cpuClock) report(b *testing.B, amount float64, unit string) {
	if c.start == 0 {
		return
	}
	if s := (processCPUTime() - c.start).Seconds(); s > 0 {
		b.ReportMetric(amount/s, unit+"-per-cpu-s")
	}
}

// benchBuf allocates a Float32 buffer of n normal values.
func benchBuf(b *testing.B, d *cpu.Device, n int, scale float32) tensor.Buffer {
	b.Helper()
	buf, err := d.Alloc(tensor.Float32, n)
	if err != nil {
		b.Fatal(err)
	}
	v := make([]float32, n)
	rng := rand.New(rand.NewPCG(7, uint64(n)))
	for i := range v {
		v[i] = float32(rng.NormFloat64()) * scale
	}
	if err := d.Write(buf, v); err != nil {
		b.Fatal(err)
	}
	return buf
}

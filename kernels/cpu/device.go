// Package cpu is the pure-Go reference implementation of tensor.Device:
// every op the engine needs, in float32, spread over a worker pool sized to
// GOMAXPROCS, with a caching allocator so that a training loop's steady
// state allocates nothing. BFloat16 is a storage type here (Write, Read,
// Copy, Fill and AdamW's working copy); compute ops want Float32.
package cpu

import (
	"fmt"
	"sync"

	"github.com/empirical-scaling/harness/tensor"
)

// Device is the CPU backend. It is safe for concurrent use.
type Device struct {
	mu        sync.Mutex
	free      map[bufKey][]*Buffer
	stats     tensor.MemStats
	scratch   sync.Pool // *[]float32 work areas for one task
	scratch64 sync.Pool // *[]float64 partial sums
}

var _ tensor.Device = (*Device)(nil)

// New returns a CPU device. All CPU devices share one worker pool.
func New() *Device {
	return &Device{free: make(map[bufKey][]*Buffer)}
}

// Name identifies the device.
func (d *Device) Name() string { return "cpu" }

// KernelPath reports the CPU's kernels, the same for every dtype and head
// dim: its SGEMM, its blocked attention and a deterministic backward.
func (d *Device) KernelPath(tensor.DType, int) tensor.KernelPath {
	return tensor.KernelPath{MatMul: tensor.MatMulCPU, Attention: tensor.AttentionCPU, AttentionBackward: tensor.BackwardDeterministic}
}

var _ tensor.KernelPather = (*Device)(nil)

// Sync returns at once: every CPU op is done when it returns.
func (d *Device) Sync() error { return nil }

// MemStats reports the allocator's counters.
func (d *Device) MemStats() tensor.MemStats {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stats
}

// getScratch returns a float32 work area of at least n elements from the
// device's pool; give it back with putScratch.
func (d *Device) getScratch(n int) *[]float32 {
	p, _ := d.scratch.Get().(*[]float32)
	if p == nil {
		p = new([]float32)
	}
	if cap(*p) < n {
		*p = make([]float32, n)
	}
	*p = (*p)[:n]
	return p
}

func (d *Device) putScratch(p *[]float32) { d.scratch.Put(p) }

// getScratch64 is getScratch for float64 partial sums.
func (d *Device) getScratch64(n int) *[]float64 {
	p, _ := d.scratch64.Get().(*[]float64)
	if p == nil {
		p = new([]float64)
	}
	if cap(*p) < n {
		*p = make([]float64, n)
	}
	*p = (*p)[:n]
	return p
}

func (d *Device) putScratch64(p *[]float64) { d.scratch64.Put(p) }

// errBF16 is the error of a compute op handed a BFloat16 buffer.
func errBF16(op string) error {
	return fmt.Errorf("cpu: %s: BF16 not supported, use F32", op)
}

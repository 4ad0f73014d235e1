package cuda

import (
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"unsafe"

	"github.com/empirical-scaling/harness/tensor"
)

// Device is one CUDA GPU implementing tensor.Device. All work is queued on
// one stream in call order; Read and Sync wait for it. A Device is safe for
// use by several goroutines (calls are serialised).
type Device struct {
	mu      sync.Mutex
	drv     runtimeAPI
	raw     *driver // the same driver, for the calls made only while opening
	ordinal int
	dev     int32
	ctx     uintptr
	stream  uintptr
	name    string
	cc      [2]int // compute capability
	sms     int
	alloc   *allocator
	index   *ptxIndex
	modules map[string]uintptr // module name → CUmodule
	funcs   map[string]uintptr // kernel name → CUfunction
	args    argPack
	gemm    *cublasLt          // nil: the fallback tiled kernel
	scratch map[string]*buffer // reusable work buffers, grown on demand
	opts    Options            // the switches New was given
	closed  bool
}

var _ tensor.Device = (*Device)(nil)

// New opens CUDA device ordinal (0 for the first GPU) with the switches in
// opts (the zero Options are the defaults), retains its primary context,
// creates a stream and opens cuBLASLt (falling back, with a warning in the
// log, to the package's own GEMM kernel when cuBLASLt is not found or
// opts.NoCublasLt is set). Kernel modules are JIT-compiled from the
// embedded PTX on first use.
func New(ordinal int, opts Options) (*Device, error) {
	drv, err := loadedDriver()
	if err != nil {
		return nil, err
	}
	n, err := drv.deviceCount()
	if err != nil {
		return nil, err
	}
	if ordinal < 0 || ordinal >= n {
		return nil, fmt.Errorf("cuda: device %d does not exist (%d device(s))", ordinal, n)
	}
	ix, err := embeddedIndex()
	if err != nil {
		return nil, err
	}
	d := &Device{drv: drv, raw: drv, ordinal: ordinal, index: ix, modules: map[string]uintptr{}, funcs: map[string]uintptr{},
		scratch: map[string]*buffer{}, opts: opts}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := d.open(); err != nil {
		d.closeLocked()
		return nil, fmt.Errorf("cuda: open device %d: %w", ordinal, err)
	}
	return d, nil
}

func (d *Device) open() error {
	var err error
	if d.dev, err = d.raw.device(d.ordinal); err != nil {
		return err
	}
	gpu, err := d.raw.deviceName(d.dev)
	if err != nil {
		return err
	}
	d.name = fmt.Sprintf("cuda:%d (%s)", d.ordinal, gpu)
	if d.cc[0], err = d.raw.attribute(d.dev, attrComputeCapMajor); err != nil {
		return err
	}
	if d.cc[1], err = d.raw.attribute(d.dev, attrComputeCapMinor); err != nil {
		return err
	}
	if d.cc[0] < 8 {
		return fmt.Errorf("%s has compute capability %d.%d; the kernels need 8.0 or newer (bf16)", d.name, d.cc[0], d.cc[1])
	}
	if d.sms, err = d.raw.attribute(d.dev, attrMultiprocessorCount); err != nil {
		return err
	}
	if d.ctx, err = d.raw.primaryCtxRetain(d.dev); err != nil {
		return err
	}
	if err := d.drv.setCurrent(d.ctx); err != nil {
		return err
	}
	if d.stream, err = d.raw.streamCreate(); err != nil {
		return err
	}
	d.alloc = newAllocator(d.drv)
	if d.opts.NoCublasLt {
		slog.Warn("cuda: cuBLASLt disabled by Options.NoCublasLt; MatMul uses the slow fallback kernel")
		return nil
	}
	lt, err := openCublasLt(d)
	if err != nil {
		slog.Warn("cuda: cuBLASLt not available; MatMul uses the slow fallback kernel", "err", err)
		return nil
	}
	d.gemm = lt
	return nil
}

// enter serialises a call, pins the goroutine to its OS thread and makes
// the device's context current there (a CUDA context is per thread). The
// returned function undoes it.
func (d *Device) enter() (func(), error) {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil, errors.New("cuda: device is closed")
	}
	runtime.LockOSThread()
	if err := d.drv.setCurrent(d.ctx); err != nil {
		runtime.UnlockOSThread()
		d.mu.Unlock()
		return nil, err
	}
	return func() {
		runtime.UnlockOSThread()
		d.mu.Unlock()
	}, nil
}

// Close waits for queued work and releases everything the device holds.
// Buffers still handed out become invalid.
func (d *Device) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := d.drv.setCurrent(d.ctx); err != nil {
		return err
	}
	return d.closeLocked()
}

func (d *Device) closeLocked() error {
	d.closed = true
	var errs []error
	if d.stream != 0 {
		errs = append(errs, d.drv.streamSync(d.stream))
	}
	if d.gemm != nil {
		errs = append(errs, d.gemm.close())
	}
	for _, b := range d.scratch {
		d.alloc.release(uint64(b.ptr), b.class, b.bytes())
	}
	if d.alloc != nil {
		errs = append(errs, d.alloc.emptyCache())
	}
	for _, m := range d.modules {
		errs = append(errs, d.drv.moduleUnload(m))
	}
	if d.stream != 0 {
		errs = append(errs, d.drv.streamDestroy(d.stream))
	}
	if d.ctx != 0 {
		errs = append(errs, d.drv.primaryCtxRelease(d.dev))
	}
	return errors.Join(errs...)
}

// Name identifies the device, e.g. "cuda:0 (NVIDIA H100 80GB HBM3)".
func (d *Device) Name() string { return d.name }

// ComputeCapability returns the major and minor compute capability.
func (d *Device) ComputeCapability() (int, int) { return d.cc[0], d.cc[1] }

// UsesCublasLt reports whether MatMul goes through cuBLASLt (false: the
// fallback kernel).
func (d *Device) UsesCublasLt() bool { return d.gemm != nil }

// Alloc returns a buffer of n elements from the caching allocator.
func (d *Device) Alloc(dt tensor.DType, n int) (tensor.Buffer, error) {
	if n < 0 || dt.Size() == 0 {
		return nil, fmt.Errorf("cuda: Alloc: invalid request of %d elements of %s", n, dt)
	}
	leave, err := d.enter()
	if err != nil {
		return nil, err
	}
	defer leave()
	return d.allocLocked(dt, n)
}

func (d *Device) allocLocked(dt tensor.DType, n int) (*buffer, error) {
	p, class, err := d.alloc.alloc(n * dt.Size())
	if err != nil {
		return nil, fmt.Errorf("cuda: Alloc %d×%s on %s: %w", n, dt, d.name, err)
	}
	return &buffer{ptr: devicePtr(p), n: n, dt: dt, class: class, dev: d}, nil
}

// Free returns a buffer to the cache. Work already queued on it finishes
// first because the stream runs in order and the cache hands blocks out
// only to later work on the same stream.
func (d *Device) Free(tb tensor.Buffer) {
	b, ok := tb.(*buffer)
	if !ok || b == nil || b.dev != d || b.freed {
		return
	}
	b.freed = true
	d.alloc.release(uint64(b.ptr), b.class, b.bytes())
}

// MemStats reports the allocator's counters.
func (d *Device) MemStats() tensor.MemStats { return d.alloc.stats() }

// EmptyCache gives every cached (free) block back to the driver.
func (d *Device) EmptyCache() error {
	leave, err := d.enter()
	if err != nil {
		return err
	}
	defer leave()
	if err := d.drv.streamSync(d.stream); err != nil {
		return err
	}
	return d.alloc.emptyCache()
}

// Sync waits until all queued work is done; an asynchronous kernel fault
// surfaces here.
func (d *Device) Sync() error {
	leave, err := d.enter()
	if err != nil {
		return err
	}
	defer leave()
	return d.drv.streamSync(d.stream)
}

// scratchBuf returns a reusable work buffer of at least n elements of dt,
// kept under key between calls (so steady-state training allocates nothing).
func (d *Device) scratchBuf(key string, dt tensor.DType, n int) (*buffer, error) {
	if b, ok := d.scratch[key]; ok && b.dt == dt && b.n >= n {
		return b, nil
	}
	if old, ok := d.scratch[key]; ok {
		// Queued work may still use the old block: wait before recycling it.
		if err := d.drv.streamSync(d.stream); err != nil {
			return nil, err
		}
		d.alloc.release(uint64(old.ptr), old.class, old.bytes())
		delete(d.scratch, key)
	}
	b, err := d.allocLocked(dt, n)
	if err != nil {
		return nil, err
	}
	d.scratch[key] = b
	return b, nil
}

// Write copies host values into dst, converting to dst's dtype.
func (d *Device) Write(dst tensor.Buffer, src []float32) error {
	bs, err := d.check("Write", spec{name: "dst", b: dst, n: len(src)})
	if err != nil {
		return err
	}
	b := bs[0]
	leave, err := d.enter()
	if err != nil {
		return err
	}
	defer leave()
	if len(src) == 0 {
		return nil
	}
	if err := d.drv.streamSync(d.stream); err != nil { // earlier kernels may still read dst
		return err
	}
	if b.dt == tensor.Float32 {
		return d.drv.htod(uint64(b.ptr), unsafe.Pointer(&src[0]), b.bytes())
	}
	h := make([]uint16, len(src))
	for i, v := range src {
		h[i] = bf16FromFloat32(v)
	}
	return d.drv.htod(uint64(b.ptr), unsafe.Pointer(&h[0]), b.bytes())
}

// WriteInt32 copies host integers into an Int32 buffer.
func (d *Device) WriteInt32(dst tensor.Buffer, src []int32) error {
	bs, err := d.check("WriteInt32", spec{name: "dst", b: dst, n: len(src), dts: i32Only})
	if err != nil {
		return err
	}
	leave, err := d.enter()
	if err != nil {
		return err
	}
	defer leave()
	if len(src) == 0 {
		return nil
	}
	if err := d.drv.streamSync(d.stream); err != nil {
		return err
	}
	if err := d.drv.htod(uint64(bs[0].ptr), unsafe.Pointer(&src[0]), bs[0].bytes()); err != nil {
		bs[0].ranged = false
		return err
	}
	bs[0].setRange(src)
	return nil
}

// Read waits for queued work and copies src to the host as float32.
func (d *Device) Read(dst []float32, src tensor.Buffer) error {
	bs, err := d.check("Read", spec{name: "src", b: src, n: len(dst)})
	if err != nil {
		return err
	}
	b := bs[0]
	leave, err := d.enter()
	if err != nil {
		return err
	}
	defer leave()
	if err := d.drv.streamSync(d.stream); err != nil {
		return err
	}
	if len(dst) == 0 {
		return nil
	}
	if b.dt == tensor.Float32 {
		return d.drv.dtoh(unsafe.Pointer(&dst[0]), uint64(b.ptr), b.bytes())
	}
	h := make([]uint16, len(dst))
	if err := d.drv.dtoh(unsafe.Pointer(&h[0]), uint64(b.ptr), b.bytes()); err != nil {
		return err
	}
	for i, v := range h {
		dst[i] = bf16ToFloat32(v)
	}
	return nil
}

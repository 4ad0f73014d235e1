package cuda

import (
	"fmt"
	"math"
	"unsafe"

	"github.com/empirical-scaling/harness/tensor"
)

// Launch helpers, for every kernel launcher of this package (flash
// attention's included):
//
//	fn, err := d.function("gelu_fwd_bf16")       // look a kernel up by its PTX .entry name
//	err = d.launchFunc(fn, grid, block, shmem, args...)
//	err = d.launch("gelu_fwd_bf16", grid, block, shmem, args...) // both in one
//
// They must be called with the device entered (d.enter), i.e. from inside
// a Device method. The kernel's module is JIT-loaded from the embedded PTX
// (kernels/ptx) the first time one of its kernels is asked for; on a
// compute capability 9.x GPU a <module>.sm90.ptx variant is preferred when
// it defines the kernel. args are packed by argPack (see its doc for the
// Go → C type mapping); launches go on the device's stream, in order. With
// Options.Sync every launch is followed by a stream synchronisation,
// so an asynchronous fault is reported against the kernel that caused it.
//
// A kernel that needs more than 48 KiB of dynamic shared memory must first
// raise its limit: d.drv.funcSetAttribute(fn, 8, bytes).

// function returns the CUfunction of kernel name.
func (d *Device) function(name string) (uintptr, error) {
	if f, ok := d.funcs[name]; ok {
		return f, nil
	}
	modName, ok := d.index.moduleFor(name, d.cc[0] == 9)
	if !ok {
		return 0, fmt.Errorf("cuda: kernel %s is not in the embedded PTX (run make kernels)", name)
	}
	mod, ok := d.modules[modName]
	if !ok {
		m, err := d.drv.moduleLoad(d.index.modules[modName].image)
		if err != nil {
			return 0, fmt.Errorf("cuda: load module %s.ptx: %w", modName, err)
		}
		d.modules[modName] = m
		mod = m
	}
	f, err := d.drv.moduleFunction(mod, name)
	if err != nil {
		return 0, err
	}
	d.funcs[name] = f
	return f, nil
}

// launchFunc queues fn on the device's stream.
func (d *Device) launchFunc(fn uintptr, grid, block Dim3, shmem int, args ...any) error {
	if grid.X <= 0 || grid.Y <= 0 || grid.Z <= 0 || block.X <= 0 || block.Y <= 0 || block.Z <= 0 {
		return fmt.Errorf("cuda: launch: empty grid %v or block %v", grid, block)
	}
	if err := d.args.set(args...); err != nil {
		return err
	}
	return d.args.with(func(params unsafe.Pointer) error {
		return d.drv.launchKernel(fn, grid, block, shmem, d.stream, params)
	})
}

// launch looks kernel name up and queues it.
func (d *Device) launch(name string, grid, block Dim3, shmem int, args ...any) error {
	fn, err := d.function(name)
	if err != nil {
		return err
	}
	if err := d.launchFunc(fn, grid, block, shmem, args...); err != nil {
		return fmt.Errorf("cuda: launch %s grid %v block %v: %w", name, grid, block, err)
	}
	if d.opts.Sync {
		if err := d.drv.streamSync(d.stream); err != nil {
			return fmt.Errorf("cuda: kernel %s: %w", name, err)
		}
	}
	return nil
}

// Block sizes and grid shapes shared by the launchers.
const (
	threads       = 256 // threads per block of the one-dimensional kernels
	blocksPerSM   = 32  // grid-stride kernels use at most this many blocks per SM
	warpsPerBlock = threads / 32
)

// gridFor returns a grid-stride grid for n work items: enough blocks to
// cover n once, but no more than blocksPerSM per multiprocessor.
func (d *Device) gridFor(n int) Dim3 {
	b := (n + threads - 1) / threads
	if limit := d.sms * blocksPerSM; b > limit {
		b = limit
	}
	if b < 1 {
		b = 1
	}
	return dim1(b)
}

// vecWidth is the elements per 16-byte pack for a dtype.
func vecWidth(size int) int { return 16 / size }

// fits32 checks that every size fits the kernels' 32-bit int parameters.
func fits32(op string, ns ...int) error {
	for _, n := range ns {
		if n < 0 || n > math.MaxInt32 {
			return fmt.Errorf("cuda: %s: size %d exceeds the kernels' 32-bit limit", op, n)
		}
	}
	return nil
}

// elemGrid is the grid of a packed elementwise kernel over n elements of dt.
func (d *Device) elemGrid(n int, dt tensor.DType) Dim3 {
	return d.gridFor((n + vecWidth(dt.Size()) - 1) / vecWidth(dt.Size()))
}

// run enters the device and runs f, the body of an op.
func (d *Device) run(f func() error) error {
	leave, err := d.enter()
	if err != nil {
		return err
	}
	defer leave()
	return f()
}

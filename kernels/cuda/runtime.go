package cuda

import "unsafe"

// runtimeAPI is every driver call a Device makes after it is opened. The
// real one is *driver; the tests use a fake that checks each launch
// against the kernel's PTX signature and each pointer against the live
// allocations, so the launchers are exercised without a GPU.
type runtimeAPI interface {
	memory
	setCurrent(ctx uintptr) error
	streamSync(s uintptr) error
	streamDestroy(s uintptr) error
	primaryCtxRelease(dev int32) error
	htod(dst uint64, src unsafe.Pointer, n int) error
	dtoh(dst unsafe.Pointer, src uint64, n int) error
	dtodAsync(dst, src uint64, n int, stream uintptr) error
	memsetD32Async(p uint64, v uint32, n int, stream uintptr) error
	moduleLoad(image []byte) (uintptr, error)
	moduleUnload(m uintptr) error
	moduleFunction(m uintptr, name string) (uintptr, error)
	funcSetAttribute(f uintptr, attr, value int) error
	launchKernel(f uintptr, grid, block Dim3, shmem int, stream uintptr, params unsafe.Pointer) error
	eventCreate() (uintptr, error)
	eventRecord(e, s uintptr) error
	eventSync(e uintptr) error
	eventElapsed(start, end uintptr) (float32, error)
	eventDestroy(e uintptr) error
}

var _ runtimeAPI = (*driver)(nil)

package cuda

import (
	"errors"
	"fmt"
	"strings"
	"unsafe"

	"github.com/ebitengine/purego"
)

// driver holds libcuda's entry points, resolved once with purego (no cgo).
// Every method checks the CUresult and returns an *Error naming the call.
type driver struct {
	lib uintptr

	cuInit, cuDeviceGetCount, cuDeviceGet, cuDeviceGetName, cuDeviceGetAttribute                      uintptr
	cuDevicePrimaryCtxRetain, cuDevicePrimaryCtxRelease, cuCtxSetCurrent, cuCtxSynchronize            uintptr
	cuMemAlloc, cuMemFree, cuMemGetInfo, cuMemsetD32, cuMemsetD32Async                                uintptr
	cuMemcpyHtoD, cuMemcpyDtoH, cuMemcpyDtoD, cuMemcpyHtoDAsync, cuMemcpyDtoHAsync, cuMemcpyDtoDAsync uintptr
	cuStreamCreate, cuStreamSynchronize, cuStreamDestroy                                              uintptr
	cuEventCreate, cuEventRecord, cuEventSynchronize, cuEventElapsedTime, cuEventDestroy              uintptr
	cuModuleLoadData, cuModuleGetFunction, cuModuleUnload, cuLaunchKernel, cuFuncSetAttribute         uintptr
	cuGetErrorName, cuGetErrorString                                                                  uintptr
}

// symbol binds one field to its exported names, tried in order (the _v2
// names the CUDA headers map the plain names to come first).
type symbol struct {
	field *uintptr
	names []string
}

func (d *driver) symbols() []symbol {
	s := func(f *uintptr, names ...string) symbol { return symbol{f, names} }
	return []symbol{
		s(&d.cuGetErrorName, "cuGetErrorName"),
		s(&d.cuGetErrorString, "cuGetErrorString"),
		s(&d.cuInit, "cuInit"),
		s(&d.cuDeviceGetCount, "cuDeviceGetCount"),
		s(&d.cuDeviceGet, "cuDeviceGet"),
		s(&d.cuDeviceGetName, "cuDeviceGetName"),
		s(&d.cuDeviceGetAttribute, "cuDeviceGetAttribute"),
		s(&d.cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain"),
		s(&d.cuDevicePrimaryCtxRelease, "cuDevicePrimaryCtxRelease_v2", "cuDevicePrimaryCtxRelease"),
		s(&d.cuCtxSetCurrent, "cuCtxSetCurrent"),
		s(&d.cuCtxSynchronize, "cuCtxSynchronize"),
		s(&d.cuMemAlloc, "cuMemAlloc_v2"),
		s(&d.cuMemFree, "cuMemFree_v2"),
		s(&d.cuMemGetInfo, "cuMemGetInfo_v2"),
		s(&d.cuMemsetD32, "cuMemsetD32_v2"),
		s(&d.cuMemsetD32Async, "cuMemsetD32Async"),
		s(&d.cuMemcpyHtoD, "cuMemcpyHtoD_v2"),
		s(&d.cuMemcpyDtoH, "cuMemcpyDtoH_v2"),
		s(&d.cuMemcpyDtoD, "cuMemcpyDtoD_v2"),
		s(&d.cuMemcpyHtoDAsync, "cuMemcpyHtoDAsync_v2"),
		s(&d.cuMemcpyDtoHAsync, "cuMemcpyDtoHAsync_v2"),
		s(&d.cuMemcpyDtoDAsync, "cuMemcpyDtoDAsync_v2"),
		s(&d.cuStreamCreate, "cuStreamCreate"),
		s(&d.cuStreamSynchronize, "cuStreamSynchronize"),
		s(&d.cuStreamDestroy, "cuStreamDestroy_v2", "cuStreamDestroy"),
		s(&d.cuEventCreate, "cuEventCreate"),
		s(&d.cuEventRecord, "cuEventRecord"),
		s(&d.cuEventSynchronize, "cuEventSynchronize"),
		s(&d.cuEventElapsedTime, "cuEventElapsedTime_v2", "cuEventElapsedTime"),
		s(&d.cuEventDestroy, "cuEventDestroy_v2", "cuEventDestroy"),
		s(&d.cuModuleLoadData, "cuModuleLoadData"),
		s(&d.cuModuleGetFunction, "cuModuleGetFunction"),
		s(&d.cuModuleUnload, "cuModuleUnload"),
		s(&d.cuLaunchKernel, "cuLaunchKernel"),
		s(&d.cuFuncSetAttribute, "cuFuncSetAttribute"),
	}
}

// loadDriver opens libcuda and resolves every symbol. It does not call cuInit.
func loadDriver() (*driver, error) {
	var errs []string
	for _, name := range driverLibraries {
		h, err := purego.Dlopen(name, purego.RTLD_NOW|purego.RTLD_GLOBAL)
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: %v", name, err))
			continue
		}
		d := &driver{lib: h}
		if err := resolve(h, d.symbols()); err != nil {
			_ = purego.Dlclose(h)
			return nil, fmt.Errorf("cuda: %s: %w", name, err)
		}
		return d, nil
	}
	return nil, fmt.Errorf("cuda: cannot open the driver library (%s)", strings.Join(errs, "; "))
}

// resolve fills every symbol's field with the first of its names the
// library exports.
func resolve(h uintptr, syms []symbol) error {
	for _, s := range syms {
		var last error
		for _, n := range s.names {
			p, err := purego.Dlsym(h, n)
			if err == nil && p != 0 {
				*s.field = p
				break
			}
			last = err
		}
		if *s.field == 0 {
			return fmt.Errorf("missing symbol %s: %v", strings.Join(s.names, " or "), last)
		}
	}
	return nil
}

// call invokes a driver function and turns a non-zero CUresult into an *Error.
//
//go:uintptrescapes
func (d *driver) call(name string, fn uintptr, args ...uintptr) error {
	r, _, _ := purego.SyscallN(fn, args...)
	code := int(int32(uint32(r)))
	if code == resultSuccess {
		return nil
	}
	return d.errorFor(name, code)
}

// errorFor builds the *Error for a failed call, asking the driver for the
// code's name and description and falling back to the built-in table.
func (d *driver) errorFor(name string, code int) *Error {
	e := &Error{Call: name, Code: code, Name: resultName(code)}
	if d == nil || d.cuGetErrorName == 0 {
		return e
	}
	var p *byte
	if r, _, _ := purego.SyscallN(d.cuGetErrorName, uintptr(code), uintptr(unsafe.Pointer(&p))); uint32(r) == 0 && p != nil {
		e.Name = goString(p)
	}
	p = nil
	if r, _, _ := purego.SyscallN(d.cuGetErrorString, uintptr(code), uintptr(unsafe.Pointer(&p))); uint32(r) == 0 && p != nil {
		e.Desc = goString(p)
	}
	return e
}

// goString copies a NUL-terminated C string (at most 4 KiB of it).
func goString(p *byte) string {
	if p == nil {
		return ""
	}
	var b []byte
	for i := 0; i < 4096; i++ {
		c := *(*byte)(unsafe.Add(unsafe.Pointer(p), i))
		if c == 0 {
			break
		}
		b = append(b, c)
	}
	return string(b)
}

// cString returns s as a NUL-terminated byte slice.
func cString(s string) []byte { return append([]byte(s), 0) }

// Device attributes read by this package (CUdevice_attribute).
const (
	attrMaxThreadsPerBlock   = 1
	attrMaxSharedPerBlock    = 8
	attrMultiprocessorCount  = 16
	attrComputeCapMajor      = 75
	attrComputeCapMinor      = 76
	attrL2CacheSize          = 38
	attrMaxSharedPerBlockOpt = 97
)

func (d *driver) init() error { return d.call("cuInit", d.cuInit, 0) }

func (d *driver) deviceCount() (int, error) {
	var n int32
	err := d.call("cuDeviceGetCount", d.cuDeviceGetCount, uintptr(unsafe.Pointer(&n)))
	return int(n), err
}

func (d *driver) device(ordinal int) (int32, error) {
	var dev int32
	err := d.call("cuDeviceGet", d.cuDeviceGet, uintptr(unsafe.Pointer(&dev)), uintptr(ordinal))
	return dev, err
}

func (d *driver) deviceName(dev int32) (string, error) {
	buf := make([]byte, 256)
	if err := d.call("cuDeviceGetName", d.cuDeviceGetName, uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)), uintptr(dev)); err != nil {
		return "", err
	}
	return goString(&buf[0]), nil
}

func (d *driver) attribute(dev int32, attr int) (int, error) {
	var v int32
	err := d.call("cuDeviceGetAttribute", d.cuDeviceGetAttribute, uintptr(unsafe.Pointer(&v)), uintptr(attr), uintptr(dev))
	return int(v), err
}

func (d *driver) primaryCtxRetain(dev int32) (uintptr, error) {
	var ctx uintptr
	err := d.call("cuDevicePrimaryCtxRetain", d.cuDevicePrimaryCtxRetain, uintptr(unsafe.Pointer(&ctx)), uintptr(dev))
	return ctx, err
}

func (d *driver) primaryCtxRelease(dev int32) error {
	return d.call("cuDevicePrimaryCtxRelease_v2", d.cuDevicePrimaryCtxRelease, uintptr(dev))
}

func (d *driver) setCurrent(ctx uintptr) error {
	return d.call("cuCtxSetCurrent", d.cuCtxSetCurrent, ctx)
}

func (d *driver) memAlloc(bytes int) (uint64, error) {
	var p uint64
	err := d.call("cuMemAlloc_v2", d.cuMemAlloc, uintptr(unsafe.Pointer(&p)), uintptr(bytes))
	return p, err
}

func (d *driver) memFree(p uint64) error { return d.call("cuMemFree_v2", d.cuMemFree, uintptr(p)) }

func (d *driver) memGetInfo() (free, total uint64, err error) {
	err = d.call("cuMemGetInfo_v2", d.cuMemGetInfo, uintptr(unsafe.Pointer(&free)), uintptr(unsafe.Pointer(&total)))
	return free, total, err
}

func (d *driver) memsetD32Async(p uint64, v uint32, n int, stream uintptr) error {
	return d.call("cuMemsetD32Async", d.cuMemsetD32Async, uintptr(p), uintptr(v), uintptr(n), stream)
}

// htod copies n bytes from host memory at src to device memory. It is
// synchronous with respect to the host, so src may be reused at once.
func (d *driver) htod(dst uint64, src unsafe.Pointer, n int) error {
	return d.call("cuMemcpyHtoD_v2", d.cuMemcpyHtoD, uintptr(dst), uintptr(src), uintptr(n))
}

// dtoh copies n bytes from the device to host memory at dst, waiting for it.
func (d *driver) dtoh(dst unsafe.Pointer, src uint64, n int) error {
	return d.call("cuMemcpyDtoH_v2", d.cuMemcpyDtoH, uintptr(dst), uintptr(src), uintptr(n))
}

func (d *driver) dtodAsync(dst, src uint64, n int, stream uintptr) error {
	return d.call("cuMemcpyDtoDAsync_v2", d.cuMemcpyDtoDAsync, uintptr(dst), uintptr(src), uintptr(n), stream)
}

func (d *driver) streamCreate() (uintptr, error) {
	var s uintptr
	err := d.call("cuStreamCreate", d.cuStreamCreate, uintptr(unsafe.Pointer(&s)), 0)
	return s, err
}

func (d *driver) streamSync(s uintptr) error {
	return d.call("cuStreamSynchronize", d.cuStreamSynchronize, s)
}

func (d *driver) streamDestroy(s uintptr) error {
	return d.call("cuStreamDestroy_v2", d.cuStreamDestroy, s)
}

func (d *driver) eventCreate() (uintptr, error) {
	var e uintptr
	err := d.call("cuEventCreate", d.cuEventCreate, uintptr(unsafe.Pointer(&e)), 0)
	return e, err
}

func (d *driver) eventRecord(e, s uintptr) error {
	return d.call("cuEventRecord", d.cuEventRecord, e, s)
}

func (d *driver) eventSync(e uintptr) error {
	return d.call("cuEventSynchronize", d.cuEventSynchronize, e)
}

func (d *driver) eventElapsed(start, end uintptr) (float32, error) {
	var ms float32
	err := d.call("cuEventElapsedTime", d.cuEventElapsedTime, uintptr(unsafe.Pointer(&ms)), start, end)
	return ms, err
}

func (d *driver) eventDestroy(e uintptr) error {
	return d.call("cuEventDestroy_v2", d.cuEventDestroy, e)
}

// moduleLoad JIT-compiles a NUL-terminated PTX image.
func (d *driver) moduleLoad(image []byte) (uintptr, error) {
	if len(image) == 0 || image[len(image)-1] != 0 {
		return 0, errors.New("cuda: cuModuleLoadData: image is not NUL-terminated")
	}
	var m uintptr
	err := d.call("cuModuleLoadData", d.cuModuleLoadData, uintptr(unsafe.Pointer(&m)), uintptr(unsafe.Pointer(&image[0])))
	return m, err
}

func (d *driver) moduleUnload(m uintptr) error {
	return d.call("cuModuleUnload", d.cuModuleUnload, m)
}

func (d *driver) moduleFunction(m uintptr, name string) (uintptr, error) {
	var f uintptr
	cname := cString(name)
	err := d.call("cuModuleGetFunction", d.cuModuleGetFunction, uintptr(unsafe.Pointer(&f)), m, uintptr(unsafe.Pointer(&cname[0])))
	if err != nil {
		return 0, fmt.Errorf("kernel %q: %w", name, err)
	}
	return f, nil
}

// funcSetAttribute sets a CUfunction_attribute, e.g. 8
// (CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES) to allow more than
// 48 KiB of dynamic shared memory.
func (d *driver) funcSetAttribute(f uintptr, attr, value int) error {
	return d.call("cuFuncSetAttribute", d.cuFuncSetAttribute, f, uintptr(attr), uintptr(value))
}

// launchKernel calls cuLaunchKernel with kernelParams pointing at params
// (one pointer per kernel argument, see argPack).
func (d *driver) launchKernel(f uintptr, grid, block Dim3, shmem int, stream uintptr, params unsafe.Pointer) error {
	return d.call("cuLaunchKernel", d.cuLaunchKernel, f,
		uintptr(grid.X), uintptr(grid.Y), uintptr(grid.Z),
		uintptr(block.X), uintptr(block.Y), uintptr(block.Z),
		uintptr(shmem), stream, uintptr(params), 0)
}

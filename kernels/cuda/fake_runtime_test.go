package cuda

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
)

// paramSizes reads each kernel's parameter sizes (bytes) from PTX text.
func paramSizes(ptx string) map[string][]int {
	out := map[string][]int{}
	entry := regexp.MustCompile(`^\s*(?:\.visible\s+)?\.entry\s+([A-Za-z_$][A-Za-z0-9_$]*)\s*\(`)
	scalar := regexp.MustCompile(`^\s*\.param\s+\.[usbf](8|16|32|64)\s+[A-Za-z_$]`)
	array := regexp.MustCompile(`^\s*\.param\s+(?:\.align\s+\d+\s+)?\.b8\s+[A-Za-z0-9_$]+\[(\d+)\]`)
	var cur string
	for _, line := range strings.Split(ptx, "\n") {
		if m := entry.FindStringSubmatch(line); m != nil {
			cur = m[1]
			out[cur] = []int{}
			continue
		}
		if cur == "" {
			continue
		}
		if m := scalar.FindStringSubmatch(line); m != nil {
			bits, _ := strconv.Atoi(m[1])
			out[cur] = append(out[cur], bits/8)
		} else if m := array.FindStringSubmatch(line); m != nil {
			n, _ := strconv.Atoi(m[1])
			out[cur] = append(out[cur], n)
		}
		if strings.Contains(line, ")") {
			cur = ""
		}
	}
	return out
}

// launchRecord is one kernel launch seen by the fake runtime.
type launchRecord struct {
	name         string
	grid, block  Dim3
	shmem        int
	args         []uint64
	sizes        []uint8
	ptrs         []bool
	pointedBytes []int // for pointer args: bytes from the pointer to the end of its allocation
}

// fakeRuntime is a GPU-less runtimeAPI. It checks every launch against the
// kernel's PTX signature (argument count and sizes), the launch limits,
// and every pointer (argument or copy) against the live allocations.
type fakeRuntime struct {
	*fakeMemory
	t        testing.TB
	dev      *Device
	sigs     map[string][]int
	modules  map[uintptr]string
	funcs    map[uintptr]string
	shmemMax map[uintptr]int
	launches []launchRecord
	syncs    int // streamSync calls
	next     uintptr
}

func newFakeRuntime(t testing.TB) *fakeRuntime {
	return &fakeRuntime{fakeMemory: newFakeMemory(64 << 30), t: t, sigs: map[string][]int{},
		modules: map[uintptr]string{}, funcs: map[uintptr]string{}, shmemMax: map[uintptr]int{}, next: 100}
}

// newFakeDevice is a Device (compute capability 9.0, 132 SMs, no cuBLASLt)
// on a fake runtime.
func newFakeDevice(t testing.TB) (*Device, *fakeRuntime) {
	ix, err := embeddedIndex()
	require.NoError(t, err)
	f := newFakeRuntime(t)
	d := &Device{drv: f, name: "cuda:fake", cc: [2]int{9, 0}, sms: 132, index: ix, ctx: 1, stream: 2,
		modules: map[string]uintptr{}, funcs: map[string]uintptr{}, scratch: map[string]*buffer{}}
	d.alloc = newAllocator(f)
	f.dev = d
	return d, f
}

func (f *fakeRuntime) id() uintptr { f.next++; return f.next }

// span checks that [p, p+n) lies inside one live allocation.
func (f *fakeRuntime) span(what string, p uint64, n int) error {
	for base, size := range f.live {
		if p >= base && p+uint64(n) <= base+uint64(size) {
			return nil
		}
	}
	return fmt.Errorf("fake: %s: [%#x, +%d) is outside every live allocation", what, p, n)
}

// room is how many bytes from p to the end of its allocation (-1 if none).
func (f *fakeRuntime) room(p uint64) int {
	for base, size := range f.live {
		if p >= base && p < base+uint64(size) {
			return int(base + uint64(size) - p)
		}
	}
	return -1
}

func (f *fakeRuntime) setCurrent(uintptr) error                   { return nil }
func (f *fakeRuntime) streamSync(uintptr) error                   { f.syncs++; return nil }
func (f *fakeRuntime) streamDestroy(uintptr) error                { return nil }
func (f *fakeRuntime) primaryCtxRelease(int32) error              { return nil }
func (f *fakeRuntime) moduleUnload(uintptr) error                 { return nil }
func (f *fakeRuntime) eventCreate() (uintptr, error)              { return f.id(), nil }
func (f *fakeRuntime) eventRecord(_, _ uintptr) error             { return nil }
func (f *fakeRuntime) eventSync(uintptr) error                    { return nil }
func (f *fakeRuntime) eventDestroy(uintptr) error                 { return nil }
func (f *fakeRuntime) eventElapsed(_, _ uintptr) (float32, error) { return 1, nil }

func (f *fakeRuntime) htod(dst uint64, _ unsafe.Pointer, n int) error { return f.span("htod", dst, n) }

func (f *fakeRuntime) dtoh(dst unsafe.Pointer, src uint64, n int) error {
	if err := f.span("dtoh", src, n); err != nil {
		return err
	}
	clear(unsafe.Slice((*byte)(dst), n))
	return nil
}

func (f *fakeRuntime) dtodAsync(dst, src uint64, n int, _ uintptr) error {
	if err := f.span("dtod dst", dst, n); err != nil {
		return err
	}
	return f.span("dtod src", src, n)
}

func (f *fakeRuntime) memsetD32Async(p uint64, _ uint32, n int, _ uintptr) error {
	return f.span("memsetD32", p, 4*n)
}

func (f *fakeRuntime) moduleLoad(image []byte) (uintptr, error) {
	if len(image) == 0 || image[len(image)-1] != 0 {
		return 0, fmt.Errorf("fake: module image not NUL-terminated")
	}
	m := f.id()
	for k, v := range paramSizes(string(image[:len(image)-1])) {
		f.sigs[k] = v
	}
	f.modules[m] = "loaded"
	return m, nil
}

func (f *fakeRuntime) moduleFunction(m uintptr, name string) (uintptr, error) {
	if _, ok := f.modules[m]; !ok {
		return 0, fmt.Errorf("fake: unknown module")
	}
	if _, ok := f.sigs[name]; !ok {
		return 0, &Error{Call: "cuModuleGetFunction", Code: resultNotFound, Name: resultName(resultNotFound)}
	}
	fn := f.id()
	f.funcs[fn] = name
	return fn, nil
}

func (f *fakeRuntime) funcSetAttribute(fn uintptr, attr, value int) error {
	if attr == 8 {
		f.shmemMax[fn] = value
	}
	return nil
}

func (f *fakeRuntime) launchKernel(fn uintptr, grid, block Dim3, shmem int, _ uintptr, params unsafe.Pointer) error {
	name, ok := f.funcs[fn]
	if !ok {
		return fmt.Errorf("fake: launch of an unknown function")
	}
	threads := block.X * block.Y * block.Z
	limit := 48 << 10
	if v, ok := f.shmemMax[fn]; ok {
		limit = v
	}
	switch {
	case threads > 1024 || threads <= 0:
		return fmt.Errorf("fake: %s: %d threads per block", name, threads)
	case grid.X <= 0 || grid.X > 1<<31-1 || grid.Y <= 0 || grid.Y > 65535 || grid.Z <= 0 || grid.Z > 65535:
		return fmt.Errorf("fake: %s: grid %v out of range", name, grid)
	case shmem > limit:
		return fmt.Errorf("fake: %s: %d bytes of dynamic shared memory, limit %d", name, shmem, limit)
	}
	a := &f.dev.args
	if params != unsafe.Pointer(&a.params[0]) {
		return fmt.Errorf("fake: %s: kernelParams does not point at the argument pack", name)
	}
	sig := f.sigs[name]
	if len(sig) != a.n {
		return fmt.Errorf("fake: %s takes %d parameters, launched with %d", name, len(sig), a.n)
	}
	rec := launchRecord{name: name, grid: grid, block: block, shmem: shmem}
	for i := 0; i < a.n; i++ {
		if int(a.size[i]) != sig[i] {
			return fmt.Errorf("fake: %s parameter %d is %d bytes, the Go argument %d", name, i, sig[i], a.size[i])
		}
		v := *(*uint64)(a.params[i]) // what the driver would read (8-byte slots)
		room := 0
		if a.isPtr[i] && v != 0 {
			if room = f.room(v); room < 0 {
				return fmt.Errorf("fake: %s parameter %d: pointer %#x is not in a live allocation", name, i, v)
			}
		}
		rec.args = append(rec.args, v)
		rec.sizes = append(rec.sizes, a.size[i])
		rec.ptrs = append(rec.ptrs, a.isPtr[i])
		rec.pointedBytes = append(rec.pointedBytes, room)
	}
	f.launches = append(f.launches, rec)
	return nil
}

var _ runtimeAPI = (*fakeRuntime)(nil)

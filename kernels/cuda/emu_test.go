package cuda

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"unsafe"

	"github.com/ebitengine/purego"
	"github.com/empirical-scaling/harness/tensor"
	"github.com/empirical-scaling/harness/tensor/devicetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The kernel emulator: kernels/src/*.cu compiled as C++ with g++ against
// emu/emu.h (every CUDA thread a fiber, barriers and warp primitives
// emulated), loaded with purego, and driven through the same launch path
// as the GPU (argPack → "cuLaunchKernel"). It lets CI run the conformance
// suite on the CUDA kernels' own source. It cannot say anything about
// timing, memory-model races between blocks, or the PTX compiler; and
// flash_attention.cu (inline PTX, mma.sync) is not emulated.

// emuSkip lists sources the emulator cannot compile. (flash_attention.cu
// builds here through its #ifndef __CUDACC__ versions of cp.async,
// ldmatrix and mma.sync; TestFlashAttentionOnEmulator runs it.)
var emuSkip = map[string]bool{}

var externShared = regexp.MustCompile(`extern\s+__shared__\s+(\w+)\s+(\w+)\[\];`)

var (
	emuOnce sync.Once
	emuLib  uintptr
	emuErr  error
)

// buildEmulator compiles the kernels with g++ into a shared library, once
// per test binary.
func buildEmulator(t testing.TB) uintptr {
	t.Helper()
	gxx, err := exec.LookPath("g++")
	if err != nil {
		t.Skip("g++ not found: the kernel emulator needs a C++ compiler")
	}
	emuOnce.Do(func() { emuLib, emuErr = compileEmulator(gxx) })
	require.NoError(t, emuErr)
	return emuLib
}

func compileEmulator(gxx string) (uintptr, error) {
	dir, err := os.MkdirTemp("", "kemu")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir) // the loaded library stays mapped
	emuDir, err := filepath.Abs("emu")
	if err != nil {
		return 0, err
	}
	srcs, err := filepath.Glob("../src/*")
	if err != nil {
		return 0, err
	}
	sort.Strings(srcs)
	ix, err := embeddedIndex()
	if err != nil {
		return 0, err
	}
	var unit strings.Builder
	var kernels []string
	for _, s := range srcs {
		base := filepath.Base(s)
		if emuSkip[base] || !(strings.HasSuffix(base, ".cu") || strings.HasSuffix(base, ".cuh")) {
			continue
		}
		b, err := os.ReadFile(s)
		if err != nil {
			return 0, err
		}
		code := externShared.ReplaceAllString(string(b), "$1* $2 = ($1*)emu_dynamic_smem();")
		if err := os.WriteFile(filepath.Join(dir, base), []byte(code), 0o644); err != nil {
			return 0, err
		}
		if strings.HasSuffix(base, ".cu") {
			fmt.Fprintf(&unit, "#include %q\n", filepath.Join(dir, base))
			if m, ok := ix.modules[strings.TrimSuffix(base, ".cu")]; ok {
				kernels = append(kernels, m.entries...)
			}
		}
	}
	fmt.Fprintf(&unit, "#include %q\n", filepath.Join(emuDir, "emu_api.h"))
	for _, k := range kernels {
		fmt.Fprintf(&unit, "EMU_KERNEL(%s)\n", k)
	}
	main := filepath.Join(dir, "all.cpp")
	if err := os.WriteFile(main, []byte(unit.String()), 0o644); err != nil {
		return 0, err
	}
	lib := filepath.Join(dir, "libkemu.so")
	cmd := exec.Command(gxx, "-std=c++17", "-O2", "-fno-strict-aliasing", "-shared", "-fPIC", "-w",
		"-include", filepath.Join(emuDir, "emu.h"), "-I", filepath.Join(emuDir, "include"), "-I", dir, main, "-o", lib)
	if out, err := cmd.CombinedOutput(); err != nil {
		return 0, fmt.Errorf("compile the kernel emulator: %v\n%s", err, out)
	}
	h, err := purego.Dlopen(lib, purego.RTLD_NOW|purego.RTLD_LOCAL)
	if err != nil {
		return 0, fmt.Errorf("load the kernel emulator: %w", err)
	}
	return h, nil
}

// emuRuntime is a runtimeAPI whose device memory is host memory of the
// emulator library and whose launches run the emulated kernels.
type emuRuntime struct {
	*fakeRuntime                                  // launch checks (PTX signature, limits, pointers) and bookkeeping
	has, launch, errStr, alloc, free, copy, set32 uintptr
	sizes                                         map[uint64]int
}

func newEmuDevice(t testing.TB) *Device {
	h := buildEmulator(t)
	d, f := newFakeDevice(t)
	e := &emuRuntime{fakeRuntime: f, sizes: map[uint64]int{}}
	for name, p := range map[string]*uintptr{"emu_has": &e.has, "emu_launch": &e.launch, "emu_error": &e.errStr,
		"emu_alloc": &e.alloc, "emu_free": &e.free, "emu_copy": &e.copy, "emu_set32": &e.set32} {
		v, err := purego.Dlsym(h, name)
		require.NoError(t, err)
		*p = v
	}
	d.drv = e
	d.alloc = newAllocator(e)
	d.sms = 2 // small grids: fewer emulated threads, the grid-stride loops cover the rest
	d.name = "cuda-emulator"
	return d
}

func (e *emuRuntime) memAlloc(bytes int) (uint64, error) {
	r, _, _ := purego.SyscallN(e.alloc, uintptr(bytes))
	if r == 0 {
		return 0, &Error{Call: "emu_alloc", Code: resultOutOfMemory, Name: resultName(resultOutOfMemory)}
	}
	e.sizes[uint64(r)] = bytes
	e.fakeMemory.live[uint64(r)] = bytes
	return uint64(r), nil
}

func (e *emuRuntime) memFree(p uint64) error {
	delete(e.fakeMemory.live, p)
	delete(e.sizes, p)
	purego.SyscallN(e.free, uintptr(p))
	return nil
}

func (e *emuRuntime) memGetInfo() (uint64, uint64, error) { return 1 << 30, 1 << 30, nil }

func (e *emuRuntime) htod(dst uint64, src unsafe.Pointer, n int) error {
	if err := e.span("htod", dst, n); err != nil {
		return err
	}
	purego.SyscallN(e.copy, uintptr(dst), uintptr(src), uintptr(n))
	return nil
}

func (e *emuRuntime) dtoh(dst unsafe.Pointer, src uint64, n int) error {
	if err := e.span("dtoh", src, n); err != nil {
		return err
	}
	purego.SyscallN(e.copy, uintptr(dst), uintptr(src), uintptr(n))
	return nil
}

func (e *emuRuntime) dtodAsync(dst, src uint64, n int, s uintptr) error {
	if err := e.fakeRuntime.dtodAsync(dst, src, n, s); err != nil {
		return err
	}
	purego.SyscallN(e.copy, uintptr(dst), uintptr(src), uintptr(n))
	return nil
}

func (e *emuRuntime) memsetD32Async(p uint64, v uint32, n int, s uintptr) error {
	if err := e.fakeRuntime.memsetD32Async(p, v, n, s); err != nil {
		return err
	}
	purego.SyscallN(e.set32, uintptr(p), uintptr(v), uintptr(n))
	return nil
}

func (e *emuRuntime) launchKernel(fn uintptr, grid, block Dim3, shmem int, stream uintptr, params unsafe.Pointer) error {
	if err := e.fakeRuntime.launchKernel(fn, grid, block, shmem, stream, params); err != nil {
		return err
	}
	name := cString(e.funcs[fn])
	r, _, _ := purego.SyscallN(e.launch, uintptr(unsafe.Pointer(&name[0])), uintptr(grid.X), uintptr(grid.Y), uintptr(grid.Z),
		uintptr(block.X), uintptr(block.Y), uintptr(block.Z), uintptr(shmem), uintptr(params))
	switch int32(uint32(r)) {
	case 0:
		return nil
	case 1:
		return fmt.Errorf("emulator: no kernel %s", e.funcs[fn])
	}
	buf := make([]byte, 512)
	purego.SyscallN(e.errStr, uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)))
	return fmt.Errorf("emulator: %s", goString(&buf[0]))
}

var _ runtimeAPI = (*emuRuntime)(nil)

// TestConformanceOnEmulator runs the shared conformance suite (float32 and
// bfloat16) on the CUDA kernels' source, emulated on the CPU. The fallback
// GEMM kernel stands in for cuBLASLt, and the reference attention for the
// flash kernels.
func TestConformanceOnEmulator(t *testing.T) {
	d := newEmuDevice(t)
	d.opts.NoFlash = true // flash_attention.cu is not emulated (inline PTX)
	devicetest.Run(t, d, devicetest.Options{DTypes: []tensor.DType{tensor.BFloat16}})
}

// TestEmulatorBF16Backward checks the bfloat16 backward kernels at widths
// that take the 16-byte-pack paths (the suite's finite-difference checks run
// in float32): on the same bf16-representable inputs, the bf16 result must
// match the float32 kernels' result to bf16 precision.
func TestEmulatorBF16Backward(t *testing.T) {
	d := newEmuDevice(t)
	d.opts.NoFlash = true
	rng := rand.New(rand.NewPCG(3, 3))
	vals := func(n int, scale float64) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = bf16ToFloat32(bf16FromFloat32(float32(rng.NormFloat64() * scale)))
		}
		return v
	}
	put := func(dt tensor.DType, v []float32) tensor.Buffer {
		b, err := d.Alloc(dt, len(v))
		require.NoError(t, err)
		require.NoError(t, d.Write(b, v))
		return b
	}
	get := func(b tensor.Buffer) []float32 {
		v := make([]float32, b.Len())
		require.NoError(t, d.Read(v, b))
		return v
	}
	relL2 := func(got, want []float32) float64 {
		var num, den float64
		for i := range want {
			e := float64(got[i]) - float64(want[i])
			num += e * e
			den += float64(want[i]) * float64(want[i])
		}
		return math.Sqrt(num / den)
	}
	const rows, cols = 40, 96
	x, w, dout := vals(rows*cols, 1), vals(cols, 1), vals(rows*cols, 1)
	dx0, dw0, db0 := vals(rows*cols, 0.1), vals(cols, 0.1), vals(cols, 0.1)
	bias, sdout := vals(cols, 1), vals(rows*cols/2, 1)
	results := map[tensor.DType][][]float32{}
	for _, dt := range []tensor.DType{tensor.Float32, tensor.BFloat16} {
		xb, wb, bb, gb := put(dt, x), put(dt, w), put(dt, bias), put(dt, dout)
		out := put(dt, make([]float32, rows*cols))
		mean, rstd := put(tensor.Float32, make([]float32, rows)), put(tensor.Float32, make([]float32, rows))
		require.NoError(t, d.LayerNorm(out, mean, rstd, xb, wb, bb, rows, cols))
		dx, dw, db := put(dt, dx0), put(dt, dw0), put(dt, db0)
		require.NoError(t, d.LayerNormBackward(dx, dw, db, gb, xb, wb, mean, rstd, rows, cols))
		sx, sdx, sdo := put(dt, x), put(dt, dx0), put(dt, sdout)
		require.NoError(t, d.SwiGLUBackward(sdx, sx, sdo, rows, cols/2))
		gdx := put(dt, dx0)
		require.NoError(t, d.GeLUBackward(gdx, xb, gb))
		results[dt] = [][]float32{get(dx), get(dw), get(db), get(sdx), get(gdx)}
	}
	for i, name := range []string{"LayerNorm dx", "LayerNorm dw", "LayerNorm db", "SwiGLU dx", "GeLU dx"} {
		e := relL2(results[tensor.BFloat16][i], results[tensor.Float32][i])
		assert.LessOrEqualf(t, e, 2e-2, "%s: bf16 vs f32 relative L2 error %.3g", name, e)
	}
}

package cuda

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"unsafe"

	"github.com/ebitengine/purego"
	"github.com/empirical-scaling/harness/tensor"
)

// cuBLASLt constants (cublasLt.h, cublas_api.h, library_types.h; stable
// across CUDA 11–13).
const (
	cudaR32F           = 0
	cudaR16BF          = 14
	cublasCompute32F   = 68
	cublasOpN          = 0
	cublasOpT          = 1
	descTransA         = 3
	descTransB         = 4
	layoutBatchCount   = 5
	layoutStridedBatch = 6
	prefMaxWorkspace   = 1
	heuristicBytes     = 96 // sizeof(cublasLtMatmulHeuristicResult_t)
	heuristicStateOff  = 72 // offset of its cublasStatus_t state
	ltWorkspaceBytes   = 32 << 20
)

// cublasLt holds a cuBLASLt handle, its workspace and a cache of the
// descriptors and algorithm chosen for each GEMM shape.
type cublasLt struct {
	d         *Device
	path      string
	handle    uintptr
	workspace *buffer
	plans     map[ltKey]*ltPlan // nil value: cuBLASLt offered no algorithm, use the fallback kernel

	create, destroy, descCreate, descDestroy, descSet               uintptr
	layoutCreate, layoutDestroy, layoutSet, prefCreate, prefDestroy uintptr
	prefSet, heuristic, matmul, statusName                          uintptr
}

type ltKey struct {
	dt tensor.DType
	s  tensor.MatMulShape // Accumulate cleared: beta is a launch argument
}

// ltPlan is a GEMM shape's descriptors and algorithm, made once.
type ltPlan struct {
	desc, a, b, c uintptr
	heur          [heuristicBytes / 8]uint64 // cublasLtMatmulHeuristicResult_t; algo is its first 64 bytes
}

// openCublasLt loads cuBLASLt from the first candidate path that opens
// (see cublasLtCandidates) and creates a handle and workspace.
func openCublasLt(d *Device) (*cublasLt, error) {
	var tried []string
	for _, p := range cublasLtCandidates(osSearchEnv()) {
		h, err := purego.Dlopen(p, purego.RTLD_NOW|purego.RTLD_GLOBAL)
		if err != nil {
			tried = append(tried, p)
			continue
		}
		lt := &cublasLt{d: d, path: p, plans: map[ltKey]*ltPlan{}}
		if err := resolve(h, lt.symbols()); err != nil {
			return nil, fmt.Errorf("cublasLt %s: %w", p, err)
		}
		if err := lt.call("cublasLtCreate", lt.create, uintptr(unsafe.Pointer(&lt.handle))); err != nil {
			return nil, err
		}
		ws, err := d.allocLocked(tensor.Float32, ltWorkspaceBytes/4)
		if err != nil {
			return nil, fmt.Errorf("cublasLt workspace: %w", err)
		}
		lt.workspace = ws
		return lt, nil
	}
	return nil, fmt.Errorf("libcublasLt not found (tried %s)", strings.Join(tried, ", "))
}

func (lt *cublasLt) symbols() []symbol {
	s := func(f *uintptr, names ...string) symbol { return symbol{f, names} }
	return []symbol{
		s(&lt.create, "cublasLtCreate"), s(&lt.destroy, "cublasLtDestroy"),
		s(&lt.descCreate, "cublasLtMatmulDescCreate"), s(&lt.descDestroy, "cublasLtMatmulDescDestroy"),
		s(&lt.descSet, "cublasLtMatmulDescSetAttribute"),
		s(&lt.layoutCreate, "cublasLtMatrixLayoutCreate"), s(&lt.layoutDestroy, "cublasLtMatrixLayoutDestroy"),
		s(&lt.layoutSet, "cublasLtMatrixLayoutSetAttribute"),
		s(&lt.prefCreate, "cublasLtMatmulPreferenceCreate"), s(&lt.prefDestroy, "cublasLtMatmulPreferenceDestroy"),
		s(&lt.prefSet, "cublasLtMatmulPreferenceSetAttribute"),
		s(&lt.heuristic, "cublasLtMatmulAlgoGetHeuristic"), s(&lt.matmul, "cublasLtMatmul"),
		s(&lt.statusName, "cublasLtGetStatusName"),
	}
}

// call invokes a cuBLASLt function and turns a non-zero status into an *Error.
//
//go:uintptrescapes
func (lt *cublasLt) call(name string, fn uintptr, args ...uintptr) error {
	r, _, _ := purego.SyscallN(fn, args...)
	code := int(int32(uint32(r)))
	if code == 0 {
		return nil
	}
	return &Error{Call: name, Code: code, Name: cublasStatusName(code)}
}

func (lt *cublasLt) close() error {
	var errs []error
	for _, p := range lt.plans {
		errs = append(errs, lt.freePlan(p))
	}
	lt.plans = nil
	if lt.workspace != nil {
		lt.d.alloc.release(uint64(lt.workspace.ptr), lt.workspace.class, lt.workspace.bytes())
		lt.workspace = nil
	}
	if lt.handle != 0 {
		errs = append(errs, lt.call("cublasLtDestroy", lt.destroy, lt.handle))
	}
	return errors.Join(errs...)
}

func (lt *cublasLt) freePlan(p *ltPlan) error {
	var errs []error
	for _, l := range []uintptr{p.a, p.b, p.c} {
		if l != 0 {
			errs = append(errs, lt.call("cublasLtMatrixLayoutDestroy", lt.layoutDestroy, l))
		}
	}
	if p.desc != 0 {
		errs = append(errs, lt.call("cublasLtMatmulDescDestroy", lt.descDestroy, p.desc))
	}
	return errors.Join(errs...)
}

// colMajor is how a row-major matrix looks to column-major cuBLASLt.
type colMajor struct {
	rows, cols, ld int64
	op             int32
}

// ltOperands maps the row-major product C = op(A)·op(B) (M×N) onto
// column-major cuBLASLt as Cᵀ = op(B)ᵀ·op(A)ᵀ (N×M): cuBLASLt's "A" is our
// B and its "B" is our A. A row-major r×c matrix is a column-major c×r
// matrix with leading dimension c, so each stored matrix keeps its bytes
// and the transpose flags carry over unchanged.
func ltOperands(s tensor.MatMulShape) (ltA, ltB, ltC colMajor) {
	m, n, k := int64(s.M), int64(s.N), int64(s.K)
	// Our B is stored K×N (or N×K when TransB).
	if s.TransB {
		ltA = colMajor{rows: k, cols: n, ld: k, op: cublasOpT}
	} else {
		ltA = colMajor{rows: n, cols: k, ld: n, op: cublasOpN}
	}
	// Our A is stored M×K (or K×M when TransA).
	if s.TransA {
		ltB = colMajor{rows: m, cols: k, ld: m, op: cublasOpT}
	} else {
		ltB = colMajor{rows: k, cols: m, ld: k, op: cublasOpN}
	}
	ltC = colMajor{rows: n, cols: m, ld: n, op: cublasOpN}
	return ltA, ltB, ltC
}

// plan returns (making and caching on first use) the descriptors and
// heuristic algorithm of one GEMM shape.
func (lt *cublasLt) plan(dt tensor.DType, s tensor.MatMulShape) (*ltPlan, error) {
	key := ltKey{dt: dt, s: s}
	key.s.Accumulate = false
	if p, ok := lt.plans[key]; ok {
		if p == nil {
			return nil, errNoAlgorithm
		}
		return p, nil
	}
	p := &ltPlan{}
	ok := false
	defer func() {
		if !ok {
			_ = lt.freePlan(p)
		}
	}()
	typ := uintptr(cudaR32F)
	if dt == tensor.BFloat16 {
		typ = cudaR16BF
	}
	if err := lt.call("cublasLtMatmulDescCreate", lt.descCreate, uintptr(unsafe.Pointer(&p.desc)), cublasCompute32F, cudaR32F); err != nil {
		return nil, err
	}
	a, b, c := ltOperands(s)
	for _, at := range []struct {
		attr int
		v    int32
	}{{descTransA, a.op}, {descTransB, b.op}} {
		v := at.v
		if err := lt.call("cublasLtMatmulDescSetAttribute", lt.descSet, p.desc, uintptr(at.attr), uintptr(unsafe.Pointer(&v)), 4); err != nil {
			return nil, err
		}
	}
	strides := []int64{int64(s.StrideB), int64(s.StrideA), int64(s.StrideC)}
	for i, l := range []struct {
		out *uintptr
		m   colMajor
	}{{&p.a, a}, {&p.b, b}, {&p.c, c}} {
		if err := lt.call("cublasLtMatrixLayoutCreate", lt.layoutCreate, uintptr(unsafe.Pointer(l.out)), typ,
			uintptr(l.m.rows), uintptr(l.m.cols), uintptr(l.m.ld)); err != nil {
			return nil, err
		}
		if s.Batch > 1 {
			batch, stride := int32(s.Batch), strides[i]
			if err := lt.call("cublasLtMatrixLayoutSetAttribute", lt.layoutSet, *l.out, layoutBatchCount, uintptr(unsafe.Pointer(&batch)), 4); err != nil {
				return nil, err
			}
			if err := lt.call("cublasLtMatrixLayoutSetAttribute", lt.layoutSet, *l.out, layoutStridedBatch, uintptr(unsafe.Pointer(&stride)), 8); err != nil {
				return nil, err
			}
		}
	}
	var pref uintptr
	if err := lt.call("cublasLtMatmulPreferenceCreate", lt.prefCreate, uintptr(unsafe.Pointer(&pref))); err != nil {
		return nil, err
	}
	defer func() { _ = lt.call("cublasLtMatmulPreferenceDestroy", lt.prefDestroy, pref) }()
	ws := uint64(ltWorkspaceBytes)
	if err := lt.call("cublasLtMatmulPreferenceSetAttribute", lt.prefSet, pref, prefMaxWorkspace, uintptr(unsafe.Pointer(&ws)), 8); err != nil {
		return nil, err
	}
	var found int32
	if err := lt.call("cublasLtMatmulAlgoGetHeuristic", lt.heuristic, lt.handle, p.desc, p.a, p.b, p.c, p.c, pref, 1,
		uintptr(unsafe.Pointer(&p.heur[0])), uintptr(unsafe.Pointer(&found))); err != nil {
		var ce *Error
		if errors.As(err, &ce) && ce.Code == 15 { // CUBLAS_STATUS_NOT_SUPPORTED
			lt.plans[key] = nil
			return nil, errNoAlgorithm
		}
		return nil, err
	}
	if found == 0 || int32(uint32(p.heur[heuristicStateOff/8])) != 0 { // state: the low half of word 9 (little-endian)
		lt.plans[key] = nil
		slog.Debug("cuda: cuBLASLt has no algorithm for this GEMM; using the fallback kernel", "dtype", dt, "shape", s)
		return nil, errNoAlgorithm
	}
	lt.plans[key] = p
	ok = true
	return p, nil
}

// errNoAlgorithm says cuBLASLt has no algorithm for a GEMM shape; MatMul
// then uses the fallback kernel for it.
var errNoAlgorithm = errors.New("cuBLASLt offers no algorithm for this GEMM")

// run queues C (=|+=) op(A)·op(B) on the device's stream.
func (lt *cublasLt) run(c, a, b *buffer, s tensor.MatMulShape) error {
	p, err := lt.plan(c.dt, s)
	if err != nil {
		return err
	}
	alpha, beta := float32(1), float32(0)
	if s.Accumulate {
		beta = 1
	}
	return lt.call("cublasLtMatmul", lt.matmul, lt.handle, p.desc,
		uintptr(unsafe.Pointer(&alpha)), uintptr(b.ptr), p.a, uintptr(a.ptr), p.b,
		uintptr(unsafe.Pointer(&beta)), uintptr(c.ptr), p.c, uintptr(c.ptr), p.c,
		uintptr(unsafe.Pointer(&p.heur[0])), uintptr(lt.workspace.ptr), ltWorkspaceBytes, lt.d.stream)
}

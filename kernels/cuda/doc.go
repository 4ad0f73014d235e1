// Package cuda is the CUDA backend of the tensor engine: a tensor.Device
// on an NVIDIA GPU, built without cgo.
//
//   - The driver API (libcuda.so.1) is opened at run time with purego;
//     every call's CUresult becomes an *Error naming the call and the
//     driver's name and description of the code (driver.go).
//   - The kernels are ours (kernels/src/*.cu), compiled to compute_80 PTX
//     by `make kernels`, embedded from kernels/ptx and JIT-loaded by the
//     driver on first use (ptxindex.go, launch.go).
//   - GEMMs go through cuBLASLt (found via CUDA_HOME, /usr/local/cuda/lib64,
//     LD_LIBRARY_PATH and pip's nvidia/cublas/lib, libs.go), with a tiled
//     fallback kernel when it is missing (matmul.go, matmul_cublaslt.go).
//   - Memory comes from a caching allocator (alloc.go): after a training
//     step's first pass every request is served from the cache, and an
//     out-of-memory error says how much was asked and how much is free.
//
// Available reports whether a driver and a device are present (and
// UnavailableReason why not); New opens a device with Options (the zero
// value is the default: synchronising after every kernel, forcing the
// fallback GEMM and choosing the attention kernels are switches there, set
// by the commands' flags; the package reads no environment variable for
// them). KernelPath says which GEMM and attention kernels a device runs.
// Without a driver the package still builds, vets and runs its CPU-side
// tests; GPU tests skip.
//
// Launch helpers for kernel launchers in this package (see launch.go):
// d.function(name) looks a kernel up by its PTX .entry name and
// d.launch(name, grid, block, shmem, args...) / d.launchFunc(fn, ...)
// queue it on the device's stream, from inside d.run (or after d.enter).
package cuda

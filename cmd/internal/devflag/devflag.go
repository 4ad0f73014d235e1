// Package devflag defines the device flags that train and experiment
// share: -device and the CUDA device's switches (cuda.Options). Each switch
// defaults to its CUDA_HARNESS_* environment variable ("1" turns it on), so
// the commands are the only place the environment is read for them.
package devflag

import (
	"flag"
	"fmt"

	"github.com/empirical-scaling/harness/kernels"
	"github.com/empirical-scaling/harness/kernels/cuda"
	"github.com/empirical-scaling/harness/tensor"
)

// Flags are the parsed device flags.
type Flags struct {
	// Device is the -device value: cpu, cuda, cuda:N or auto.
	Device string
	// CUDA are the CUDA device's switches.
	CUDA cuda.Options
}

// switches are the boolean CUDA flags: name, environment variable, field, help.
func (f *Flags) switches() []struct {
	name, env string
	v         *bool
	help      string
} {
	return []struct {
		name, env string
		v         *bool
		help      string
	}{
		{"cuda-sync", "CUDA_HARNESS_SYNC", &f.CUDA.Sync, "CUDA: synchronise after every kernel, so an asynchronous fault names its kernel (slow; for debugging)"},
		{"no-cublaslt", "CUDA_HARNESS_NO_CUBLASLT", &f.CUDA.NoCublasLt, "CUDA: run every matrix product on the built-in GEMM kernel instead of cuBLASLt (slow)"},
		{"no-flash", "CUDA_HARNESS_NO_FLASH", &f.CUDA.NoFlash, "CUDA: run attention on the plain kernels instead of the flash kernels"},
		{"flash-f32", "CUDA_HARNESS_FLASH_F32", &f.CUDA.FlashF32, "CUDA: use the flash kernels for float32 attention too (bf16 accuracy)"},
		{"flash-atomic-dq", "CUDA_HARNESS_FLASH_ATOMIC_DQ", &f.CUDA.FlashAtomicDQ, "CUDA: FlashAttention-2's faster backward, dQ added with atomics (not bit-reproducible)"},
	}
}

// Register defines -device (with deviceHelp) and the CUDA switches on fs.
// getenv (os.Getenv in the commands) gives each switch's default.
func Register(fs *flag.FlagSet, deviceHelp string, getenv func(string) string) *Flags {
	f := &Flags{}
	fs.StringVar(&f.Device, "device", "auto", deviceHelp)
	for _, s := range f.switches() {
		on := getenv(s.env) == "1"
		fs.BoolVar(s.v, s.name, on, s.help+" (default from "+s.env+"=1)")
	}
	return f
}

// Check reports a -device value Open would refuse by its name.
func (f *Flags) Check() error {
	if err := kernels.CheckName(f.Device); err != nil {
		return fmt.Errorf("-%w", err)
	}
	return nil
}

// Open opens the one device the flags select (kernels.Open); its errors
// start with the flag, e.g. "-device cuda: no usable GPU: ...".
func (f *Flags) Open() (tensor.Device, error) {
	d, err := kernels.Open(f.Device, f.CUDA)
	if err != nil {
		return nil, fmt.Errorf("-%w", err) // kernels' errors start "device ..."
	}
	return d, nil
}

// OpenAll opens every device a sweep on kind (cpu, cuda or auto) trains on
// (kernels.OpenAll), with the flags' CUDA switches.
func (f *Flags) OpenAll(kind string) ([]tensor.Device, func(), error) {
	devs, closeAll, err := kernels.OpenAll(kind, f.CUDA)
	if err != nil {
		return nil, nil, fmt.Errorf("-%w", err)
	}
	return devs, closeAll, nil
}

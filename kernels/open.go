package kernels

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/empirical-scaling/harness/kernels/cpu"
	"github.com/empirical-scaling/harness/kernels/cuda"
	"github.com/empirical-scaling/harness/tensor"
)

// Open opens the device name selects:
//
//   - "cpu": the CPU device;
//   - "cuda": the first GPU, "cuda:N" GPU N (an error, saying why, when no
//     GPU is usable);
//   - "auto": the first GPU when a CUDA driver and a GPU of compute
//     capability 8.0 or newer are usable, the CPU otherwise.
//
// opts applies to a CUDA device (the zero value is the default); the CPU
// has no switches. A CUDA device is released by its Close method (see
// Close).
func Open(name string, opts cuda.Options) (tensor.Device, error) {
	kind, ordinal, err := parse(name)
	if err != nil {
		return nil, err
	}
	if kind == "auto" {
		kind = "cpu"
		if cuda.Available() {
			kind = "cuda"
		}
	}
	if kind == "cpu" {
		return cpu.New(), nil
	}
	if !cuda.Available() {
		return nil, fmt.Errorf("device %s: no usable GPU: %s", name, cuda.UnavailableReason())
	}
	d, err := cuda.New(ordinal, opts)
	if err != nil {
		return nil, fmt.Errorf("device %s: %w", name, err)
	}
	return d, nil
}

// OpenAll opens the devices a sweep trains on, one run per device at a
// time: for "cpu" the CPU; for "cuda" every GPU; for "auto" every GPU if
// one is usable, else the CPU; for "cuda:N" GPU N alone. closeAll releases
// them.
func OpenAll(name string, opts cuda.Options) (devs []tensor.Device, closeAll func(), err error) {
	kind, _, err := parse(name)
	if err != nil {
		return nil, nil, err
	}
	if kind == "auto" && !cuda.Available() || kind == "cpu" || strings.HasPrefix(name, "cuda:") {
		d, err := Open(name, opts)
		if err != nil {
			return nil, nil, err
		}
		return []tensor.Device{d}, func() { Close(d) }, nil
	}
	closeAll = func() {
		for _, d := range devs {
			Close(d)
		}
	}
	n := cuda.DeviceCount()
	if n == 0 {
		return nil, nil, fmt.Errorf("device %s: no usable GPU: %s", name, cuda.UnavailableReason())
	}
	for i := range n {
		d, err := Open("cuda:"+strconv.Itoa(i), opts)
		if err != nil {
			closeAll()
			return nil, nil, err
		}
		devs = append(devs, d)
	}
	return devs, closeAll, nil
}

// Close releases d when it holds resources (a CUDA device); the CPU
// device needs no closing.
func Close(d tensor.Device) {
	if c, ok := d.(interface{ Close() error }); ok {
		_ = c.Close()
	}
}

// CheckName returns the error Open would give for a device name it does
// not know, without opening anything.
func CheckName(name string) error {
	_, _, err := parse(name)
	return err
}

// parse splits a device name into its kind (cpu, cuda or auto) and GPU
// ordinal.
func parse(name string) (kind string, ordinal int, err error) {
	switch name {
	case "cpu", "cuda", "auto":
		return name, 0, nil
	}
	if rest, ok := strings.CutPrefix(name, "cuda:"); ok {
		n, err := strconv.Atoi(rest)
		if err != nil || n < 0 {
			return "", 0, fmt.Errorf("device %q: want cuda:N with N a GPU number (0, 1, ...)", name)
		}
		return "cuda", n, nil
	}
	return "", 0, fmt.Errorf("device %q: want cpu, cuda, cuda:N or auto", name)
}

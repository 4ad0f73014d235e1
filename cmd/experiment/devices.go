package main

import (
	"errors"
	"fmt"
	"runtime"

	"github.com/empirical-scaling/harness/experiment"
	"github.com/empirical-scaling/harness/kernels/cpu"
	"github.com/empirical-scaling/harness/kernels/cuda"
	"github.com/empirical-scaling/harness/tensor"
)

// gpuProbe is what the machine offers: CUDA devices, or why there are none.
type gpuProbe struct {
	count  int
	reason string
}

func probeCUDA() gpuProbe {
	if !cuda.Available() {
		return gpuProbe{reason: cuda.UnavailableReason()}
	}
	return gpuProbe{count: cuda.DeviceCount()}
}

// gridChoice is the grid and device kind a sweep runs with, and why.
type gridChoice struct {
	grid, device, why string
}

// chooseGrid resolves -grid auto and -device auto: the anchors grid on
// the GPUs when CUDA is usable, the tiny grid on the CPU otherwise.
func chooseGrid(grid, device string, gpu gpuProbe) (gridChoice, error) {
	c := gridChoice{grid: grid, device: device}
	switch device {
	case "cuda":
		if gpu.count == 0 {
			return c, fmt.Errorf("-device cuda: no usable GPU: %s", gpu.reason)
		}
	case "auto":
		c.device = "cpu"
		if gpu.count > 0 {
			c.device = "cuda"
		}
	}
	where := fmt.Sprintf("the CPU (%d cores)", runtime.GOMAXPROCS(0))
	if c.device == "cuda" {
		where = fmt.Sprintf("%d CUDA GPU(s), one run per GPU at a time", gpu.count)
	}
	switch {
	case grid != experiment.GridAuto:
		c.why = "as asked; training on " + where
	case c.device == "cuda":
		c.grid = experiment.GridAnchors
		c.why = fmt.Sprintf("-grid auto found %s, so it trains the seed's anchors (3M, 10M, 30M) on TinyStories", where)
	case device == "cpu":
		c.grid = experiment.GridTiny
		c.why = "-grid auto with -device cpu: the tiny grid on the built-in synthetic stories, on " + where
	default:
		c.grid = experiment.GridTiny
		c.why = fmt.Sprintf("-grid auto found no CUDA GPU (%s), so it trains the tiny grid on the built-in synthetic stories on %s", gpu.reason, where)
	}
	return c, nil
}

// openDevices opens the CPU, or every CUDA device.
func openDevices(kind string) ([]tensor.Device, func(), error) {
	if kind == "cpu" {
		return []tensor.Device{cpu.New()}, func() {}, nil
	}
	var devs []tensor.Device
	var gpus []*cuda.Device
	closeAll := func() {
		for _, d := range gpus {
			d.Close()
		}
	}
	for i := 0; i < cuda.DeviceCount(); i++ {
		d, err := cuda.New(i)
		if err != nil {
			closeAll()
			return nil, nil, fmt.Errorf("open CUDA device %d: %w", i, err)
		}
		gpus = append(gpus, d)
		devs = append(devs, d)
	}
	if len(devs) == 0 {
		return nil, nil, errors.New("no CUDA device to open")
	}
	return devs, closeAll, nil
}

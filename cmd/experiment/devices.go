package main

import (
	"fmt"
	"runtime"

	"github.com/empirical-scaling/harness/experiment"
	"github.com/empirical-scaling/harness/kernels/cuda"
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
		c.why = "-grid auto with -device cpu: the tiny grid on the built-in knowledge chronicle, on " + where
	default:
		c.grid = experiment.GridTiny
		c.why = fmt.Sprintf("-grid auto found no CUDA GPU (%s), so it trains the tiny grid on the built-in knowledge chronicle on %s", gpu.reason, where)
	}
	return c, nil
}

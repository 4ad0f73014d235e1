package cpu_test

import (
	"testing"

	"github.com/empirical-scaling/harness/kernels/cpu"
	"github.com/empirical-scaling/harness/tensor/devicetest"
)

func TestConformance(t *testing.T) {
	devicetest.Run(t, cpu.New(), devicetest.Options{})
}

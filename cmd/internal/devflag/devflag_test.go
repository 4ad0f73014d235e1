package devflag

import (
	"flag"
	"io"
	"testing"

	"github.com/empirical-scaling/harness/kernels/cuda"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFlagsAndEnvironmentDefaults(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want Flags
	}{
		{"defaults", nil, nil, Flags{Device: "auto"}},
		{"flags", nil, []string{"-device", "cuda:1", "-cuda-sync", "-no-cublaslt", "-no-flash", "-flash-f32", "-flash-atomic-dq"},
			Flags{Device: "cuda:1", CUDA: cuda.Options{Sync: true, NoCublasLt: true, NoFlash: true, FlashF32: true, FlashAtomicDQ: true}}},
		{"environment", map[string]string{"CUDA_HARNESS_NO_FLASH": "1", "CUDA_HARNESS_SYNC": "1", "CUDA_HARNESS_FLASH_F32": "0"}, nil,
			Flags{Device: "auto", CUDA: cuda.Options{NoFlash: true, Sync: true}}},
		{"a flag overrides the environment", map[string]string{"CUDA_HARNESS_NO_FLASH": "1"}, []string{"-no-flash=false"},
			Flags{Device: "auto"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := flag.NewFlagSet("x", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			f := Register(fs, "device", func(k string) string { return tt.env[k] })
			require.NoError(t, fs.Parse(tt.args))
			assert.Equal(t, tt.want, *f)
		})
	}
}

func TestOpenNamesTheFlag(t *testing.T) {
	f := &Flags{Device: "tpu"}
	require.ErrorContains(t, f.Check(), `-device "tpu": want`)
	_, err := f.Open()
	require.ErrorContains(t, err, `-device "tpu": want cpu, cuda, cuda:N or auto`)
	if !cuda.Available() {
		f.Device = "cuda"
		_, err = f.Open()
		require.ErrorContains(t, err, "-device cuda: no usable GPU")
	}
	f.Device = "cpu"
	d, err := f.Open()
	require.NoError(t, err)
	assert.Equal(t, "cpu", d.Name())
}

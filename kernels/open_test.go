package kernels

import (
	"testing"

	"github.com/empirical-scaling/harness/kernels/cuda"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOpen(t *testing.T) {
	gpu := cuda.Available()
	tests := []struct {
		name    string
		want    string // device name prefix ("" for an error)
		wantErr string
	}{
		{"cpu", "cpu", ""},
		{"tpu", "", `device "tpu": want cpu, cuda, cuda:N or auto`},
		{"cuda:x", "", `device "cuda:x": want cuda:N`},
		{"cuda:-1", "", `device "cuda:-1": want cuda:N`},
	}
	if gpu {
		tests = append(tests, struct{ name, want, wantErr string }{"auto", "cuda:0", ""},
			struct{ name, want, wantErr string }{"cuda", "cuda:0", ""})
	} else {
		reason := cuda.UnavailableReason()
		tests = append(tests, struct{ name, want, wantErr string }{"auto", "cpu", ""},
			struct{ name, want, wantErr string }{"cuda", "", "device cuda: no usable GPU: " + reason},
			struct{ name, want, wantErr string }{"cuda:1", "", "device cuda:1: no usable GPU: " + reason})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Open(tt.name, cuda.Options{})
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			defer Close(d)
			assert.Contains(t, d.Name(), tt.want)
		})
	}
}

func TestOpenAll(t *testing.T) {
	devs, closeAll, err := OpenAll("cpu", cuda.Options{})
	require.NoError(t, err)
	require.Len(t, devs, 1)
	assert.Equal(t, "cpu", devs[0].Name())
	closeAll()

	devs, closeAll, err = OpenAll("auto", cuda.Options{})
	require.NoError(t, err)
	defer closeAll()
	if cuda.Available() {
		assert.Len(t, devs, cuda.DeviceCount())
	} else {
		require.Len(t, devs, 1)
		assert.Equal(t, "cpu", devs[0].Name())
		_, _, err := OpenAll("cuda", cuda.Options{})
		require.ErrorContains(t, err, "no usable GPU")
	}
	_, _, err = OpenAll("gpu", cuda.Options{})
	require.ErrorContains(t, err, `device "gpu"`)
	require.ErrorContains(t, CheckName("gpu"), `device "gpu": want`)
	require.NoError(t, CheckName("cuda:3"))
}

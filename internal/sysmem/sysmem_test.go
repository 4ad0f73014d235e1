package sysmem

import (
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseMemAvailable(t *testing.T) {
	in := "MemTotal:       24576000 kB\nMemFree:         1000000 kB\nMemAvailable:   12288000 kB\nBuffers: 1 kB\n"
	n, err := parseMemAvailable(strings.NewReader(in))
	require.NoError(t, err)
	assert.Equal(t, int64(12288000)<<10, n)
	for _, bad := range []string{"MemTotal: 1 kB\n", "MemAvailable: lots kB\n", "MemAvailable: 12 MB\n"} {
		_, err := parseMemAvailable(strings.NewReader(bad))
		assert.ErrorIs(t, err, ErrUnknown, bad)
	}
}

func TestAvailableOnLinux(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("/proc/meminfo is Linux's")
	}
	n, err := Available()
	require.NoError(t, err)
	assert.Greater(t, n, int64(1<<20))
}

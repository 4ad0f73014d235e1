package progress

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBarNeverFails(t *testing.T) {
	tests := []struct {
		name  string
		total int64
	}{{"exact", 10}, {"underestimated", 3}, {"unknown", -1}}
	for _, tc := range tests {
		var out bytes.Buffer
		b := New(&out, tc.total, "desc")
		for i := 0; i < 10; i++ {
			n, err := b.Write([]byte{1})
			require.NoError(t, err, tc.name)
			assert.Equal(t, 1, n)
		}
		b.Done()
		assert.Contains(t, out.String(), "desc", tc.name)
	}
}

func TestNilBar(t *testing.T) {
	b := New(nil, 10, "x")
	assert.Nil(t, b)
	n, err := b.Write(make([]byte, 5))
	require.NoError(t, err)
	assert.Equal(t, 5, n)
	b.Set(3)
	b.Done()
}

func TestFinishCompletesAnEstimate(t *testing.T) {
	var out bytes.Buffer
	b := New(&out, 100, "enc")
	_, _ = b.Write(make([]byte, 60))
	b.Finish()
	assert.Contains(t, out.String(), "100%")
	var nilBar *Bar
	nilBar.Finish()
}

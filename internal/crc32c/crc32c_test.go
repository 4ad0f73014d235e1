package crc32c

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// The check value of CRC-32C (RFC 3720, appendix B.4) for "123456789".
func TestCheckValue(t *testing.T) {
	require.Equal(t, uint32(0xE3069283), Checksum([]byte("123456789")))
	h := New()
	h.Write([]byte("1234"))
	h.Write([]byte("56789"))
	require.Equal(t, uint32(0xE3069283), h.Sum32())
}

//go:build linux || darwin

package mmap

import (
	"os"
	"syscall"
)

// Map maps size bytes of f read-only and returns them with the function
// that unmaps them. size must be > 0.
func Map(f *os.File, size int64) ([]byte, func() error, error) {
	b, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, nil, err
	}
	return b, func() error { return syscall.Munmap(b) }, nil
}

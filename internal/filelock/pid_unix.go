//go:build unix

package filelock

import (
	"errors"
	"syscall"
)

// pidAlive says whether a process with this pid exists on this host
// (EPERM: it exists but belongs to another user).
func pidAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

//go:build unix

package tokenizer

import (
	"syscall"
	"time"
)

// processCPU is the user+system CPU time this process has used so far, all
// threads (GC included). Dividing work by it gives a per-core speed that
// other processes competing for the cores do not distort. It returns 0
// where getrusage is unavailable.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

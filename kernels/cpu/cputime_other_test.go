//go:build !unix

package cpu_test

import "time"

// processCPUTime is not available here: 0 turns the CPU-time metrics off.
func processCPUTime() time.Duration { return 0 }

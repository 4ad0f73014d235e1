//go:build !unix

package experiment

import "time"

// processCPU is not measured off Unix; the CPU-time MFU is then not reported.
func processCPU() time.Duration { return 0 }

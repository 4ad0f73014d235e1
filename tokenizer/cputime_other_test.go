//go:build !unix

package tokenizer

import "time"

// processCPU is unavailable here; benchmarks then skip their CPU metrics.
func processCPU() time.Duration { return 0 }

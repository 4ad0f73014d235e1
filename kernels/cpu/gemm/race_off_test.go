//go:build !race

package gemm

// raceEnabled: the race detector is off.
const raceEnabled = false

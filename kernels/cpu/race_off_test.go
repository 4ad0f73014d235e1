//go:build !race

package cpu_test

// raceEnabled: the race detector is off.
const raceEnabled = false

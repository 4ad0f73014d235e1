// Package sysmem reads how much host memory a new allocation can use.
package sysmem

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// ErrUnknown is returned where the system does not say (no /proc/meminfo).
var ErrUnknown = errors.New("available memory unknown")

// Available returns the host memory available to new allocations without
// swapping: MemAvailable of /proc/meminfo, in bytes.
func Available() (int64, error) {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrUnknown, err)
	}
	defer f.Close()
	return parseMemAvailable(f)
}

// parseMemAvailable reads the "MemAvailable: N kB" line.
func parseMemAvailable(r io.Reader) (int64, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "MemAvailable:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("%w: /proc/meminfo line %q", ErrUnknown, sc.Text())
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%w: /proc/meminfo line %q", ErrUnknown, sc.Text())
		}
		return kb << 10, nil
	}
	return 0, fmt.Errorf("%w: no MemAvailable in /proc/meminfo", ErrUnknown)
}

package cuda

import (
	"fmt"
	"sync"
)

var (
	driverOnce sync.Once
	sharedDrv  *driver
	driverErr  error
)

// loadedDriver opens libcuda and runs cuInit once per process.
func loadedDriver() (*driver, error) {
	driverOnce.Do(func() {
		d, err := loadDriver()
		if err != nil {
			driverErr = err
			return
		}
		if err := d.init(); err != nil {
			driverErr = fmt.Errorf("cuda: driver loaded but did not initialise: %w", err)
			return
		}
		n, err := d.deviceCount()
		if err != nil {
			driverErr = err
			return
		}
		if n == 0 {
			driverErr = fmt.Errorf("cuda: the driver loaded but reports no CUDA device")
			return
		}
		sharedDrv = d
	})
	return sharedDrv, driverErr
}

// Available reports whether a CUDA driver loads and has at least one device.
func Available() bool {
	_, err := loadedDriver()
	return err == nil
}

// UnavailableReason says why Available is false ("" when it is true), e.g.
// that libcuda.so.1 could not be opened.
func UnavailableReason() string {
	if _, err := loadedDriver(); err != nil {
		return err.Error()
	}
	return ""
}

// DeviceCount returns the number of CUDA devices (0 without a driver).
func DeviceCount() int {
	d, err := loadedDriver()
	if err != nil {
		return 0
	}
	n, err := d.deviceCount()
	if err != nil {
		return 0
	}
	return n
}

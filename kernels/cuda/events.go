package cuda

import "fmt"

// timer measures device time between two points on the device's stream
// with CUDA events (used by the benchmarks; call with the device not entered).
type timer struct {
	d          *Device
	start, end uintptr
}

// newTimer creates a pair of events.
func (d *Device) newTimer() (*timer, error) {
	t := &timer{d: d}
	err := d.run(func() error {
		var err error
		if t.start, err = d.drv.eventCreate(); err != nil {
			return err
		}
		t.end, err = d.drv.eventCreate()
		return err
	})
	return t, err
}

// mark records the start (begin) or the end event on the stream.
func (t *timer) mark(begin bool) error {
	e := t.end
	if begin {
		e = t.start
	}
	return t.d.run(func() error { return t.d.drv.eventRecord(e, t.d.stream) })
}

// seconds waits for the end event and returns the device time between the two marks.
func (t *timer) seconds() (float64, error) {
	var ms float32
	err := t.d.run(func() error {
		if err := t.d.drv.eventSync(t.end); err != nil {
			return err
		}
		var err error
		ms, err = t.d.drv.eventElapsed(t.start, t.end)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("cuda: event timing: %w", err)
	}
	return float64(ms) / 1e3, nil
}

// close destroys the events.
func (t *timer) close() error {
	return t.d.run(func() error {
		if err := t.d.drv.eventDestroy(t.start); err != nil {
			return err
		}
		return t.d.drv.eventDestroy(t.end)
	})
}

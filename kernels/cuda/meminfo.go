package cuda

// FreeMemory reports how much memory a new run can still use on the
// device: the driver's free memory (cuMemGetInfo) plus the blocks this
// device's caching allocator holds but has not handed out; and the
// device's total memory.
func (d *Device) FreeMemory() (free, total int64, err error) {
	leave, err := d.enter()
	if err != nil {
		return 0, 0, err
	}
	defer leave()
	f, t, err := d.drv.memGetInfo()
	if err != nil {
		return 0, 0, err
	}
	s := d.alloc.stats()
	return int64(f) + s.ReservedBytes - s.LiveBytes, int64(t), nil
}

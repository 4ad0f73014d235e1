package devicetest

import (
	"testing"

	"github.com/empirical-scaling/harness/tensor"
)

// allocator checks Alloc's buffers and the caching contract: freeing and
// re-allocating the same dtypes and lengths (a training step) costs no new
// system allocation, and LiveBytes counts the buffers handed out (at least
// their size) and drops back when they are freed.
func (s *suite) allocator(t *testing.T) {
	if s.dev.Name() == "" {
		t.Error("Name is empty")
	}
	if err := s.dev.Sync(); err != nil {
		t.Errorf("Sync: %v", err)
	}
	sizes := []struct {
		dt tensor.DType
		n  int
	}{{tensor.Float32, 1}, {tensor.Float32, 1000}, {tensor.BFloat16, 333}, {tensor.Int32, 17}, {tensor.Float32, 1000}}
	base := s.dev.MemStats()
	var allocs int64
	for step := range 4 {
		var bufs []tensor.Buffer
		var bytes int64
		for _, sz := range sizes {
			b, err := s.dev.Alloc(sz.dt, sz.n)
			if err != nil {
				t.Fatalf("Alloc(%s, %d): %v", sz.dt, sz.n, err)
			}
			if b.Len() != sz.n || b.DType() != sz.dt {
				t.Fatalf("Alloc(%s, %d) gave a buffer of %d %s", sz.dt, sz.n, b.Len(), b.DType())
			}
			bufs = append(bufs, b)
			bytes += int64(sz.n * sz.dt.Size())
		}
		st := s.dev.MemStats()
		// A device may round sizes up; it may not count less than it gave.
		if got := st.LiveBytes - base.LiveBytes; got < bytes {
			t.Errorf("step %d: LiveBytes grew by %d for %d bytes of buffers", step, got, bytes)
		}
		if st.ReservedBytes < st.LiveBytes {
			t.Errorf("step %d: ReservedBytes %d < LiveBytes %d", step, st.ReservedBytes, st.LiveBytes)
		}
		for _, b := range bufs {
			s.dev.Free(b)
		}
		st = s.dev.MemStats()
		if st.LiveBytes != base.LiveBytes {
			t.Errorf("step %d: LiveBytes %d after freeing everything, want %d", step, st.LiveBytes, base.LiveBytes)
		}
		if step == 0 {
			allocs = st.SystemAllocs
		} else if st.SystemAllocs != allocs {
			t.Errorf("step %d: SystemAllocs went from %d to %d: freed buffers are not reused", step, allocs, st.SystemAllocs)
		}
	}
}

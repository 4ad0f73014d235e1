// Package progress wraps schollz/progressbar as a byte counter that can
// never fail the work it reports on.
package progress

import (
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
)

// Bar counts bytes written to it onto a progress bar. A nil *Bar, from a
// nil destination, accepts and ignores everything.
type Bar struct {
	bar   *progressbar.ProgressBar
	out   io.Writer
	total int64
	n     int64
}

// New returns a bar on out (nil: none) for total bytes (-1: unknown).
func New(out io.Writer, total int64, desc string) *Bar {
	if out == nil {
		return nil
	}
	b := progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(out),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionShowBytes(true),
		progressbar.OptionShowTotalBytes(true),
		progressbar.OptionShowCount(),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionSetPredictTime(true),
	)
	return &Bar{bar: b, out: out, total: total}
}

// Set moves the bar to n bytes (for a resumed download).
func (b *Bar) Set(n int64) {
	if b == nil {
		return
	}
	b.grow(n)
	b.n = n
	_ = b.bar.Set64(n)
}

// Write counts len(p) bytes; it never fails.
func (b *Bar) Write(p []byte) (int, error) {
	if b == nil {
		return len(p), nil
	}
	b.grow(b.n + int64(len(p)))
	b.n += int64(len(p))
	_ = b.bar.Add64(int64(len(p)))
	return len(p), nil
}

// grow raises an estimated total that turned out too small.
func (b *Bar) grow(n int64) {
	if b.total >= 0 && n > b.total {
		b.total = n
		b.bar.ChangeMax64(n)
	}
}

// Finish marks the work complete (the total was an estimate) and ends
// the bar's line.
func (b *Bar) Finish() {
	if b == nil {
		return
	}
	if b.total >= 0 && b.n != b.total {
		b.total = b.n
		b.bar.ChangeMax64(b.n)
	}
	_ = b.bar.Finish()
	b.Done()
}

// Done ends the bar's line where it stands.
func (b *Bar) Done() {
	if b == nil {
		return
	}
	_ = b.bar.Exit()
	fmt.Fprintln(b.out)
}

// Package download fetches a file over HTTP into a cache: it resumes an
// interrupted transfer with a Range request, shows a progress bar, writes
// to a temporary ".part" file that is renamed into place only when
// complete, records the size and SHA-256 of what it got next to the file,
// and re-verifies that record on every later use.
package download

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/empirical-scaling/harness/data/internal/progress"
)

// ErrChecksum is wrapped when a cached file no longer matches its record.
var ErrChecksum = errors.New("checksum mismatch")

// Options tune a download; the zero value is ready to use.
type Options struct {
	Client   *http.Client  // nil: a client without an overall timeout
	Progress io.Writer     // progress bar destination; nil: none
	Label    string        // progress bar description; "" = file name
	Attempts int           // tries, each resuming the last; 0 = 4
	Backoff  time.Duration // wait before try k is k×Backoff; 0 = 1s
	// Stall ends a try when no byte arrives for this long (the next try
	// resumes); 0 = 2 minutes.
	Stall time.Duration
}

func (o Options) stall() time.Duration {
	if o.Stall <= 0 {
		return 2 * time.Minute
	}
	return o.Stall
}

func (o Options) attempts() int {
	if o.Attempts <= 0 {
		return 4
	}
	return o.Attempts
}

func (o Options) backoff() time.Duration {
	if o.Backoff <= 0 {
		return time.Second
	}
	return o.Backoff
}

func (o Options) client() *http.Client {
	if o.Client != nil {
		return o.Client
	}
	return http.DefaultClient
}

// statusError is an HTTP answer that retrying will not fix.
type statusError struct {
	url    string
	status string
}

func (e *statusError) Error() string {
	return fmt.Sprintf("GET %s: server answered %s", e.url, e.status)
}

// permanentError is a failure to reach the server at all.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// File makes sure dest holds the file at url and returns its record.
// A file already at dest is verified against its record (and recorded
// if it was placed there by hand); otherwise it is downloaded, resuming
// dest+".part" if an earlier try left one.
func File(ctx context.Context, url, dest string, opts Options) (Record, error) {
	if _, err := os.Stat(dest); err == nil {
		return VerifyOrRecord(dest, url)
	}
	part := dest + ".part"
	var lastErr error
	for try := 1; try <= opts.attempts(); try++ {
		if try > 1 {
			slog.Warn("download interrupted, resuming", "url", url, "try", try, "err", lastErr)
			select {
			case <-ctx.Done():
				return Record{}, fmt.Errorf("download %s: %w", url, ctx.Err())
			case <-time.After(time.Duration(try-1) * opts.backoff()):
			}
		}
		lastErr = fetchOnce(ctx, url, part, opts)
		if lastErr == nil {
			break
		}
		var se *statusError
		var pe *permanentError
		if errors.As(lastErr, &se) || errors.As(lastErr, &pe) || ctx.Err() != nil {
			return Record{}, lastErr
		}
	}
	if lastErr != nil {
		if st, err := os.Stat(part); err == nil && st.Size() > 0 {
			return Record{}, fmt.Errorf("%w (gave up after %d tries; the %d bytes in %s are kept and the next run resumes them)", lastErr, opts.attempts(), st.Size(), part)
		}
		return Record{}, fmt.Errorf("%w (gave up after %d tries)", lastErr, opts.attempts())
	}
	if err := os.Rename(part, dest); err != nil {
		return Record{}, fmt.Errorf("download %s: move into place: %w", url, err)
	}
	return record(dest, url)
}

// fetchOnce appends what the server sends to part, resuming from its
// current length, and checks that the file reached the announced size.
func fetchOnce(ctx context.Context, url, part string, opts Options) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// The watchdog cancels the try when the server goes quiet.
	var stalled atomic.Bool
	watchdog := time.AfterFunc(opts.stall(), func() { stalled.Store(true); cancel() })
	defer watchdog.Stop()
	err := fetchWatched(ctx, url, part, opts, func() { watchdog.Reset(opts.stall()) })
	if err != nil && stalled.Load() {
		return fmt.Errorf("download %s: no data for %s: %w", url, opts.stall(), err)
	}
	return err
}

// fetchWatched is fetchOnce's work; alive is called whenever bytes arrive.
func fetchWatched(ctx context.Context, url, part string, opts Options, alive func()) error {
	var off int64
	if st, err := os.Stat(part); err == nil {
		off = st.Size()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("download %s: %w", url, err)
	}
	if off > 0 {
		req.Header.Set("Range", "bytes="+strconv.FormatInt(off, 10)+"-")
	}
	resp, err := opts.client().Do(req)
	if err != nil {
		var op *net.OpError
		var dns *net.DNSError
		if errors.As(err, &dns) || errors.As(err, &op) && op.Op == "dial" {
			// No route to the server: retrying will not help, say so now.
			return &permanentError{fmt.Errorf("download: %w", err)}
		}
		return fmt.Errorf("download: %w", err)
	}
	defer resp.Body.Close()

	total := int64(-1)
	switch {
	case resp.StatusCode == http.StatusPartialContent && off > 0:
		start, size, ok := parseContentRange(resp.Header.Get("Content-Range"))
		if !ok || start != off {
			// Not the piece we asked for: start again from the beginning.
			return restart(part, fmt.Errorf("download %s: server sent range %q for a resume at %d", url, resp.Header.Get("Content-Range"), off))
		}
		total = size
	case resp.StatusCode == http.StatusOK:
		off = 0 // the server ignored the Range header, or none was sent
		if resp.ContentLength >= 0 {
			total = resp.ContentLength
		}
	case resp.StatusCode == http.StatusRequestedRangeNotSatisfiable:
		if size, ok := parseUnsatisfiedRange(resp.Header.Get("Content-Range")); ok && size == off {
			return nil // the part was already complete
		}
		return restart(part, fmt.Errorf("download %s: server cannot resume at byte %d", url, off))
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusRequestTimeout:
		return fmt.Errorf("download %s: server answered %s", url, resp.Status)
	default:
		return &statusError{url: url, status: resp.Status}
	}

	flags := os.O_WRONLY | os.O_CREATE | os.O_APPEND
	if off == 0 {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(part, flags, 0o644)
	if err != nil {
		return fmt.Errorf("download %s: %w", url, err)
	}
	label := opts.Label
	if label == "" {
		label = strings.TrimSuffix(filepath.Base(part), ".part")
	}
	bar := progress.New(opts.Progress, total, label)
	bar.Set(off)
	n, copyErr := io.Copy(io.MultiWriter(f, bar), &aliveReader{r: resp.Body, alive: alive})
	bar.Done()
	syncErr := f.Sync()
	if cerr := f.Close(); syncErr == nil {
		syncErr = cerr
	}
	got := off + n
	switch {
	case copyErr != nil:
		return fmt.Errorf("download %s: connection lost after %d of %s bytes: %w", url, got, sizeText(total), copyErr)
	case syncErr != nil:
		return fmt.Errorf("download %s: write %s: %w", url, part, syncErr)
	case total >= 0 && got != total:
		return fmt.Errorf("download %s: truncated: got %d of %d bytes", url, got, total)
	}
	return nil
}

// aliveReader calls alive after every read that returned bytes.
type aliveReader struct {
	r     io.Reader
	alive func()
}

func (a *aliveReader) Read(p []byte) (int, error) {
	n, err := a.r.Read(p)
	if n > 0 {
		a.alive()
	}
	return n, err
}

func sizeText(total int64) string {
	if total < 0 {
		return "unknown"
	}
	return strconv.FormatInt(total, 10)
}

// restart removes a partial file that cannot be resumed and returns why.
func restart(part string, why error) error {
	if err := os.Remove(part); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%v; remove %s: %w", why, part, err)
	}
	return why
}

// parseUnsatisfiedRange reads the "bytes */TOTAL" of a 416 answer.
func parseUnsatisfiedRange(v string) (int64, bool) {
	rest, ok := strings.CutPrefix(v, "bytes */")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(rest, 10, 64)
	return n, err == nil
}

// parseContentRange reads "bytes START-END/TOTAL".
func parseContentRange(v string) (start, total int64, ok bool) {
	rest, found := strings.CutPrefix(v, "bytes ")
	if !found {
		return 0, 0, false
	}
	span, size, found := strings.Cut(rest, "/")
	if !found {
		return 0, 0, false
	}
	first, _, found := strings.Cut(span, "-")
	if !found {
		return 0, 0, false
	}
	start, err1 := strconv.ParseInt(first, 10, 64)
	total, err2 := strconv.ParseInt(size, 10, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	return start, total, true
}

// Package download fetches a file over HTTP into a cache: it resumes an
// interrupted transfer with a Range request, shows a progress bar, writes
// to a temporary ".part" file that only ever grows and is renamed into
// place only when complete and verified, records the size and SHA-256 of
// what it got next to the file, and re-verifies that record on every later
// use. What arrives is checked: a web page, a body whose length disagrees
// with what the server announced, or a file whose size or SHA-256 differs
// from the expected one (announced by a Hugging Face HEAD answer, or
// shipped by the caller) is refused with one line naming the URL, what was
// expected and what came.
package download

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
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

// ErrMismatch is wrapped when what a server sends (or a file placed by
// hand) is not the file that was expected: a web page, another size,
// another SHA-256. The error names the URL or file, what was expected and
// what came; a partial download is kept as it was.
var ErrMismatch = errors.New("refused")

// Expect is what a file is known to be before it is fetched; zero fields
// are unknown.
type Expect struct {
	Size   int64  // bytes; 0 = unknown
	SHA256 string // lower-case hex; "" = unknown
	// From says where the values come from, for records and messages
	// (e.g. "shipped" for values the code carries).
	From string
}

func (e Expect) known() bool { return e.Size > 0 || e.SHA256 != "" }

// matches reports whether a file of size bytes with SHA-256 sum is e.
func (e Expect) matches(size int64, sum string) bool {
	return (e.Size <= 0 || size == e.Size) && (e.SHA256 == "" || sum == e.SHA256)
}

// String describes e for messages.
func (e Expect) String() string {
	var s string
	switch {
	case e.Size > 0 && e.SHA256 != "":
		s = fmt.Sprintf("%d bytes with SHA-256 %s", e.Size, e.SHA256)
	case e.Size > 0:
		s = fmt.Sprintf("%d bytes", e.Size)
	case e.SHA256 != "":
		s = "SHA-256 " + e.SHA256
	default:
		return "the file itself"
	}
	if e.From != "" {
		s += " (" + e.From + ")"
	}
	return s
}

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
	// Expect is what the file is known to be (sizes and hashes the caller
	// ships); it is used when the server does not announce them itself,
	// and it checks a file placed by hand.
	Expect Expect
	// Hub asks the URL with HEAD first, as Hugging Face's "resolve" URLs
	// answer it: X-Linked-Size and X-Linked-Etag (the Git LFS object id,
	// the file's SHA-256) announce the file, and when they come they take
	// the place of Expect.
	Hub bool
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
	method, url string
	status      string
}

func (e *statusError) Error() string {
	return fmt.Sprintf("%s %s: server answered %s", e.method, e.url, e.status)
}

// permanentError is a failure that retrying will not fix: no route to the
// server, or an answer that is not the expected file.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// refuse is the permanent error for a response or file that is not the
// expected one.
func refuse(url, format string, args ...any) error {
	return &permanentError{fmt.Errorf("download %s: %w: %s", url, ErrMismatch, fmt.Sprintf(format, args...))}
}

// File makes sure dest holds the file at url and returns its record.
// A file already at dest is verified against its record (or, placed there
// by hand, against opts.Expect, and then recorded); otherwise it is
// downloaded, resuming dest+".part" if an earlier try left one. What
// arrives is checked before it is written (no web page, the announced
// size) and once complete (size and SHA-256 against what the server
// announced with HEAD, else opts.Expect); it is moved to dest only when
// it passes. A response that is not the expected file never shortens or
// replaces the .part.
func File(ctx context.Context, url, dest string, opts Options) (Record, error) {
	if _, err := os.Stat(dest); err == nil {
		return verifyCached(dest, url, opts.Expect)
	}
	want := opts.Expect
	if opts.Hub {
		announced, err := head(ctx, url, opts)
		if err != nil {
			return Record{}, err
		}
		if announced.known() {
			want = announced
		}
	}
	part := dest + ".part"
	if st, err := os.Stat(part); err == nil && want.Size > 0 && st.Size() > want.Size {
		return Record{}, refuse(url, "expected %s, but %s already holds %d bytes; delete it to download again", want, part, st.Size())
	}
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
		lastErr = fetchOnce(ctx, url, part, opts, want)
		if lastErr == nil {
			break
		}
		var se *statusError
		var pe *permanentError
		if errors.As(lastErr, &se) || errors.As(lastErr, &pe) || ctx.Err() != nil {
			return Record{}, keptNote(lastErr, part)
		}
	}
	if lastErr != nil {
		if st, err := os.Stat(part); err == nil && st.Size() > 0 {
			return Record{}, fmt.Errorf("%w (gave up after %d tries; the %d bytes in %s are kept and the next run resumes them)", lastErr, opts.attempts(), st.Size(), part)
		}
		return Record{}, fmt.Errorf("%w (gave up after %d tries)", lastErr, opts.attempts())
	}
	size, sum, crc, err := hashBoth(part)
	if err != nil {
		return Record{}, fmt.Errorf("download %s: %w", url, err)
	}
	if !want.matches(size, sum) {
		return Record{}, refuse(url, "expected %s, got %s; %s is kept: delete it to download again", want, contentText(size, sum), part)
	}
	if err := os.Rename(part, dest); err != nil {
		return Record{}, fmt.Errorf("download %s: move into place: %w", url, err)
	}
	rec := Record{URL: url, Size: size, SHA256: sum, CRC32C: crc, Checked: want.From, Fetched: time.Now().UTC()}
	if !want.known() {
		rec.Checked = ""
	}
	return rec, writeRecord(dest, rec)
}

// keptNote adds to a refusal that the partial download is kept.
func keptNote(err error, part string) error {
	if !errors.Is(err, ErrMismatch) {
		return err
	}
	if st, serr := os.Stat(part); serr == nil && st.Size() > 0 && !strings.Contains(err.Error(), part) {
		return fmt.Errorf("%w (the %d bytes in %s are kept)", err, st.Size(), part)
	}
	return err
}

// head asks url with HEAD, following redirects within its host (a renamed
// repository) but not to another host (the CDN a Hub file lives on), and
// returns the size and SHA-256 the answer announces in X-Linked-Size and
// X-Linked-Etag. A server that does not answer HEAD, or answers without
// those headers, announces nothing; a missing file or a refused access is
// an error, as the download would be.
func head(ctx context.Context, url string, opts Options) (Expect, error) {
	client := *opts.client()
	client.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		if req.URL.Host != via[0].URL.Host {
			return http.ErrUseLastResponse
		}
		return nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, url, nil)
	if err != nil {
		return Expect{}, fmt.Errorf("download %s: %w", url, err)
	}
	req.Header.Set("Accept-Encoding", "identity")
	resp, err := client.Do(req)
	if err != nil {
		if unreachable(err) {
			return Expect{}, &permanentError{fmt.Errorf("download: %w", err)}
		}
		slog.Debug("HEAD failed; the download goes on without the size and hash it announces", "url", url, "err", err)
		return Expect{}, nil
	}
	resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusNotFound, http.StatusGone, http.StatusUnauthorized, http.StatusForbidden:
		return Expect{}, &statusError{method: "HEAD", url: url, status: resp.Status}
	}
	if resp.StatusCode >= 400 {
		return Expect{}, nil
	}
	var e Expect
	var from []string
	if v := resp.Header.Get("X-Linked-Size"); v != "" {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || n <= 0 {
			return Expect{}, refuse(url, "HEAD announces X-Linked-Size %q, not a size", v)
		}
		e.Size = n
		from = append(from, "X-Linked-Size")
	}
	if v := resp.Header.Get("X-Linked-Etag"); v != "" {
		tag := strings.ToLower(strings.Trim(strings.TrimPrefix(strings.TrimSpace(v), "W/"), `"`))
		if isSHA256(tag) {
			e.SHA256 = tag
			from = append(from, "X-Linked-Etag")
		}
	}
	e.From = strings.Join(from, " and ")
	return e, nil
}

func isSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// unreachable reports whether err means no route to the server at all.
func unreachable(err error) bool {
	var op *net.OpError
	var dns *net.DNSError
	return errors.As(err, &dns) || errors.As(err, &op) && op.Op == "dial"
}

// fetchOnce appends what the server sends to part, resuming from its
// current length, and checks that the file reached the announced size.
func fetchOnce(ctx context.Context, url, part string, opts Options, want Expect) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// The watchdog cancels the try when the server goes quiet.
	var stalled atomic.Bool
	watchdog := time.AfterFunc(opts.stall(), func() { stalled.Store(true); cancel() })
	defer watchdog.Stop()
	err := fetchWatched(ctx, url, part, opts, want, func() { watchdog.Reset(opts.stall()) })
	if err != nil && stalled.Load() {
		return fmt.Errorf("download %s: no data for %s: %w", url, opts.stall(), err)
	}
	return err
}

// errTooLong is a body longer than the file can be.
var errTooLong = errors.New("more bytes than expected")

// fetchWatched is fetchOnce's work; alive is called whenever bytes arrive.
// It only ever appends to part.
func fetchWatched(ctx context.Context, url, part string, opts Options, want Expect, alive func()) error {
	var off int64
	if st, err := os.Stat(part); err == nil {
		off = st.Size()
	}
	if want.Size > 0 && off == want.Size {
		return nil // complete; the caller verifies it
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("download %s: %w", url, err)
	}
	// The bytes as stored: no transparent decompression, whose output
	// length no header announces.
	req.Header.Set("Accept-Encoding", "identity")
	if off > 0 {
		req.Header.Set("Range", "bytes="+strconv.FormatInt(off, 10)+"-")
	}
	resp, err := opts.client().Do(req)
	if err != nil {
		if unreachable(err) {
			// No route to the server: retrying will not help, say so now.
			return &permanentError{fmt.Errorf("download: %w", err)}
		}
		return fmt.Errorf("download: %w", err)
	}
	defer resp.Body.Close()

	total := int64(-1) // the file's size as this answer announces it
	var skip int64     // bytes of the body that part already holds
	switch {
	case resp.StatusCode == http.StatusPartialContent && off > 0:
		start, size, ok := parseContentRange(resp.Header.Get("Content-Range"))
		if !ok || start != off {
			return fmt.Errorf("download %s: server sent range %q for a resume at %d", url, resp.Header.Get("Content-Range"), off)
		}
		total = size
	case resp.StatusCode == http.StatusOK:
		// The whole file: none was asked for a range, or the server
		// ignored it; then what part holds is compared and skipped.
		skip = off
		if resp.ContentLength >= 0 {
			total = resp.ContentLength
		}
	case resp.StatusCode == http.StatusRequestedRangeNotSatisfiable:
		size, ok := parseUnsatisfiedRange(resp.Header.Get("Content-Range"))
		if ok && size == off {
			return nil // the part was already complete
		}
		announced := "an unknown number of"
		if ok {
			announced = strconv.FormatInt(size, 10)
		}
		return refuse(url, "the server cannot resume at byte %d (it announces %s bytes); %s is kept: delete it to download again", off, announced, part)
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusRequestTimeout:
		return fmt.Errorf("download %s: server answered %s", url, resp.Status)
	default:
		return &statusError{method: "GET", url: url, status: resp.Status}
	}
	// Check the answer before writing a byte of it.
	if ct := resp.Header.Get("Content-Type"); isHTML(ct) {
		return refuse(url, "expected %s, got a web page (%s, %s bytes)", want, ct, sizeText(resp.ContentLength))
	}
	if want.Size > 0 && total >= 0 && total != want.Size {
		return refuse(url, "expected %s, the server announces %d bytes", want, total)
	}
	limit := total
	if limit < 0 && want.Size > 0 {
		limit = want.Size
	}

	f, err := os.OpenFile(part, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("download %s: %w", url, err)
	}
	body := &aliveReader{r: resp.Body, alive: alive}
	if skip > 0 {
		if err := skipKnown(body, part, skip); err != nil {
			f.Close()
			if errors.Is(err, ErrMismatch) {
				return refuse(url, "the file the server sends differs from %s at %v; delete it to download again", part, err)
			}
			return fmt.Errorf("download %s: the server ignored the resume and the connection was lost before byte %d: %w", url, skip, err)
		}
	}
	label := opts.Label
	if label == "" {
		label = strings.TrimSuffix(filepath.Base(part), ".part")
	}
	bar := progress.New(opts.Progress, limit, label)
	bar.Set(off)
	var dst io.Writer = f
	if limit >= 0 {
		dst = &capWriter{w: f, left: limit - off}
	}
	n, copyErr := io.Copy(io.MultiWriter(dst, bar), body)
	bar.Done()
	syncErr := f.Sync()
	if cerr := f.Close(); syncErr == nil {
		syncErr = cerr
	}
	got := off + n
	switch {
	case errors.Is(copyErr, errTooLong):
		return refuse(url, "expected %s, the server sent more", want)
	case copyErr != nil:
		return fmt.Errorf("download %s: connection lost after %d of %s bytes: %w", url, got, sizeText(limit), copyErr)
	case syncErr != nil:
		return fmt.Errorf("download %s: write %s: %w", url, part, syncErr)
	case total >= 0 && got != total:
		return fmt.Errorf("download %s: truncated: got %d of %d bytes", url, got, total)
	case total < 0 && want.Size > 0 && got != want.Size:
		return fmt.Errorf("download %s: the response, which announced no length, ended after %d of the %d bytes expected (%s)", url, got, want.Size, want.From)
	}
	return nil
}

// isHTML reports whether a Content-Type is a web page: what servers,
// proxies and portals send for an error or a login, never a data file.
func isHTML(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(contentType))
	}
	return mt == "text/html" || mt == "application/xhtml+xml"
}

// skipKnown reads the first n bytes of body, which a server that ignored a
// Range header sends again, and checks them against the first n bytes of
// part. A difference wraps ErrMismatch and names the byte.
func skipKnown(body io.Reader, part string, n int64) error {
	f, err := os.Open(part)
	if err != nil {
		return err
	}
	defer f.Close()
	have, got := make([]byte, 1<<16), make([]byte, 1<<16)
	for pos := int64(0); pos < n; {
		k := int(min(int64(len(have)), n-pos))
		if _, err := io.ReadFull(f, have[:k]); err != nil {
			return err
		}
		if _, err := io.ReadFull(body, got[:k]); err != nil {
			return err
		}
		if !bytes.Equal(have[:k], got[:k]) {
			i := 0
			for have[i] == got[i] {
				i++
			}
			return fmt.Errorf("byte %d: %w", pos+int64(i), ErrMismatch)
		}
		pos += int64(k)
	}
	return nil
}

// capWriter passes on at most left bytes and fails with errTooLong past
// them.
type capWriter struct {
	w    io.Writer
	left int64
}

func (c *capWriter) Write(p []byte) (int, error) {
	if int64(len(p)) <= c.left {
		n, err := c.w.Write(p)
		c.left -= int64(n)
		return n, err
	}
	n, err := c.w.Write(p[:c.left])
	c.left -= int64(n)
	if err == nil {
		err = errTooLong
	}
	return n, err
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

package download

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// server serves content at /f.txt with scripted misbehaviour.
type server struct {
	content []byte
	mu      sync.Mutex
	ranges  []string // Range header of every request, "" when none
	// abortAfter[i] > 0 cuts request i after that many body bytes.
	abortAfter  map[int]int
	status      map[int]int // request i answers this status with no body
	ignoreRange bool
	truncateTo  int // > 0: every answer promises the full length, sends this many bytes
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	i := len(s.ranges)
	s.ranges = append(s.ranges, r.Header.Get("Range"))
	s.mu.Unlock()
	if r.URL.Path != "/f.txt" {
		http.NotFound(w, r)
		return
	}
	if code := s.status[i]; code != 0 {
		w.WriteHeader(code)
		return
	}
	if s.ignoreRange {
		r.Header.Del("Range")
	}
	if n := s.truncateTo; n > 0 {
		w.Header().Set("Content-Length", strconv.Itoa(len(s.content)))
		_, _ = w.Write(s.content[:n])
		return // the server closes the connection short of Content-Length
	}
	if n := s.abortAfter[i]; n > 0 {
		off := 0
		if rg, ok := strings.CutPrefix(r.Header.Get("Range"), "bytes="); ok {
			off, _ = strconv.Atoi(strings.TrimSuffix(rg, "-"))
			w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", off, len(s.content)-1, len(s.content)))
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(s.content)-off))
		if off > 0 {
			w.WriteHeader(http.StatusPartialContent)
		}
		_, _ = w.Write(s.content[off : off+n])
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		panic(http.ErrAbortHandler)
	}
	http.ServeContent(w, r, "f.txt", time.Time{}, bytes.NewReader(s.content))
}

func (s *server) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.ranges...)
}

func testContent(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*31 + i/97)
	}
	return b
}

func start(t *testing.T, s *server) string {
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return ts.URL
}

var fast = Options{Backoff: time.Millisecond}

func checkFile(t *testing.T, dest string, want []byte, rec Record) {
	t.Helper()
	got, err := os.ReadFile(dest)
	require.NoError(t, err)
	require.True(t, bytes.Equal(want, got), "downloaded bytes differ")
	sum := sha256.Sum256(want)
	assert.Equal(t, hex.EncodeToString(sum[:]), rec.SHA256)
	assert.EqualValues(t, len(want), rec.Size)
	_, err = os.Stat(dest + ".part")
	assert.ErrorIs(t, err, os.ErrNotExist, "no .part left behind")
	again, err := Verify(dest)
	require.NoError(t, err)
	assert.Equal(t, rec.SHA256, again.SHA256)
}

func TestFullDownloadWithProgress(t *testing.T) {
	s := &server{content: testContent(300_000)}
	url := start(t, s)
	dest := filepath.Join(t.TempDir(), "f.txt")
	var progress bytes.Buffer
	opts := fast
	opts.Progress, opts.Label = &progress, "tiny file"
	rec, err := File(context.Background(), url+"/f.txt", dest, opts)
	require.NoError(t, err)
	checkFile(t, dest, s.content, rec)
	assert.Equal(t, []string{""}, s.requests())
	assert.Contains(t, progress.String(), "tiny file")
	assert.Contains(t, progress.String(), "kB", "the bar shows bytes")

	// A second call uses the verified file without asking the server.
	_, err = File(context.Background(), url+"/f.txt", dest, opts)
	require.NoError(t, err)
	assert.Len(t, s.requests(), 1)
}

func TestResumeWithinOneCall(t *testing.T) {
	s := &server{content: testContent(200_000), abortAfter: map[int]int{0: 70_000, 1: 30_000}}
	url := start(t, s)
	dest := filepath.Join(t.TempDir(), "f.txt")
	rec, err := File(context.Background(), url+"/f.txt", dest, fast)
	require.NoError(t, err)
	checkFile(t, dest, s.content, rec)
	assert.Equal(t, []string{"", "bytes=70000-", "bytes=100000-"}, s.requests())
}

func TestResumeAcrossRuns(t *testing.T) {
	s := &server{content: testContent(200_000), abortAfter: map[int]int{0: 123_456}}
	url := start(t, s)
	dest := filepath.Join(t.TempDir(), "f.txt")
	opts := fast
	opts.Attempts = 1
	_, err := File(context.Background(), url+"/f.txt", dest, opts)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "connection lost")
	assert.Contains(t, err.Error(), "next run resumes")
	st, err := os.Stat(dest + ".part")
	require.NoError(t, err)
	assert.EqualValues(t, 123_456, st.Size())
	_, err = os.Stat(dest)
	assert.ErrorIs(t, err, os.ErrNotExist, "nothing at the final path until complete")

	rec, err := File(context.Background(), url+"/f.txt", dest, opts)
	require.NoError(t, err)
	checkFile(t, dest, s.content, rec)
	assert.Equal(t, []string{"", "bytes=123456-"}, s.requests())
}

func TestServerIgnoresRange(t *testing.T) {
	s := &server{content: testContent(50_000), abortAfter: map[int]int{0: 20_000}, ignoreRange: true}
	url := start(t, s)
	dest := filepath.Join(t.TempDir(), "f.txt")
	rec, err := File(context.Background(), url+"/f.txt", dest, fast)
	require.NoError(t, err)
	checkFile(t, dest, s.content, rec)
}

func TestFailures(t *testing.T) {
	tests := []struct {
		name     string
		srv      *server
		path     string
		want     string
		requests int
	}{
		{"not found", &server{content: testContent(10)}, "/missing.txt", "404 Not Found", 1},
		{"forbidden", &server{content: testContent(10), status: map[int]int{0: 403}}, "/f.txt", "403 Forbidden", 1},
		{"truncated body every time", &server{content: testContent(100_000), truncateTo: 1000, ignoreRange: true}, "/f.txt", "gave up after 4 tries", 4},
		{"server errors every time", &server{content: testContent(10), status: map[int]int{0: 503, 1: 503, 2: 503, 3: 503}}, "/f.txt", "503", 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			url := start(t, tc.srv)
			dest := filepath.Join(t.TempDir(), "f.txt")
			_, err := File(context.Background(), url+tc.path, dest, fast)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.Len(t, tc.srv.requests(), tc.requests)
			_, err = os.Stat(dest)
			assert.ErrorIs(t, err, os.ErrNotExist, "no file at the final path")
		})
	}
}

func TestServerErrorThenSuccess(t *testing.T) {
	s := &server{content: testContent(5000), status: map[int]int{0: 502}}
	url := start(t, s)
	dest := filepath.Join(t.TempDir(), "f.txt")
	rec, err := File(context.Background(), url+"/f.txt", dest, fast)
	require.NoError(t, err)
	checkFile(t, dest, s.content, rec)
}

func TestChecksumMismatchOnReuse(t *testing.T) {
	s := &server{content: testContent(10_000)}
	url := start(t, s)
	dest := filepath.Join(t.TempDir(), "f.txt")
	_, err := File(context.Background(), url+"/f.txt", dest, fast)
	require.NoError(t, err)

	damaged := testContent(10_000)
	damaged[5000] ^= 1
	require.NoError(t, os.WriteFile(dest, damaged, 0o644))
	_, err = File(context.Background(), url+"/f.txt", dest, fast)
	require.ErrorIs(t, err, ErrChecksum)
	assert.Contains(t, err.Error(), "delete it")
	assert.Len(t, s.requests(), 1, "a damaged cache file is reported, not silently replaced")
}

func TestHandPlacedFileIsRecorded(t *testing.T) {
	dir := t.TempDir()
	dest := filepath.Join(dir, "f.txt")
	content := testContent(777)
	require.NoError(t, os.WriteFile(dest, content, 0o644))
	rec, err := File(context.Background(), "http://127.0.0.1:1/unreachable", dest, fast)
	require.NoError(t, err)
	checkFile(t, dest, content, rec)
	_, err = os.Stat(RecordPath(dest))
	require.NoError(t, err)
}

func TestCancelled(t *testing.T) {
	s := &server{content: testContent(1000), status: map[int]int{0: 503}}
	url := start(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := File(ctx, url+"/f.txt", filepath.Join(t.TempDir(), "f.txt"), Options{Backoff: time.Hour})
	require.ErrorIs(t, err, context.Canceled)
}

func TestParseContentRange(t *testing.T) {
	tests := []struct {
		in           string
		start, total int64
		ok           bool
	}{
		{"bytes 100-199/200", 100, 200, true},
		{"bytes 0-0/1", 0, 1, true},
		{"bytes */200", 0, 0, false},
		{"items 1-2/3", 0, 0, false},
		{"", 0, 0, false},
	}
	for _, tc := range tests {
		s, n, ok := parseContentRange(tc.in)
		assert.Equal(t, tc.ok, ok, tc.in)
		if tc.ok {
			assert.Equal(t, tc.start, s)
			assert.Equal(t, tc.total, n)
		}
	}
}

func TestUnreachableFailsAtOnce(t *testing.T) {
	ts := httptest.NewServer(http.NotFoundHandler())
	url := ts.URL
	ts.Close()
	start := time.Now()
	_, err := File(context.Background(), url+"/f.txt", filepath.Join(t.TempDir(), "f.txt"), Options{Backoff: time.Second})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "connection refused")
	assert.Less(t, time.Since(start), 900*time.Millisecond, "no retries when nothing listens")
}

// A record without a CRC (an older format) is verified by its SHA-256.
func TestVerifyFallsBackToSHA256(t *testing.T) {
	dest := filepath.Join(t.TempDir(), "f.txt")
	content := testContent(5000)
	require.NoError(t, os.WriteFile(dest, content, 0o644))
	rec, err := VerifyOrRecord(dest, "")
	require.NoError(t, err)
	assert.Len(t, rec.CRC32C, 8)
	rec.CRC32C = ""
	blob, err := json.Marshal(rec)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(RecordPath(dest), blob, 0o644))
	_, err = Verify(dest)
	require.NoError(t, err)
	content[10] ^= 1
	require.NoError(t, os.WriteFile(dest, content, 0o644))
	_, err = Verify(dest)
	require.ErrorIs(t, err, ErrChecksum)
	assert.Contains(t, err.Error(), "SHA-256")
}

// A server that goes quiet mid-body is abandoned after Stall and the
// next try resumes where the bytes stopped.
func TestStalledTransferResumes(t *testing.T) {
	content := testContent(40_000)
	var mu sync.Mutex
	var ranges []string
	release := make(chan struct{})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		first := len(ranges) == 0
		ranges = append(ranges, r.Header.Get("Range"))
		mu.Unlock()
		if first {
			w.Header().Set("Content-Length", strconv.Itoa(len(content)))
			_, _ = w.Write(content[:10_000])
			w.(http.Flusher).Flush()
			select { // hang until the test ends
			case <-release:
			case <-r.Context().Done():
			}
			return
		}
		http.ServeContent(w, r, "f.txt", time.Time{}, bytes.NewReader(content))
	}))
	defer ts.Close()
	defer close(release)
	dest := filepath.Join(t.TempDir(), "f.txt")
	rec, err := File(context.Background(), ts.URL+"/f.txt", dest, Options{Backoff: time.Millisecond, Stall: 200 * time.Millisecond})
	require.NoError(t, err)
	checkFile(t, dest, content, rec)
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{"", "bytes=10000-"}, ranges)
}

// Hugging Face answers "resolve" URLs with a redirect to a CDN; a resume
// must carry its Range header across the redirect.
func TestResumeAcrossRedirect(t *testing.T) {
	s := &server{content: testContent(80_000), abortAfter: map[int]int{0: 30_000}}
	cdn := httptest.NewServer(s)
	defer cdn.Close()
	hub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, cdn.URL+"/f.txt", http.StatusFound)
	}))
	defer hub.Close()
	dest := filepath.Join(t.TempDir(), "f.txt")
	rec, err := File(context.Background(), hub.URL+"/datasets/x/resolve/main/f.txt", dest, fast)
	require.NoError(t, err)
	checkFile(t, dest, s.content, rec)
	assert.Equal(t, []string{"", "bytes=30000-"}, s.requests())
}

// A complete .part left by a run that stopped before the rename is
// finished without downloading anything again.
func TestCompletePartIsKept(t *testing.T) {
	s := &server{content: testContent(9_000)}
	url := start(t, s)
	dest := filepath.Join(t.TempDir(), "f.txt")
	require.NoError(t, os.WriteFile(dest+".part", s.content, 0o644))
	rec, err := File(context.Background(), url+"/f.txt", dest, fast)
	require.NoError(t, err)
	checkFile(t, dest, s.content, rec)
	assert.Equal(t, []string{"bytes=9000-"}, s.requests())
}

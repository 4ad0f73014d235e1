package download

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
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

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// hub plays Hugging Face: the resolve URL answers HEAD and GET with a
// redirect to a CDN host, carrying X-Linked-Size and X-Linked-Etag (the
// LFS object id) when linkedSize/linkedSHA are set; the CDN serves cdn.
type hub struct {
	mu         sync.Mutex
	log        []string // "HEAD /path" or "GET /path" per request, both hosts
	linkedSize int64
	linkedSHA  string
	cdn        http.Handler
	cdnURL     string
}

func (h *hub) note(r *http.Request, host string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.log = append(h.log, host+" "+r.Method+" "+r.URL.Path)
}

func (h *hub) requests() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.log...)
}

func startHub(t *testing.T, h *hub) string {
	cdn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.note(r, "cdn")
		h.cdn.ServeHTTP(w, r)
	}))
	t.Cleanup(cdn.Close)
	h.cdnURL = cdn.URL
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.note(r, "hub")
		if h.linkedSize > 0 {
			w.Header().Set("X-Linked-Size", strconv.FormatInt(h.linkedSize, 10))
		}
		if h.linkedSHA != "" {
			w.Header().Set("X-Linked-Etag", `"`+h.linkedSHA+`"`)
		}
		http.Redirect(w, r, cdn.URL+"/blob"+r.URL.Path, http.StatusFound)
	}))
	t.Cleanup(front.Close)
	return front.URL + "/datasets/x/resolve/main/f.txt"
}

// serveBytes serves content with Range support.
func serveBytes(content []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "f.bin", time.Time{}, bytes.NewReader(content))
	})
}

// noLength sends the first n bytes of content with neither a
// Content-Length nor chunked encoding, then closes the connection: the
// end of the body looks like the end of the file.
func noLength(content []byte, n int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			panic(err)
		}
		defer conn.Close()
		_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n")
		_, _ = buf.Write(content[:n])
		_ = buf.Flush()
	})
}

const htmlPage = "<!DOCTYPE html><html><head><title>503</title></head><body>Service unavailable, try later</body></html>"

// noFile checks that nothing was accepted: no file and no record at dest.
func noFile(t *testing.T, dest string) {
	t.Helper()
	_, err := os.Stat(dest)
	assert.ErrorIs(t, err, os.ErrNotExist, "nothing at the final path")
	_, err = os.Stat(RecordPath(dest))
	assert.ErrorIs(t, err, os.ErrNotExist, "no record")
}

func oneLine(t *testing.T, err error, url string, parts ...string) {
	t.Helper()
	require.Error(t, err)
	msg := err.Error()
	assert.NotContains(t, msg, "\n", "one line")
	assert.Contains(t, msg, url, "names the URL")
	for _, p := range parts {
		assert.Contains(t, msg, p)
	}
}

// Every way a response can fail to be the file is refused, at once (not
// retried into success) and with the URL, what was expected and what came.
func TestBadResponsesAreRefused(t *testing.T) {
	content := testContent(60_000)
	tests := []struct {
		name   string
		linked bool // the hub announces size and SHA-256 with HEAD
		expect Expect
		cdn    http.Handler
		want   []string
	}{
		{"HTML page with 200", false, Expect{}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(htmlPage))
		}), []string{"web page", "text/html"}},
		{"HTML page for a file the hub announced", true, Expect{}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write([]byte(htmlPage))
		}), []string{"web page", "60000 bytes with SHA-256 " + sha(content)}},
		{"short Content-Length against X-Linked-Size", true, Expect{}, serveBytes(content[:150]),
			[]string{"expected 60000 bytes", "X-Linked-Size", "announces 150 bytes"}},
		{"short Content-Length against the shipped size", false, Expect{Size: 60_000, SHA256: sha(content), From: "shipped"}, serveBytes(content[:150]),
			[]string{"expected 60000 bytes", "shipped", "announces 150 bytes"}},
		{"same size, other bytes than X-Linked-Etag", true, Expect{}, serveBytes(append(testContent(59_999), 'x')),
			[]string{"SHA-256 " + sha(content), "X-Linked-Etag", "got 60000 bytes with SHA-256 " + sha(append(testContent(59_999), 'x'))}},
		{"other bytes than the shipped SHA-256", false, Expect{Size: 60_000, SHA256: sha(content), From: "shipped"}, serveBytes(append(testContent(59_999), 'x')),
			[]string{"SHA-256 " + sha(content), "shipped", "got 60000 bytes"}},
		{"longer body without a length", true, Expect{}, noLength(append(append([]byte(nil), content...), content[:500]...), 60_500),
			[]string{"expected 60000 bytes", "sent more"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := &hub{cdn: tc.cdn}
			if tc.linked {
				h.linkedSize, h.linkedSHA = int64(len(content)), sha(content)
			}
			url := startHub(t, h)
			dest := filepath.Join(t.TempDir(), "f.txt")
			opts := fast
			opts.Hub, opts.Expect = true, tc.expect
			_, err := File(context.Background(), url, dest, opts)
			oneLine(t, err, url, tc.want...)
			require.ErrorIs(t, err, ErrMismatch)
			noFile(t, dest)
			gets := 0
			for _, r := range h.requests() {
				if strings.HasPrefix(r, "cdn GET") {
					gets++
				}
			}
			assert.Equal(t, 1, gets, "refused at once, not retried")
		})
	}
}

// A body without a length that ends early looks complete to HTTP; the size
// the hub announced catches it, and the bytes that came are kept for the
// next try to resume.
func TestBodyEndingEarlyWithoutLength(t *testing.T) {
	content := testContent(50_000)
	h := &hub{linkedSize: int64(len(content)), linkedSHA: sha(content), cdn: noLength(content, 20_000)}
	url := startHub(t, h)
	dest := filepath.Join(t.TempDir(), "f.txt")
	opts := fast
	opts.Hub, opts.Attempts = true, 2
	_, err := File(context.Background(), url, dest, opts)
	oneLine(t, err, url, "ended after 20000 of the 50000 bytes expected", "gave up after 2 tries")
	noFile(t, dest)
	got, err := os.ReadFile(dest + ".part")
	require.NoError(t, err)
	assert.Equal(t, content[:20_000], got, "the bytes that came are kept")

	// A good server later: the download resumes and completes.
	h.cdn = serveBytes(content)
	rec, err := File(context.Background(), url, dest, opts)
	require.NoError(t, err)
	checkFile(t, dest, content, rec)
	assert.Equal(t, "X-Linked-Size and X-Linked-Etag", rec.Checked)
}

// A bad answer to a resume never shortens or replaces the part already
// downloaded.
func TestBadResponseDuringResumeKeepsPart(t *testing.T) {
	content := testContent(80_000)
	other := append([]byte(nil), content...)
	other[100] ^= 0xff
	tests := []struct {
		name   string
		cdn    http.Handler
		refuse bool // refused (permanent), else retried and given up
		want   string
	}{
		{"HTML page instead of the range", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(htmlPage))
		}), true, "web page"},
		{"range ignored, another file", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.Header.Del("Range")
			http.ServeContent(w, r, "f.bin", time.Time{}, bytes.NewReader(other))
		}), true, "differs from"},
		{"range ignored, cut before the part's end", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", strconv.Itoa(len(content)))
			_, _ = w.Write(content[:10_000])
			w.(http.Flusher).Flush()
			panic(http.ErrAbortHandler)
		}), false, "connection was lost before byte 30000"},
		{"wrong range", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Range", fmt.Sprintf("bytes 0-%d/%d", len(content)-1, len(content)))
			w.WriteHeader(http.StatusPartialContent)
			_, _ = w.Write(content)
		}), false, "for a resume at 30000"},
		{"cannot resume, other size", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Range", "bytes */20000")
			w.WriteHeader(http.StatusRequestedRangeNotSatisfiable)
		}), true, "cannot resume at byte 30000"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := &hub{cdn: tc.cdn}
			url := startHub(t, h)
			dest := filepath.Join(t.TempDir(), "f.txt")
			require.NoError(t, os.WriteFile(dest+".part", content[:30_000], 0o644))
			opts := fast
			opts.Hub = true
			_, err := File(context.Background(), url, dest, opts)
			oneLine(t, err, url, tc.want, dest+".part")
			assert.Equal(t, tc.refuse, isRefusal(err), "%v", err)
			noFile(t, dest)
			got, rerr := os.ReadFile(dest + ".part")
			require.NoError(t, rerr)
			assert.Equal(t, content[:30_000], got, "the part is untouched")
		})
	}
}

func isRefusal(err error) bool {
	return err != nil && strings.Contains(err.Error(), ErrMismatch.Error()+":")
}

// The Hub's way: HEAD on the resolve URL (not followed to the CDN) gives
// the size and SHA-256, the GET is redirected to the CDN, and the record
// says what the file was checked against.
func TestHubRedirectToCDN(t *testing.T) {
	content := testContent(70_000)
	h := &hub{linkedSize: int64(len(content)), linkedSHA: sha(content), cdn: serveBytes(content)}
	url := startHub(t, h)
	dest := filepath.Join(t.TempDir(), "f.txt")
	opts := fast
	opts.Hub = true
	// A wrong shipped value loses to what the hub announces.
	opts.Expect = Expect{Size: 5, SHA256: sha([]byte("stale")), From: "shipped"}
	rec, err := File(context.Background(), url, dest, opts)
	require.NoError(t, err)
	checkFile(t, dest, content, rec)
	assert.Equal(t, "X-Linked-Size and X-Linked-Etag", rec.Checked)
	assert.Equal(t, []string{
		"hub HEAD /datasets/x/resolve/main/f.txt",
		"hub GET /datasets/x/resolve/main/f.txt",
		"cdn GET /blob/datasets/x/resolve/main/f.txt",
	}, h.requests())
}

// Without hub headers the shipped values decide, for downloads and for
// files placed by hand.
func TestShippedExpectation(t *testing.T) {
	content := testContent(9_000)
	want := Expect{Size: int64(len(content)), SHA256: sha(content), From: "shipped"}
	s := &server{content: content}
	url := start(t, s)
	opts := fast
	opts.Hub, opts.Expect = true, want

	dest := filepath.Join(t.TempDir(), "f.txt")
	rec, err := File(context.Background(), url+"/f.txt", dest, opts)
	require.NoError(t, err)
	checkFile(t, dest, content, rec)
	assert.Equal(t, "shipped", rec.Checked)
	assert.Equal(t, []string{"", ""}, s.requests(), "HEAD, then GET")

	// By hand: the right file is recorded, another one refused.
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "good.txt"), filepath.Join(dir, "bad.txt")
	require.NoError(t, os.WriteFile(good, content, 0o644))
	require.NoError(t, os.WriteFile(bad, []byte(htmlPage), 0o644))
	rec, err = File(context.Background(), "http://127.0.0.1:1/unused", good, opts)
	require.NoError(t, err)
	assert.Equal(t, want.SHA256, rec.SHA256)
	_, err = File(context.Background(), "http://127.0.0.1:1/unused", bad, opts)
	require.ErrorIs(t, err, ErrMismatch)
	assert.Contains(t, err.Error(), "placed by hand")
	assert.Contains(t, err.Error(), want.String())
	_, err = os.Stat(RecordPath(bad))
	assert.ErrorIs(t, err, os.ErrNotExist)
}

// A record written without any check (as older versions did for whatever
// a server sent) does not vouch for a file that differs from the shipped
// values.
func TestUncheckedRecordMustMatchShipped(t *testing.T) {
	dest := filepath.Join(t.TempDir(), "f.txt")
	require.NoError(t, os.WriteFile(dest, []byte(htmlPage), 0o644))
	_, err := VerifyOrRecord(dest, "http://example/f.txt")
	require.NoError(t, err)
	content := testContent(1000)
	opts := fast
	opts.Expect = Expect{Size: 1000, SHA256: sha(content), From: "shipped"}
	_, err = File(context.Background(), "http://127.0.0.1:1/unused", dest, opts)
	require.ErrorIs(t, err, ErrMismatch)
	assert.Contains(t, err.Error(), "delete it")
}

// A part longer than the announced file is not resumed (nor cut).
func TestPartLongerThanAnnounced(t *testing.T) {
	content := testContent(10_000)
	h := &hub{linkedSize: 5_000, cdn: serveBytes(content)}
	url := startHub(t, h)
	dest := filepath.Join(t.TempDir(), "f.txt")
	require.NoError(t, os.WriteFile(dest+".part", content[:8_000], 0o644))
	opts := fast
	opts.Hub = true
	_, err := File(context.Background(), url, dest, opts)
	oneLine(t, err, url, "expected 5000 bytes", "already holds 8000 bytes")
	st, err := os.Stat(dest + ".part")
	require.NoError(t, err)
	assert.EqualValues(t, 8_000, st.Size())
}

func TestHeadMissingFileFailsAtOnce(t *testing.T) {
	ts := httptest.NewServer(http.NotFoundHandler())
	defer ts.Close()
	opts := fast
	opts.Hub = true
	_, err := File(context.Background(), ts.URL+"/x/resolve/main/f.txt", filepath.Join(t.TempDir(), "f.txt"), opts)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "HEAD "+ts.URL)
	assert.Contains(t, err.Error(), "404")
}

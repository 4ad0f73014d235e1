package data

import (
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeHub serves one dataset the way the Hugging Face Hub does: the tree
// listing API (pages of pageSize entries linked by a Link header) and
// "resolve" URLs, which announce an LFS file's size and SHA-256 in
// X-Linked-Size and X-Linked-Etag (plain Git files announce neither).
type fakeHub struct {
	repo, revision string
	pageSize       int
	files          map[string][]byte
	lfs            map[string]bool

	mu       sync.Mutex
	listings []string // tree URLs asked, with their query
	gets     []string // resolve paths fetched with GET
	heads    []string
}

func newFakeHub(t *testing.T, repo string, files map[string][]byte) (*fakeHub, string) {
	h := &fakeHub{repo: repo, revision: "main", pageSize: 2, files: files, lfs: map[string]bool{}}
	for p := range files {
		h.lfs[p] = strings.HasSuffix(p, ".parquet")
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return h, ts.URL
}

func (h *fakeHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	tree := "/api/datasets/" + h.repo + "/tree/" + h.revision
	resolve := "/datasets/" + h.repo + "/resolve/" + h.revision + "/"
	switch {
	case strings.HasPrefix(r.URL.Path, tree):
		h.mu.Lock()
		h.listings = append(h.listings, r.URL.RequestURI())
		h.mu.Unlock()
		h.serveTree(w, r, strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, tree), "/"))
	case strings.HasPrefix(r.URL.Path, resolve):
		name := strings.TrimPrefix(r.URL.Path, resolve)
		h.mu.Lock()
		if r.Method == http.MethodHead {
			h.heads = append(h.heads, name)
		} else {
			h.gets = append(h.gets, name)
		}
		h.mu.Unlock()
		content, ok := h.files[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if h.lfs[name] {
			sum := sha256.Sum256(content)
			w.Header().Set("X-Linked-Size", strconv.Itoa(len(content)))
			w.Header().Set("X-Linked-Etag", `"`+hex.EncodeToString(sum[:])+`"`)
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		http.ServeContent(w, r, name, time.Time{}, strings.NewReader(string(content)))
	default:
		http.Error(w, `{"error":"Repository not found"}`, http.StatusNotFound)
	}
}

func (h *fakeHub) serveTree(w http.ResponseWriter, r *http.Request, root string) {
	if r.URL.Query().Get("recursive") != "true" {
		http.Error(w, "the harness always lists recursively", http.StatusBadRequest)
		return
	}
	var entries []hubFile
	dirs := map[string]bool{}
	for p, content := range h.files {
		if root != "" && !strings.HasPrefix(p, root+"/") {
			continue
		}
		e := hubFile{Type: "file", Path: p, Size: int64(len(content))}
		blob := sha1.New()
		fmt.Fprintf(blob, "blob %d\x00", len(content))
		blob.Write(content)
		e.OID = hex.EncodeToString(blob.Sum(nil))
		if h.lfs[p] {
			sum := sha256.Sum256(content)
			e.Size = 134 // the pointer's
			e.OID = strings.Repeat("0", 40)
			e.LFS = &struct {
				OID  string `json:"oid"`
				Size int64  `json:"size"`
			}{hex.EncodeToString(sum[:]), int64(len(content))}
		}
		entries = append(entries, e)
		for d := filepath.Dir(p); d != "." && d != root; d = filepath.Dir(d) {
			dirs[d] = true
		}
	}
	if len(entries) == 0 {
		http.Error(w, `{"error":"Entry not found"}`, http.StatusNotFound)
		return
	}
	for d := range dirs {
		entries = append(entries, hubFile{Type: "directory", Path: d, OID: strings.Repeat("d", 40)})
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Path < entries[j].Path })
	start, _ := strconv.Atoi(r.URL.Query().Get("cursor"))
	end := min(start+h.pageSize, len(entries))
	if end < len(entries) {
		next := *r.URL
		q := next.Query()
		q.Set("cursor", strconv.Itoa(end))
		next.RawQuery = q.Encode()
		w.Header().Set("Link", fmt.Sprintf(`<http://%s%s>; rel="next"`, r.Host, next.RequestURI()))
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(entries[start:end])
}

func (h *fakeHub) got() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.gets...)
}

func storyDocs(prefix string, n int) []*string {
	out := make([]*string, n)
	for i := range out {
		s := fmt.Sprintf("%s %d: once upon a time a small fox found %d red apples by the river.", prefix, i, i%7)
		out[i] = &s
	}
	return out
}

func hubFiles(t *testing.T) map[string][]byte {
	a, b := storyDocs("A", 30), storyDocs("B", 30)
	return map[string][]byte{
		"data/train-00000.parquet": writeParquet(t, a[:10], nil, a[10:]),
		"data/train-00001.parquet": writeParquet(t, b[:15], b[15:]),
		"data/notes.txt":           []byte("A plain text note.\n\nAnother paragraph of it.\n"),
		"other/skip.parquet":       writeParquet(t, storyDocs("X", 5)),
		"README.md":                []byte("# card\n"),
	}
}

func TestPrepareHubGlob(t *testing.T) {
	h, url := newFakeHub(t, "someone/stories", hubFiles(t))
	cache := t.TempDir()
	opts := Options{Source: "hf:someone/stories:data/*", CacheDir: cache, HFEndpoint: url, VocabSize: 300}
	ds := prepare(t, opts)

	// One listing of data/, recursive, followed over its pages.
	require.NotEmpty(t, h.listings)
	assert.Equal(t, "/api/datasets/someone/stories/tree/main/data?recursive=true", h.listings[0])
	assert.Greater(t, len(h.listings), 1, "the Link header's next pages are followed")
	assert.ElementsMatch(t, []string{"data/notes.txt", "data/train-00000.parquet", "data/train-00001.parquet"}, h.got())
	assert.ElementsMatch(t, h.got(), h.heads, "HEAD first, as for every Hub file")

	// Files in path order: notes.txt (2 paragraphs), then 30 + 30 rows.
	assert.EqualValues(t, 62, ds.Meta.TrainDocs+ds.Meta.ValDocs)
	assert.EqualValues(t, 3, ds.Meta.ValDocs)
	text := decode(t, ds, ds.Train.Tokens())
	assert.True(t, strings.HasPrefix(text, "A plain text note."+EOT+"Another paragraph of it."+EOT+"A 0: once"), text[:60])
	assert.Contains(t, text, "B 29: once")
	assert.NotContains(t, text, "X 0", "other/ is not selected")
	assert.Contains(t, filepath.Base(ds.Dir), "hf-someone-stories-")
	assert.Contains(t, ds.Meta.Source, "Hugging Face dataset hf:someone/stories:data/*@main: 3 file(s), 62 documents")
	assert.Contains(t, ds.Meta.Identity, "hf dataset someone/stories revision main files 3")

	// The files are kept where the cache says, as the Hub has them.
	got, err := os.ReadFile(filepath.Join(cache, "downloads", "hf", "someone", "stories", "data", "train-00001.parquet"))
	require.NoError(t, err)
	assert.Equal(t, h.files["data/train-00001.parquet"], got)

	// Again: verified, not fetched; the dataset comes from the cache.
	n := len(h.got())
	again := prepare(t, opts)
	assert.True(t, again.Cached)
	assert.Len(t, h.got(), n)

	// A file changed on the branch: new content id, fetched again, new key.
	h.files["data/train-00001.parquet"] = writeParquet(t, storyDocs("C", 30))
	changed := prepare(t, opts)
	assert.False(t, changed.Cached)
	assert.NotEqual(t, ds.Dir, changed.Dir)
	assert.Contains(t, decode(t, changed, changed.Train.Tokens()), "C 3: once")
	assert.Len(t, h.got(), n+1, "only the changed file is fetched")

	// Offline: the kept listing and the verified files rebuild nothing.
	offline := opts
	offline.HFEndpoint = "http://127.0.0.1:1"
	ds2 := prepare(t, offline)
	assert.Equal(t, changed.Dir, ds2.Dir)
	assert.True(t, ds2.Cached)
}

func TestPrepareHubSingleFileAndRevision(t *testing.T) {
	h, url := newFakeHub(t, "someone/stories", hubFiles(t))
	h.revision = "v1.0"
	ds := prepare(t, Options{Source: "hf:someone/stories:data/train-00000.parquet@v1.0", CacheDir: t.TempDir(), HFEndpoint: url, VocabSize: 300})
	assert.Equal(t, "/api/datasets/someone/stories/tree/v1.0/data?recursive=true", h.listings[0])
	assert.Equal(t, []string{"data/train-00000.parquet"}, h.got())
	assert.EqualValues(t, 30, ds.Meta.TrainDocs+ds.Meta.ValDocs)
}

func TestPrepareHubErrors(t *testing.T) {
	files := hubFiles(t)
	_, url := newFakeHub(t, "someone/stories", files)
	for _, tc := range []struct {
		name, source, column, want string
	}{
		{"missing text column", "hf:someone/stories:data/train-00000.parquet", "content",
			`train-00000.parquet has no column "content" (its columns: id, text, score); name the text column with -text-column`},
		{"no such dataset", "hf:someone/nothing", "",
			"list " + url + "/api/datasets/someone/nothing/tree/main?recursive=true: the Hub answered 404 Not Found (no such dataset, revision or folder)"},
		{"nothing matches", "hf:someone/stories:README.md", "",
			"hf:someone/stories:README.md@main: no .parquet or .txt file matches (it matches 1 other file(s), such as README.md)"},
		{"bad name", "hf:someone", "", `data source "hf:someone": want hf:OWNER/NAME[:PATH-OR-GLOB][@REVISION]`},
		{"bad glob", "hf:someone/stories:data/[", "", `bad glob "data/["`},
		{"empty revision", "hf:someone/stories@", "", "empty revision after @"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Prepare(context.Background(), Options{Source: tc.source, CacheDir: t.TempDir(), HFEndpoint: url, VocabSize: 300, TextColumn: tc.column})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), "\n", "one line")
		})
	}
}

func TestPrepareHubRefusesWrongContent(t *testing.T) {
	h, url := newFakeHub(t, "someone/stories", hubFiles(t))
	// The listing announces one content, the file server sends another
	// without X-Linked headers (a mirror): the listing's SHA-256 decides.
	real := h.files["data/train-00000.parquet"]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "/resolve/") {
			bad := append([]byte{}, real...)
			bad[len(bad)/2] ^= 0xff
			w.Header().Set("Content-Type", "application/octet-stream")
			_, _ = w.Write(bad)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	_, err := Prepare(context.Background(), Options{Source: "hf:someone/stories:data/train-00000.parquet", CacheDir: t.TempDir(), HFEndpoint: srv.URL, VocabSize: 300})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "refused")
	assert.Contains(t, err.Error(), "the Hub's file listing")
	_ = url
}

func TestPrepareFineWebEdu(t *testing.T) {
	files := map[string][]byte{}
	for i := range 14 {
		files[fmt.Sprintf("sample/10BT/%03d_00000.parquet", i)] = writeParquet(t, storyDocs(fmt.Sprintf("F%d", i), 25))
	}
	files["sample/100BT/000_00000.parquet"] = writeParquet(t, storyDocs("big", 5))
	h, url := newFakeHub(t, "HuggingFaceFW/fineweb-edu", files)
	h.pageSize = 1000
	ds := prepare(t, Options{Source: FineWebEdu, CacheDir: t.TempDir(), HFEndpoint: url, VocabSize: 300})
	assert.Equal(t, "/api/datasets/HuggingFaceFW/fineweb-edu/tree/main/sample/10BT?recursive=true", h.listings[0])
	assert.ElementsMatch(t, []string{"sample/10BT/000_00000.parquet", "sample/10BT/001_00000.parquet"}, h.got())
	assert.EqualValues(t, 50, ds.Meta.TrainDocs+ds.Meta.ValDocs)
	assert.Contains(t, filepath.Base(ds.Dir), "fineweb-edu-")
}

func TestParseHubSource(t *testing.T) {
	for _, tc := range []struct {
		src, repo, pattern, rev, root string
	}{
		{"hf:a/b", "a/b", "", "main", "."},
		{"hf:a/b@dev", "a/b", "", "dev", "."},
		{"hf:a/b:data", "a/b", "data", "main", "."},
		{"hf:a/b:data/x/*.parquet@refs/convert/parquet", "a/b", "data/x/*.parquet", "refs/convert/parquet", "data/x"},
		{"hf:a/b:*/train-*.parquet", "a/b", "*/train-*.parquet", "main", ""},
	} {
		s, err := parseHubSource(tc.src)
		require.NoError(t, err, tc.src)
		assert.Equal(t, tc.repo, s.repo(), tc.src)
		assert.Equal(t, tc.pattern, s.pattern, tc.src)
		assert.Equal(t, tc.rev, s.revision, tc.src)
		assert.Equal(t, tc.root, s.listRoot(), tc.src)
	}
	s, _ := parseHubSource("hf:a/b:data")
	assert.True(t, s.selects("data/x.parquet"))
	assert.False(t, s.selects("database.parquet"))
	assert.Equal(t, "https://hub/api/datasets/a/b/tree/refs%2Fconvert%2Fparquet?recursive=true",
		hubTreeURL("https://hub/", hubSource{owner: "a", name: "b", revision: "refs/convert/parquet"}))
}

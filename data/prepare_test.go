package data

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/empirical-scaling/harness/data/download"
	"github.com/empirical-scaling/harness/data/synth"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func prepare(t *testing.T, opts Options) *Dataset {
	t.Helper()
	ds, err := Prepare(context.Background(), opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = ds.Close() })
	return ds
}

// decode turns shard tokens back into text.
func decode(t *testing.T, ds *Dataset, toks []uint16) string {
	t.Helper()
	ids := make([]uint32, len(toks))
	for i, v := range toks {
		ids[i] = uint32(v)
	}
	b, err := ds.Tokenizer.Decode(ids)
	require.NoError(t, err)
	return string(b)
}

func TestPrepareSynthetic(t *testing.T) {
	cache := t.TempDir()
	opts := Options{Source: "synthetic", CacheDir: cache, SyntheticBytes: 300 << 10, VocabSize: 400, Seed: 3}
	ds := prepare(t, opts)
	assert.False(t, ds.Cached)
	assert.Equal(t, 400, ds.Tokenizer.VocabSize())
	assert.Equal(t, 400, ds.Train.VocabSize())
	assert.EqualValues(t, ds.Meta.TrainTokens, ds.Train.Len())
	assert.Greater(t, ds.Train.Len(), 50_000)
	assert.Greater(t, ds.Val.Len(), 10_000)

	// The train shard is exactly the chronicle's documents, each followed by EOT.
	text := decode(t, ds, ds.Train.Tokens())
	g, err := synth.NewKnowledge(3, synth.Knobs{})
	require.NoError(t, err)
	var want bytes.Buffer
	for want.Len() < len(text) {
		want.Write(g.AppendStory(nil))
		want.WriteString(EOT)
	}
	require.Equal(t, want.String()[:len(text)], text)
	assert.EqualValues(t, ds.Meta.TrainDocs, strings.Count(text, EOT))
	eotID, ok := ds.Tokenizer.SpecialID(EOT)
	require.True(t, ok)
	assert.EqualValues(t, eotID, ds.Train.Tokens()[ds.Train.Len()-1], "every document ends with EOT")

	// Validation documents come from another stream. (Documents about
	// the most famous people recur in both, as on the web, so single
	// documents may repeat; the sequence does not.)
	valText := decode(t, ds, ds.Val.Tokens())
	assert.NotEqual(t, text[:4096], valText[:4096])

	// Second call: from the cache, at once, same folder.
	start := time.Now()
	again := prepare(t, opts)
	assert.True(t, again.Cached)
	assert.Equal(t, ds.Dir, again.Dir)
	assert.Less(t, time.Since(start), 2*time.Second)

	// A changed input is a different dataset, never the stale one.
	for _, change := range []func(o *Options){
		func(o *Options) { o.Seed = 4 },
		func(o *Options) { o.SyntheticBytes = 301 << 10 },
		func(o *Options) { o.VocabSize = 401 },
		func(o *Options) { o.TokenizerSample = 100 << 10 },
		func(o *Options) { o.Source = "synthetic:zipf=2" },
		func(o *Options) { o.Source = "synthetic-v1" },
	} {
		o := opts
		change(&o)
		other := prepare(t, o)
		assert.False(t, other.Cached)
		assert.NotEqual(t, ds.Dir, other.Dir)
	}
}

func TestPrepareRebuildsDamagedCache(t *testing.T) {
	tests := []struct {
		name   string
		damage func(dir string)
	}{
		{"flipped token", func(dir string) { flipByte(t, filepath.Join(dir, TrainShardFile), 1000) }},
		{"truncated val shard", func(dir string) { truncate(t, filepath.Join(dir, ValShardFile), 7) }},
		{"missing tokenizer", func(dir string) { require.NoError(t, os.Remove(filepath.Join(dir, TokenizerSub, "merges.txt"))) }},
		{"edited meta", func(dir string) {
			p := filepath.Join(dir, MetaFile)
			b, err := os.ReadFile(p)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(p, bytes.Replace(b, []byte(`"train_tokens": `), []byte(`"train_tokens": 1`), 1), 0o644))
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := Options{Source: "synthetic", CacheDir: t.TempDir(), SyntheticBytes: 100 << 10, VocabSize: 300}
			ds := prepare(t, opts)
			want := append([]uint16(nil), ds.Train.Tokens()...)
			require.NoError(t, ds.Close())
			tc.damage(ds.Dir)
			again := prepare(t, opts)
			assert.False(t, again.Cached, "a damaged dataset is rebuilt, not used")
			assert.Equal(t, want, again.Train.Tokens())
		})
	}
}

func flipByte(t *testing.T, path string, off int64) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	require.NoError(t, err)
	defer f.Close()
	b := []byte{0}
	_, err = f.ReadAt(b, off)
	require.NoError(t, err)
	b[0] ^= 0x10
	_, err = f.WriteAt(b, off)
	require.NoError(t, err)
}

func truncate(t *testing.T, path string, by int64) {
	st, err := os.Stat(path)
	require.NoError(t, err)
	require.NoError(t, os.Truncate(path, st.Size()-by))
}

// paragraphs makes n blank-line separated documents "doc 0 ...", "doc 1 ...".
func paragraphs(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "Doc %d: the cat sat on the mat and looked at the moon.\nIt was a quiet night.\n\n", i)
		if i%7 == 3 {
			b.WriteString("  \r\n\n") // extra blank lines with spaces and CR
		}
	}
	return b.String()
}

func TestPrepareLocalFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "stories.txt")
	require.NoError(t, os.WriteFile(path, []byte(paragraphs(45)), 0o644))
	opts := Options{Source: path, CacheDir: t.TempDir(), VocabSize: 300}
	ds := prepare(t, opts)
	assert.EqualValues(t, 43, ds.Meta.TrainDocs)
	assert.EqualValues(t, 2, ds.Meta.ValDocs)
	val := decode(t, ds, ds.Val.Tokens())
	assert.True(t, strings.HasPrefix(val, "Doc 19:"), val)
	assert.Contains(t, val, EOT+"Doc 39:")
	train := decode(t, ds, ds.Train.Tokens())
	assert.NotContains(t, train, "Doc 19:")
	assert.Contains(t, train, "Doc 20:")
	assert.True(t, strings.HasPrefix(train, "Doc 0: the cat sat on the mat and looked at the moon.\nIt was a quiet night."+EOT+"Doc 1:"), train[:120])

	// Editing the file gives a new dataset.
	require.NoError(t, os.WriteFile(path, []byte(paragraphs(46)), 0o644))
	other := prepare(t, opts)
	assert.False(t, other.Cached)
	assert.NotEqual(t, ds.Dir, other.Dir)
	assert.EqualValues(t, 44, other.Meta.TrainDocs)
}

func TestPrepareLocalFolderWithEOT(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644))
	}
	// a.txt uses EOT, so its blank lines stay inside documents.
	write("a.txt", "first story.\n\nstill first.\n<|endoftext|>\nsecond story.<|endoftext|>third")
	write("sub/b.txt", "fourth.\n\nfifth.")
	write("notes.md", "not text: ignored")
	ds := prepare(t, Options{Source: dir, CacheDir: t.TempDir(), VocabSize: 280})
	assert.EqualValues(t, 4, ds.Meta.TrainDocs)
	assert.EqualValues(t, 1, ds.Meta.ValDocs, "fewer than 20 documents: the last one is held out")
	assert.Equal(t, "first story.\n\nstill first."+EOT+"second story."+EOT+"third"+EOT+"fourth."+EOT, decode(t, ds, ds.Train.Tokens()))
	assert.Equal(t, "fifth."+EOT, decode(t, ds, ds.Val.Tokens()))
}

func TestPrepareErrors(t *testing.T) {
	dir := t.TempDir()
	one := filepath.Join(dir, "one.txt")
	require.NoError(t, os.WriteFile(one, []byte("just one document"), 0o644))
	empty := filepath.Join(dir, "empty")
	require.NoError(t, os.Mkdir(empty, 0o755))
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"no source", Options{}, "no data source"},
		{"missing path", Options{Source: filepath.Join(dir, "nope.txt")}, "not tinystories, synthetic, fineweb-edu, hf:OWNER/NAME, or an existing file"},
		{"one document", Options{Source: one}, "need at least 2"},
		{"empty folder", Options{Source: empty}, "no .txt or .parquet files"},
		{"vocab too small", Options{Source: "synthetic", VocabSize: 100}, "out of range"},
		{"vocab too big", Options{Source: "synthetic", VocabSize: MaxVocab + 1}, "out of range"},
		{"bad endpoint", Options{Source: "tinystories", HFEndpoint: "ftp://x"}, "must start with http"},
		{"tokenizer dir missing", Options{Source: "synthetic", SyntheticBytes: 1000, TokenizerDir: filepath.Join(dir, "tok")}, "tokenizer"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.CacheDir = t.TempDir()
			_, err := Prepare(context.Background(), tc.opts)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestPrepareLoadsTokenizerDir(t *testing.T) {
	cache := t.TempDir()
	base := prepare(t, Options{Source: "synthetic", CacheDir: cache, SyntheticBytes: 100 << 10, VocabSize: 350})
	loaded := prepare(t, Options{Source: "synthetic", CacheDir: cache, SyntheticBytes: 100 << 10, TokenizerDir: filepath.Join(base.Dir, TokenizerSub)})
	assert.NotEqual(t, base.Dir, loaded.Dir)
	assert.Equal(t, 350, loaded.Tokenizer.VocabSize())
	assert.Equal(t, base.Train.Tokens(), loaded.Train.Tokens(), "the same tokenizer gives the same tokens")
}

// hfServer serves files under the Hugging Face paths (by default the two
// TinyStories files) and, as the Hub does for LFS files, announces their
// size and SHA-256 in X-Linked-Size and X-Linked-Etag.
type hfServer struct {
	mu     sync.Mutex
	paths  []string // GET requests
	heads  []string // HEAD requests
	prefix string   // "" = the TinyStories repository
	files  map[string][]byte
	// noLinked leaves out the X-Linked headers (a plain mirror).
	noLinked bool
	// page, when set, is served as text/html with status 200 instead of
	// any file (a portal or an error page).
	page string
}

func (h *hfServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	if r.Method == http.MethodHead {
		h.heads = append(h.heads, r.URL.Path)
	} else {
		h.paths = append(h.paths, r.URL.Path)
	}
	h.mu.Unlock()
	if h.page != "" {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(h.page))
		return
	}
	prefix := h.prefix
	if prefix == "" {
		prefix = "/datasets/roneneldan/TinyStories/resolve/main/"
	}
	name, ok := strings.CutPrefix(r.URL.Path, prefix)
	content, found := h.files[name]
	if !ok || !found {
		http.NotFound(w, r)
		return
	}
	if !h.noLinked {
		sum := sha256.Sum256(content)
		w.Header().Set("X-Linked-Size", strconv.Itoa(len(content)))
		w.Header().Set("X-Linked-Etag", `"`+hex.EncodeToString(sum[:])+`"`)
	}
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(content))
}

// standIns makes the shipped TinyStories expectations those of the given
// stand-in files for the test's duration.
func standIns(t *testing.T, files map[string][]byte) {
	saved := tinyStoriesFiles
	t.Cleanup(func() { tinyStoriesFiles = saved })
	tinyStoriesFiles = map[string]download.Expect{}
	for name, b := range files {
		sum := sha256.Sum256(b)
		tinyStoriesFiles[name] = download.Expect{Size: int64(len(b)), SHA256: hex.EncodeToString(sum[:]), From: "shipped"}
	}
}

// tinyText writes stories the way TinyStoriesV2 does: "\n<|endoftext|>\n"
// between them.
func tinyText(seed uint64, n int) []byte {
	g := synth.New(seed)
	var b bytes.Buffer
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString("\n" + EOT + "\n")
		}
		b.Write(g.AppendStory(nil))
	}
	return b.Bytes()
}

func newHF(t *testing.T) (*hfServer, string) {
	h := &hfServer{files: map[string][]byte{TinyTrainFile: tinyText(1, 300), TinyValidFile: tinyText(2, 30)}}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return h, ts.URL
}

func TestPrepareTinyStories(t *testing.T) {
	h, url := newHF(t)
	cache := t.TempDir()
	var progress bytes.Buffer
	ds := prepare(t, Options{Source: "tinystories", CacheDir: cache, HFEndpoint: url, VocabSize: 500, Progress: &progress})
	assert.EqualValues(t, 300, ds.Meta.TrainDocs)
	assert.EqualValues(t, 30, ds.Meta.ValDocs)
	assert.Contains(t, progress.String(), TinyTrainFile)
	assert.Contains(t, h.paths, "/datasets/roneneldan/TinyStories/resolve/main/"+TinyTrainFile)
	for _, f := range []string{TinyTrainFile, TinyValidFile} {
		got, err := os.ReadFile(filepath.Join(TinyStoriesDir(cache), f))
		require.NoError(t, err)
		assert.Equal(t, h.files[f], got)
	}
	// Documents are trimmed: no newline around the separators.
	text := decode(t, ds, ds.Train.Tokens())
	assert.NotContains(t, text, "\n"+EOT)
	assert.NotContains(t, text, EOT+"\n")

	// Second run: the files are verified, not fetched again.
	n := len(h.paths)
	again := prepare(t, Options{Source: "tinystories", CacheDir: cache, HFEndpoint: url, VocabSize: 500})
	assert.True(t, again.Cached)
	assert.Len(t, h.paths, n)

	// A cached download that no longer matches its record is reported.
	flipByte(t, filepath.Join(TinyStoriesDir(cache), TinyValidFile), 10)
	_, err := Prepare(context.Background(), Options{Source: "tinystories", CacheDir: cache, HFEndpoint: url, VocabSize: 500})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "checksum mismatch")
}

func TestPrepareTinyStoriesHonoursHFEndpoint(t *testing.T) {
	h, url := newHF(t)
	t.Setenv("HF_ENDPOINT", url)
	_ = prepare(t, Options{Source: "tinystories", CacheDir: t.TempDir(), VocabSize: 300})
	assert.NotEmpty(t, h.paths, "HF_ENDPOINT was used")

	// The option wins over the environment.
	h2, url2 := newHF(t)
	n := len(h.paths)
	_ = prepare(t, Options{Source: "tinystories", CacheDir: t.TempDir(), VocabSize: 300, HFEndpoint: url2})
	assert.Len(t, h.paths, n)
	assert.NotEmpty(t, h2.paths)
}

func TestPrepareTinyStoriesOffline(t *testing.T) {
	ts := httptest.NewServer(http.NotFoundHandler())
	url := ts.URL
	ts.Close() // nothing listens there any more
	cache := t.TempDir()
	_, err := Prepare(context.Background(), Options{Source: "tinystories", CacheDir: cache, HFEndpoint: url})
	require.Error(t, err)
	msg := err.Error()
	assert.NotContains(t, msg, "\n", "one line")
	assert.Contains(t, msg, "place "+TinyTrainFile+" and "+TinyValidFile+" in "+TinyStoriesDir(cache))

	// Files placed by hand are checked against the shipped size and
	// SHA-256: other text is refused...
	train, valid := tinyText(1, 100), tinyText(2, 10)
	require.NoError(t, os.WriteFile(filepath.Join(TinyStoriesDir(cache), TinyTrainFile), train, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(TinyStoriesDir(cache), TinyValidFile), valid, 0o644))
	_, err = Prepare(context.Background(), Options{Source: "tinystories", CacheDir: cache, HFEndpoint: url, VocabSize: 300})
	require.ErrorIs(t, err, download.ErrMismatch)
	assert.Contains(t, err.Error(), "placed by hand")
	assert.Contains(t, err.Error(), "22502601 bytes with SHA-256 6874bae9a4c1a4e7edcf0e53b86c17817e9cf881fc75ff2368da457b80c0585d")

	// ... and the right files are used without any server.
	standIns(t, map[string][]byte{TinyTrainFile: train, TinyValidFile: valid})
	ds := prepare(t, Options{Source: "tinystories", CacheDir: cache, HFEndpoint: url, VocabSize: 300})
	assert.EqualValues(t, 100, ds.Meta.TrainDocs)
}

// A server that answers with anything but the file makes Prepare fail
// with one line naming the URL, what was expected and what came; nothing
// is recorded or built.
func TestPrepareTinyStoriesRefusesBadDownloads(t *testing.T) {
	good := map[string][]byte{TinyTrainFile: tinyText(1, 50), TinyValidFile: tinyText(2, 5)}
	tests := []struct {
		name string
		srv  *hfServer
		want string
	}{
		{"HTML error page with status 200", &hfServer{files: good, page: "<html><body>Rate limited</body></html>"}, "got a web page"},
		{"mirror without X-Linked headers serves other text", &hfServer{files: good, noLinked: true}, "(shipped), the server announces"},
		{"hub announces other bytes than it sends", &hfServer{files: good}, "X-Linked-Size and X-Linked-Etag"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := httptest.NewServer(tc.srv)
			defer ts.Close()
			if strings.HasPrefix(tc.name, "hub announces") {
				// The hub's headers describe one file, its CDN sends another.
				cdn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					b := bytes.ToUpper(good[path.Base(r.URL.Path)])
					http.ServeContent(w, r, "f", time.Time{}, bytes.NewReader(b))
				}))
				defer cdn.Close()
				ts.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					sum := sha256.Sum256(good[path.Base(r.URL.Path)])
					w.Header().Set("X-Linked-Size", strconv.Itoa(len(good[path.Base(r.URL.Path)])))
					w.Header().Set("X-Linked-Etag", `"`+hex.EncodeToString(sum[:])+`"`)
					http.Redirect(w, r, cdn.URL+"/cdn/"+path.Base(r.URL.Path), http.StatusFound)
				})
			}
			cache := t.TempDir()
			_, err := Prepare(context.Background(), Options{Source: "tinystories", CacheDir: cache, HFEndpoint: ts.URL, VocabSize: 300})
			require.ErrorIs(t, err, download.ErrMismatch)
			msg := err.Error()
			assert.NotContains(t, msg, "\n", "one line")
			assert.Contains(t, msg, TinyStoriesURL(ts.URL, TinyValidFile))
			assert.Contains(t, msg, tc.want)
			_, err = os.Stat(filepath.Join(TinyStoriesDir(cache), TinyValidFile))
			assert.ErrorIs(t, err, os.ErrNotExist)
			_, err = os.Stat(filepath.Join(cache, "datasets"))
			assert.ErrorIs(t, err, os.ErrNotExist, "nothing built")
		})
	}
}

func TestPrepareCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	cache := t.TempDir()
	_, err := Prepare(ctx, Options{Source: "synthetic", CacheDir: cache, SyntheticBytes: 4 << 20, VocabSize: 300})
	require.ErrorIs(t, err, context.Canceled)
	entries, _ := os.ReadDir(filepath.Join(cache, "datasets"))
	assert.Empty(t, entries, "a cancelled build leaves nothing in the cache")
}

var _ = io.EOF

// Two processes (here: goroutines) preparing the same dataset at once
// both end up with the one finished folder.
func TestPrepareConcurrent(t *testing.T) {
	opts := Options{Source: "synthetic", CacheDir: t.TempDir(), SyntheticBytes: 200 << 10, VocabSize: 300}
	var wg sync.WaitGroup
	dss := make([]*Dataset, 3)
	errs := make([]error, 3)
	for i := range dss {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dss[i], errs[i] = Prepare(context.Background(), opts)
		}()
	}
	wg.Wait()
	for i := range dss {
		require.NoError(t, errs[i])
		t.Cleanup(func() { _ = dss[i].Close() })
	}
	for i := range dss {
		assert.Equal(t, dss[0].Dir, dss[i].Dir)
		assert.True(t, slices.Equal(dss[0].Train.Tokens(), dss[i].Train.Tokens()), "same tokens")
	}
	entries, err := os.ReadDir(filepath.Join(opts.CacheDir, "datasets"))
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no build folders left behind")
}

// The real TinyStories excerpt from the shared fixtures, served the way
// Hugging Face serves it.
func TestPrepareTinyStoriesFixture(t *testing.T) {
	sample, err := os.ReadFile(filepath.Join("..", "..", "shared", "fixtures", "tokenizer", "tinystories_sample.txt"))
	if err != nil {
		t.Skipf("shared fixture tinystories_sample.txt not found (%v); it lives in ../shared/fixtures next to the repository", err)
	}
	h := &hfServer{files: map[string][]byte{TinyTrainFile: sample, TinyValidFile: sample}}
	ts := httptest.NewServer(h)
	defer ts.Close()
	ds := prepare(t, Options{Source: "tinystories", CacheDir: t.TempDir(), HFEndpoint: ts.URL, VocabSize: 300})
	docs := int64(bytes.Count(sample, []byte(EOT)) + 1)
	if bytes.HasSuffix(bytes.TrimSpace(sample), []byte(EOT)) {
		docs--
	}
	assert.Equal(t, docs, ds.Meta.TrainDocs)
	text := decode(t, ds, ds.Train.Tokens())
	assert.True(t, strings.HasPrefix(text, "Once upon a time there was a little boy named Ben."), text[:80])
	assert.Contains(t, text, "“Wow, that is a really amazing vase! Can I buy it?”", "UTF-8 quotes survive the round trip")
}

func TestTokenizerFingerprintIsStable(t *testing.T) {
	a, err := fingerprint()
	require.NoError(t, err)
	assert.Len(t, a, 16)
	b, err := fingerprint()
	require.NoError(t, err)
	assert.Equal(t, a, b)
}

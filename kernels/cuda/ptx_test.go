package cuda

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sourceHash is what kernels/Makefile writes into a PTX file: the SHA-256
// of the .cu followed by every .cuh of the folder in name order.
func sourceHash(t *testing.T, cu string, headers []string) string {
	t.Helper()
	h := sha256.New()
	for _, f := range append([]string{cu}, headers...) {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func TestPTXIsFreshForEverySource(t *testing.T) {
	srcs, err := filepath.Glob("../src/*.cu")
	require.NoError(t, err)
	require.NotEmpty(t, srcs, "no kernels/src/*.cu found")
	headers, err := filepath.Glob("../src/*.cuh")
	require.NoError(t, err)
	sort.Strings(headers)
	ix, err := embeddedIndex()
	require.NoError(t, err)
	for _, src := range srcs {
		name := strings.TrimSuffix(filepath.Base(src), ".cu")
		t.Run(name, func(t *testing.T) {
			m, ok := ix.modules[name]
			require.Truef(t, ok, "kernels/ptx/%s.ptx is missing: run make kernels", name)
			assert.Equalf(t, sourceHash(t, src, headers), m.hash,
				"kernels/ptx/%s.ptx was built from another version of %s (or of a .cuh): run make kernels", name, filepath.Base(src))
			if v, ok := ix.modules[name+".sm90"]; ok {
				assert.Equalf(t, m.hash, v.hash, "kernels/ptx/%s.sm90.ptx is stale: run make kernels", name)
			}
		})
	}
	for name, m := range ix.modules {
		_, err := os.Stat(filepath.Join("..", "src", m.source+".cu"))
		assert.NoErrorf(t, err, "kernels/ptx/%s.ptx has no source kernels/src/%s.cu: remove it or run make kernels", name, m.source)
	}
}

func TestEmbeddedPTXDefinesEveryLaunchedKernel(t *testing.T) {
	ix, err := embeddedIndex()
	require.NoError(t, err)
	for _, k := range launchedKernels() {
		_, ok := ix.moduleFor(k, false)
		assert.Truef(t, ok, "kernel %s is launched but not defined in any embedded PTX", k)
	}
}

func TestParsePTX(t *testing.T) {
	good := "// source-sha256: abc123\n//\n.version 7.8\n.target sm_80\n\n.visible .entry foo_f32(\n\t.param .u64 p\n)\n{}\n.entry bar(\n)\n.func helper()\n"
	tests := []struct {
		name    string
		data    string
		entries []string
		wantErr string
	}{
		{"entries and hash", good, []string{"foo_f32", "bar"}, ""},
		{"no hash line", ".version 7.8\n.visible .entry foo(\n", nil, "run make kernels"},
		{"empty", "", nil, "is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := parsePTX("x", []byte(tt.data))
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "abc123", m.hash)
			assert.Equal(t, tt.entries, m.entries)
			assert.Equal(t, byte(0), m.image[len(m.image)-1], "image must be NUL-terminated for cuModuleLoadData")
		})
	}
}

func TestIndexPrefersSM90VariantOnHopper(t *testing.T) {
	fsys := fstest.MapFS{
		"k.ptx":      {Data: []byte("// source-sha256: 1\n.visible .entry a(\n.visible .entry b(\n")},
		"k.sm90.ptx": {Data: []byte("// source-sha256: 1\n.visible .entry a(\n")},
	}
	ix, err := loadIndex(fsys)
	require.NoError(t, err)
	tests := []struct {
		kernel string
		hopper bool
		want   string
	}{
		{"a", false, "k"}, {"a", true, "k.sm90"}, {"b", true, "k"}, {"b", false, "k"},
	}
	for _, tt := range tests {
		got, ok := ix.moduleFor(tt.kernel, tt.hopper)
		require.True(t, ok)
		assert.Equalf(t, tt.want, got, "kernel %s hopper=%v", tt.kernel, tt.hopper)
	}
	_, ok := ix.moduleFor("missing", true)
	assert.False(t, ok)
}

func TestIndexRejectsDuplicateKernels(t *testing.T) {
	fsys := fstest.MapFS{
		"a.ptx": {Data: []byte("// source-sha256: 1\n.visible .entry dup(\n")},
		"b.ptx": {Data: []byte("// source-sha256: 2\n.visible .entry dup(\n")},
	}
	_, err := loadIndex(fsys)
	require.ErrorContains(t, err, "dup")
}

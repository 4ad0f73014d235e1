package kernels

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// makeTree copies what `make kernels` reads (the top-level Makefile,
// kernels/Makefile, ptx.mk, ptx-stale.sh, src/ and ptx/) into a temporary
// folder, as a fresh clone would have it, and returns the folder and a bin
// folder that holds the only programs on PATH there: make, sh and the
// tools the rules use, but no nvcc.
func makeTree(t *testing.T) (root, bin string) {
	t.Helper()
	root = t.TempDir()
	copyFile := func(src, dst string) {
		b, err := os.ReadFile(src)
		require.NoError(t, err)
		require.NoError(t, os.MkdirAll(filepath.Dir(dst), 0o755))
		require.NoError(t, os.WriteFile(dst, b, 0o644))
	}
	copyFile("../Makefile", filepath.Join(root, "Makefile"))
	for _, f := range []string{"Makefile", "ptx.mk", "ptx-stale.sh"} {
		copyFile(f, filepath.Join(root, "kernels", f))
	}
	for _, pat := range []string{"src/*.cu", "src/*.cuh", "ptx/*.ptx"} {
		files, err := filepath.Glob(pat)
		require.NoError(t, err)
		require.NotEmpty(t, files, pat)
		for _, f := range files {
			copyFile(f, filepath.Join(root, "kernels", f))
		}
	}
	bin = filepath.Join(root, "bin")
	require.NoError(t, os.Mkdir(bin, 0o755))
	for _, tool := range []string{"make", "sh", "cat", "cut", "head", "sed", "ls", "mkdir", "rm", "mv", "sha256sum", "shasum"} {
		p, err := exec.LookPath(tool)
		if err != nil {
			if tool == "make" || tool == "sh" {
				t.Skipf("%s not installed: %v", tool, err)
			}
			continue
		}
		require.NoError(t, os.Symlink(p, filepath.Join(bin, tool)))
	}
	return root, bin
}

// runMake runs make with args in dir with only bin on PATH and returns its
// combined output and whether it succeeded.
func runMake(t *testing.T, dir, bin string, args ...string) (string, bool) {
	t.Helper()
	cmd := exec.Command(filepath.Join(bin, "make"), args...)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + bin, "HOME=" + dir, "LC_ALL=C"}
	out, err := cmd.CombinedOutput()
	return string(out), err == nil
}

// lines splits output into its non-empty lines.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}

const freshLine = "PTX files in kernels/ptx match the SHA-256 of their sources; nothing to build (nvcc not needed)"

// On a fresh clone without nvcc, `make kernels` (and make in kernels/)
// says in one line that the PTX matches its sources and succeeds, even
// when every source looks newer than its PTX.
func TestMakeKernelsWithoutNvccOnAFreshClone(t *testing.T) {
	root, bin := makeTree(t)
	future := time.Now().Add(time.Hour)
	srcs, err := filepath.Glob(filepath.Join(root, "kernels", "src", "*"))
	require.NoError(t, err)
	for _, f := range srcs {
		require.NoError(t, os.Chtimes(f, future, future)) // checkout order: sources newer than PTX
	}
	for _, args := range [][]string{{"kernels"}, {"--no-print-directory", "-C", "kernels"}} {
		out, ok := runMake(t, root, bin, args...)
		require.Truef(t, ok, "make %v failed:\n%s", args, out)
		got := lines(out)
		require.Lenf(t, got, 1, "make %v should print one line:\n%s", args, out)
		assert.Contains(t, got[0], freshLine)
	}
}

// A changed .cu without nvcc fails in one line that names the stale PTX and
// says how to get nvcc, and touches no PTX.
func TestMakeKernelsStaleWithoutNvcc(t *testing.T) {
	root, bin := makeTree(t)
	gelu := filepath.Join(root, "kernels", "src", "gelu.cu")
	f, err := os.OpenFile(gelu, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteString("// an edit\n")
	require.NoError(t, err)
	require.NoError(t, f.Close())
	before, err := os.ReadFile(filepath.Join(root, "kernels", "ptx", "gelu.ptx"))
	require.NoError(t, err)

	out, ok := runMake(t, root, bin, "kernels")
	require.False(t, ok, "make kernels must fail:\n%s", out)
	got := lines(out)
	require.Lenf(t, got, 1, "one line:\n%s", out)
	for _, want := range []string{"kernels/ptx/gelu.ptx no longer match", "nvcc is not installed", "nvidia-cuda-toolkit", "non-free"} {
		assert.Contains(t, got[0], want)
	}
	assert.NotContains(t, got[0], "adamw", "only the stale PTX is named")
	after, err := os.ReadFile(filepath.Join(root, "kernels", "ptx", "gelu.ptx"))
	require.NoError(t, err)
	assert.Equal(t, before, after)
}

// With nvcc present, exactly the stale PTX is rebuilt, carrying the hash
// kernels/cuda's test recomputes; a second make finds everything fresh.
func TestMakeKernelsRebuildsOnlyStalePTX(t *testing.T) {
	root, bin := makeTree(t)
	log := filepath.Join(root, "nvcc.log")
	fake := "#!/bin/sh\n# fake nvcc: records its source and writes a stand-in PTX\n" +
		"while [ $# -gt 0 ]; do case \"$1\" in -o) out=$2; shift;; *.cu) src=$1;; esac; shift; done\n" +
		"echo \"$src\" >> " + log + "\necho \"// PTX of $src\" > \"$out\"\n"
	require.NoError(t, os.WriteFile(filepath.Join(bin, "nvcc"), []byte(fake), 0o755))
	swiglu := filepath.Join(root, "kernels", "src", "swiglu.cu")
	src, err := os.ReadFile(swiglu)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(swiglu, append(src, "// an edit\n"...), 0o644))
	out, ok := runMake(t, root, bin, "kernels")
	require.Truef(t, ok, "make kernels failed:\n%s", out)
	built, err := os.ReadFile(log)
	require.NoError(t, err)
	assert.Equal(t, "src/swiglu.cu\n", string(built), "only the stale PTX is rebuilt")

	ptx, err := os.ReadFile(filepath.Join(root, "kernels", "ptx", "swiglu.ptx"))
	require.NoError(t, err)
	assert.Equal(t, "// source-sha256: "+goSourceHash(t, filepath.Join(root, "kernels", "src"), "swiglu.cu")+"\n// PTX of src/swiglu.cu\n", string(ptx))

	out, ok = runMake(t, root, bin, "kernels")
	require.Truef(t, ok, "second make kernels failed:\n%s", out)
	assert.Contains(t, out, freshLine)
	built, err = os.ReadFile(log)
	require.NoError(t, err)
	assert.Equal(t, "src/swiglu.cu\n", string(built), "nothing rebuilt the second time")
}

// goSourceHash is the source hash as kernels/cuda's PTX test computes it:
// SHA-256 of the .cu followed by every .cuh in name order.
func goSourceHash(t *testing.T, dir, cu string) string {
	t.Helper()
	headers, err := filepath.Glob(filepath.Join(dir, "*.cuh"))
	require.NoError(t, err)
	sort.Strings(headers)
	h := sha256.New()
	for _, f := range append([]string{filepath.Join(dir, cu)}, headers...) {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))
}

package cuda

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func fakeEnv(env map[string]string, files []string) searchEnv {
	return searchEnv{
		getenv: func(k string) string { return env[k] },
		glob: func(pattern string) ([]string, error) {
			var out []string
			seen := map[string]bool{}
			for _, f := range files {
				for d := filepath.Dir(f); d != "/" && d != "."; d = filepath.Dir(d) {
					if ok, _ := filepath.Match(pattern, d); ok && !seen[d] {
						seen[d] = true
						out = append(out, d)
					}
				}
			}
			return out, nil
		},
		exists: func(p string) bool {
			for _, f := range files {
				if f == p {
					return true
				}
			}
			return false
		},
	}
}

func TestCublasLtSearchOrder(t *testing.T) {
	env := map[string]string{
		"CUDA_HOME":       "/opt/cuda-13",
		"LD_LIBRARY_PATH": "/a/lib::/b/lib",
		"VIRTUAL_ENV":     "/venv",
		"HOME":            "/home/u",
	}
	files := []string{
		"/b/lib/libcublasLt.so.12",
		"/opt/cuda-13/lib64/libcublasLt.so.13",
		"/usr/local/cuda/lib64/libcublasLt.so.12",
		"/venv/lib/python3.11/site-packages/nvidia/cublas/lib/libcublasLt.so.12",
		"/usr/local/lib/python3.10/dist-packages/nvidia/cublas/lib/libcublasLt.so.12",
	}
	dirs := cublasLtDirs(fakeEnv(env, files))
	want := []string{"/opt/cuda-13/lib64", "/opt/cuda-13/lib", "/usr/local/cuda/lib64", "/a/lib", "/b/lib",
		"/venv/lib/python3.11/site-packages/nvidia/cublas/lib", "/usr/local/lib/python3.10/dist-packages/nvidia/cublas/lib"}
	assert.Equal(t, want, dirs)

	got := cublasLtCandidates(fakeEnv(env, files))
	assert.Equal(t, []string{
		"/opt/cuda-13/lib64/libcublasLt.so.13",
		"/usr/local/cuda/lib64/libcublasLt.so.12",
		"/b/lib/libcublasLt.so.12",
		"/venv/lib/python3.11/site-packages/nvidia/cublas/lib/libcublasLt.so.12",
		"/usr/local/lib/python3.10/dist-packages/nvidia/cublas/lib/libcublasLt.so.12",
		"libcublasLt.so.13", "libcublasLt.so.12", "libcublasLt.so.11", "libcublasLt.so",
	}, got)
}

func TestCublasLtSearchWithEmptyEnvironment(t *testing.T) {
	got := cublasLtCandidates(fakeEnv(nil, nil))
	assert.Equal(t, cublasLtSonames, got, "with nothing on disk only the loader's own search is left")
	dirs := cublasLtDirs(fakeEnv(nil, nil))
	assert.Equal(t, []string{"/usr/local/cuda/lib64"}, dirs)
	for _, d := range dirs {
		assert.False(t, strings.Contains(d, "*"), "no unexpanded globs: %s", d)
	}
}

func TestDriverLibraryNames(t *testing.T) {
	assert.Equal(t, "libcuda.so.1", driverLibraries[0], "the versioned soname is what the driver package installs")
}

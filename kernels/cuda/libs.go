package cuda

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// driverLibraries are the names tried, in order, for the CUDA driver. The
// dynamic loader searches its usual paths (ld.so.cache, LD_LIBRARY_PATH).
var driverLibraries = []string{"libcuda.so.1", "libcuda.so"}

// cublasLtSonames are the versioned names of cuBLASLt, newest first.
var cublasLtSonames = []string{"libcublasLt.so.13", "libcublasLt.so.12", "libcublasLt.so.11", "libcublasLt.so"}

// searchEnv abstracts the process environment and the file system so that
// the search order can be tested.
type searchEnv struct {
	getenv func(string) string
	glob   func(string) ([]string, error)
	exists func(string) bool
}

func osSearchEnv() searchEnv {
	return searchEnv{
		getenv: os.Getenv,
		glob:   filepath.Glob,
		exists: func(p string) bool { _, err := os.Stat(p); return err == nil },
	}
}

// cublasLtDirs lists the folders searched for cuBLASLt, in order:
// $CUDA_HOME (and $CUDA_PATH) lib64 and lib, /usr/local/cuda/lib64, each
// folder of $LD_LIBRARY_PATH, then the nvidia/cublas/lib folder of Python
// installs (the active virtualenv or conda env first, then user and system
// site-packages). Duplicates are dropped.
func cublasLtDirs(env searchEnv) []string {
	var dirs []string
	for _, v := range []string{"CUDA_HOME", "CUDA_PATH"} {
		if h := env.getenv(v); h != "" {
			dirs = append(dirs, filepath.Join(h, "lib64"), filepath.Join(h, "lib"))
		}
	}
	dirs = append(dirs, "/usr/local/cuda/lib64")
	for _, d := range strings.Split(env.getenv("LD_LIBRARY_PATH"), ":") {
		if d != "" {
			dirs = append(dirs, d)
		}
	}
	var roots []string
	for _, v := range []string{"VIRTUAL_ENV", "CONDA_PREFIX"} {
		if p := env.getenv(v); p != "" {
			roots = append(roots, filepath.Join(p, "lib", "python3*", "site-packages"))
		}
	}
	if home := env.getenv("HOME"); home != "" {
		roots = append(roots, filepath.Join(home, ".local", "lib", "python3*", "site-packages"))
	}
	roots = append(roots,
		"/opt/conda/lib/python3*/site-packages",
		"/usr/local/lib/python3*/dist-packages",
		"/usr/local/lib/python3*/site-packages",
		"/usr/lib/python3/dist-packages",
		"/usr/lib/python3*/site-packages",
	)
	for _, r := range roots {
		matches, _ := env.glob(filepath.Join(r, "nvidia", "cublas", "lib"))
		sort.Sort(sort.Reverse(sort.StringSlice(matches))) // newest Python first
		dirs = append(dirs, matches...)
	}
	return dedupe(dirs)
}

// cublasLtCandidates lists the files to try, in order: every soname in
// every search folder that exists, then the bare sonames for the dynamic
// loader's own search.
func cublasLtCandidates(env searchEnv) []string {
	var out []string
	for _, d := range cublasLtDirs(env) {
		for _, so := range cublasLtSonames {
			p := filepath.Join(d, so)
			if env.exists(p) {
				out = append(out, p)
			}
		}
	}
	return dedupe(append(out, cublasLtSonames...))
}

func dedupe(xs []string) []string {
	seen := make(map[string]bool, len(xs))
	out := xs[:0:0]
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

package kernels

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ops is the table of the package doc: every op family's one name.
var ops = []string{"elementwise", "matmul", "embedding", "layernorm", "gelu", "swiglu",
	"attention", "flash_attention", "crossentropy", "adamw", "sumsq"}

// noFile lists the files an op has no reason to have (see the package doc).
var noFile = map[string]bool{
	"cpu/flash_attention.go":                  true,
	"cpu/flash_attention_bench_test.go":       true,
	"../tensor/devicetest/flash_attention.go": true,
}

// TestEveryOpHasItsFilesUnderOneName keeps the package doc's table true:
// each op has its .cu, .ptx, CPU file, CUDA launcher, conformance case and
// benchmarks under its one name, and every .cu is an op of the table.
func TestEveryOpHasItsFilesUnderOneName(t *testing.T) {
	for _, op := range ops {
		for _, f := range []string{"src/" + op + ".cu", "ptx/" + op + ".ptx", "cpu/" + op + ".go", "cuda/" + op + ".go",
			"../tensor/devicetest/" + op + ".go", "cpu/" + op + "_bench_test.go", "cuda/" + op + "_bench_test.go"} {
			if noFile[f] {
				continue
			}
			_, err := os.Stat(f)
			assert.NoErrorf(t, err, "op %s: %s is missing (kernels/doc.go lists it)", op, f)
		}
	}
	srcs, err := filepath.Glob("src/*.cu")
	require.NoError(t, err)
	require.NotEmpty(t, srcs)
	for _, s := range srcs {
		assert.Containsf(t, ops, strings.TrimSuffix(filepath.Base(s), ".cu"), "%s is not in kernels/doc.go's op table", s)
	}
}

package main

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/empirical-scaling/harness/fit/fittest"
	"github.com/empirical-scaling/harness/fit/report"
)

// twoSweeps writes two simulated sweep folders, named tinystories and
// fineweb: the second steepens GeLU's exponent.
func twoSweeps(t *testing.T) (string, string) {
	root := t.TempDir()
	a, b := filepath.Join(root, "tinystories"), filepath.Join(root, "fineweb")
	fittest.WriteSweep(t, a, "tiny", fittest.Sweep(rand.New(rand.NewPCG(1, 1)), []fittest.Law{
		{Activation: "gelu", A: 30, B: 0.08, Sigma: 0.004}, {Activation: "swiglu", A: 29, B: 0.08, Sigma: 0.004}}, 5, 2))
	fittest.WriteSweep(t, b, "tiny", fittest.Sweep(rand.New(rand.NewPCG(2, 2)), []fittest.Law{
		{Activation: "gelu", A: 60, B: 0.12, Sigma: 0.004}, {Activation: "swiglu", A: 29, B: 0.08, Sigma: 0.004}}, 5, 2))
	return a, b
}

func TestAnalyzeComparesSweeps(t *testing.T) {
	a, b := twoSweeps(t)
	code, out, errOut := runCmd("-results", a, "-results", b, "-boot", "100")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "tinystories (loglinear law): b_gelu = ")
	assert.Contains(t, out, "fineweb (loglinear law): b_gelu = ")
	assert.Contains(t, out, "gelu's exponent differs between fineweb and tinystories")
	assert.Contains(t, out, "report: "+filepath.Join(a, report.FileCompareMD))
	for _, f := range []string{report.FileCompareMD, report.FileCompareHTM, report.FileComparePNG, report.FileCompareSVG, report.FileCompareJSON} {
		assert.FileExists(t, filepath.Join(a, f), "by default into the first folder")
	}
	assert.NoFileExists(t, filepath.Join(a, report.FileReportMD), "the sweep's own report is not touched")

	// Labels and another folder.
	out2 := filepath.Join(t.TempDir(), "side-by-side")
	code, out, errOut = runCmd("-results", a, "-results", b, "-label", "stories,web", "-out", out2, "-boot", "100")
	require.Equal(t, 0, code, errOut)
	md, err := os.ReadFile(filepath.Join(out2, report.FileCompareMD))
	require.NoError(t, err)
	assert.Contains(t, string(md), "# Sweeps side by side: stories, web")
	assert.Contains(t, out, "web (loglinear law)")
}

func TestAnalyzeCompareMistakes(t *testing.T) {
	a, b := twoSweeps(t)
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"labels miscounted", []string{"-results", a, "-results", b, "-label", "x"}, 2, `-label "x" names 1 sweeps, but 2 -results folders are given`},
		{"label twice", []string{"-results", a, "-results", b, "-label", "x,x"}, 2, `sweep label "x" is used twice`},
		{"label with one folder", []string{"-results", a, "-label", "x"}, 2, "-label and -out go with two or more -results folders"},
		{"same base name", []string{"-results", a, "-results", a}, 2, "is used twice"},
		{"missing folder", []string{"-results", a, "-results", filepath.Join(b, "nope")}, 1, filepath.Join(b, "nope", "results.json")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := runCmd(tc.args...)
			assert.Equal(t, tc.code, code)
			assert.Contains(t, errOut, tc.want)
			assert.Equal(t, 1, strings.Count(strings.TrimSpace(errOut), "\n")+1, "one line: %s", errOut)
		})
	}
}

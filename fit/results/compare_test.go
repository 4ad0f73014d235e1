package results

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/empirical-scaling/harness/fit"
	"github.com/empirical-scaling/harness/fit/fittest"
	"github.com/empirical-scaling/harness/fit/report"
)

func TestCompareReport(t *testing.T) {
	a, b, out := t.TempDir(), t.TempDir(), filepath.Join(t.TempDir(), "cmp")
	fittest.WriteSweep(t, a, "tiny", fittest.Sweep(rand.New(rand.NewPCG(1, 1)), []fittest.Law{
		{Activation: "gelu", A: 30, B: 0.08, Sigma: 0.004}, {Activation: "swiglu", A: 29, B: 0.08, Sigma: 0.004}}, 5, 2))
	fittest.WriteSweep(t, b, "tiny", fittest.Sweep(rand.New(rand.NewPCG(2, 2)), []fittest.Law{
		{Activation: "gelu", A: 60, B: 0.12, Sigma: 0.004}, {Activation: "swiglu", A: 29, B: 0.08, Sigma: 0.004}}, 5, 2))

	c, err := CompareReport(context.Background(), []string{a, b}, []string{"stories", "web"}, out,
		fit.Options{Forms: []string{fit.FormLogLinear, fit.FormSaturating}, Boot: fit.BootOptions{Resamples: 100}}, "analyze -results A -results B")
	require.NoError(t, err)
	require.Len(t, c.Deltas, 2)

	for _, f := range []string{report.FileCompareJSON, report.FileComparePNG, report.FileCompareSVG, report.FileCompareMD, report.FileCompareHTM} {
		assert.FileExists(t, filepath.Join(out, f))
	}
	png, err := os.ReadFile(filepath.Join(out, report.FileComparePNG))
	require.NoError(t, err)
	assert.Equal(t, "\x89PNG", string(png[:4]))
	md, err := os.ReadFile(filepath.Join(out, report.FileCompareMD))
	require.NoError(t, err)
	text := string(md)
	assert.Contains(t, text, "# Sweeps side by side: stories, web")
	assert.Contains(t, text, "gelu's exponent differs between web and stories")
	assert.Contains(t, text, "swiglu's exponent is the same within the uncertainty in web and stories")
	assert.Contains(t, text, "| stories | gelu | 10 |")
	assert.Contains(t, text, "| web | swiglu | 10 |")
	assert.Contains(t, text, "analyze -results A -results B")
	assert.Contains(t, text, a, "the folders are named")
	html, err := os.ReadFile(filepath.Join(out, report.FileCompareHTM))
	require.NoError(t, err)
	assert.Contains(t, string(html), "<svg")
	assert.Contains(t, string(html), "Exponents across sweeps")
	svg, err := os.ReadFile(filepath.Join(out, report.FileCompareSVG))
	require.NoError(t, err)
	for _, legend := range []string{"stories gelu, b = ", "stories swiglu, b = ", "web gelu, b = ", "web swiglu, b = "} {
		assert.Contains(t, string(svg), legend, "one legend entry per sweep and activation")
	}
	// Nothing was written into the sweep folders.
	assert.NoFileExists(t, filepath.Join(a, report.FileCompareMD))
}

func TestCompareReportErrors(t *testing.T) {
	a := t.TempDir()
	fittest.WriteSweep(t, a, "tiny", fittest.Sweep(rand.New(rand.NewPCG(1, 1)), []fittest.Law{{Activation: "gelu", A: 30, B: 0.08, Sigma: 0.004}}, 5, 1))
	missing := filepath.Join(t.TempDir(), "nope")
	_, err := CompareReport(context.Background(), []string{a, missing}, []string{"a", "b"}, t.TempDir(), fit.Options{}, "")
	require.Error(t, err)
	assert.Contains(t, err.Error(), filepath.Join(missing, "results.json"))
	assert.False(t, strings.Contains(err.Error(), "\n"))
}

package report

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/empirical-scaling/harness/fit"
	"github.com/empirical-scaling/harness/fit/fittest"
)

// analysis fits a small simulated two-activation sweep.
func analysis(t *testing.T, laws []fittest.Law) *fit.Analysis {
	t.Helper()
	pts := fittest.Sweep(rand.New(rand.NewPCG(1, 1)), laws, 5, 1)
	a, err := fit.Analyze(context.Background(), pts, fit.Options{Boot: fit.BootOptions{Resamples: 200}})
	require.NoError(t, err)
	return a
}

func TestWriteWritesEveryOutput(t *testing.T) {
	a := analysis(t, []fittest.Law{{Activation: "gelu", A: 40, B: 0.07, Sigma: 0.005}, {Activation: "swiglu", A: 38, B: 0.072, Sigma: 0.005}})
	require.NotNil(t, a.Verdict)

	dir := filepath.Join(t.TempDir(), "out")
	meta := Meta{Command: "analyze -results X", GoVersion: "go-test", ModuleVersion: "test", Date: "2026-01-01"}
	require.NoError(t, Write(a, dir, meta))
	for _, f := range []string{FileAnalysis, FileScalingPN, FileScalingSV, FileCurves, FileResiduals, FileReportMD, FileReportHTM} {
		st, err := os.Stat(filepath.Join(dir, f))
		require.NoError(t, err, f)
		assert.Positive(t, st.Size(), f)
		assert.Equal(t, os.FileMode(0o644), st.Mode().Perm(), f)
	}
	md, err := os.ReadFile(filepath.Join(dir, FileReportMD))
	require.NoError(t, err)
	assert.Contains(t, string(md), a.Verdict.Decision)
	assert.Contains(t, string(md), "analyze -results X")
	html, err := os.ReadFile(filepath.Join(dir, FileReportHTM))
	require.NoError(t, err)
	assert.Contains(t, string(html), "<svg")
	assert.Contains(t, string(html), "data:image/png;base64,")
	assert.NotContains(t, string(html), `src="scaling`, "self-contained")

	var back struct {
		Meta     Meta `json:"meta"`
		Analysis struct {
			Activations []struct {
				Fits []struct {
					Form   string `json:"form"`
					Params []fit.Param
				} `json:"fits"`
			} `json:"activations"`
			Verdict fit.Verdict `json:"verdict"`
		} `json:"analysis"`
	}
	js, err := os.ReadFile(filepath.Join(dir, FileAnalysis))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(js, &back))
	assert.Equal(t, meta, back.Meta)
	assert.Equal(t, a.Verdict.DeltaB, back.Analysis.Verdict.DeltaB)
}

func TestWriteRefusesAFileInPlaceOfTheFolder(t *testing.T) {
	a := analysis(t, []fittest.Law{{Activation: "gelu", A: 40, B: 0.07, Sigma: 0.005}})
	dir := filepath.Join(t.TempDir(), "taken")
	require.NoError(t, os.WriteFile(dir, []byte("x"), 0o644))
	err := Write(a, dir, Meta{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "taken")
}

func TestNewMetaFillsProvenance(t *testing.T) {
	m := NewMeta("analyze -results runs/tiny")
	assert.Equal(t, "analyze -results runs/tiny", m.Command)
	assert.NotEmpty(t, m.GoVersion)
	assert.NotEmpty(t, m.ModuleVersion)
	assert.NotEmpty(t, m.Date)
	rows := provenanceRows(Meta{Command: "c", GoVersion: "g", ModuleVersion: "m", Date: "d", Grid: "tiny"})
	assert.Equal(t, [][2]string{{"command", "c"}, {"go", "g"}, {"module", "m"}, {"date", "d"}, {"grid", "tiny"}}, rows)
}

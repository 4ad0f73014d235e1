package report

import (
	"context"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/empirical-scaling/harness/fit"
	"github.com/empirical-scaling/harness/fit/fittest"
)

func TestWriteIsoFLOPReport(t *testing.T) {
	budgets := []float64{1e9, 3e9, 1e10, 3e10}
	kn := 1.2 * math.Sqrt(1e10/120) / math.Pow(1e10, 0.5)
	pts := fittest.IsoFLOPSweep(rand.New(rand.NewPCG(3, 4)), []fittest.Profile{
		{Activation: "gelu", A: 0.5, KN: kn, L: 0.05, KL: 12, Curv: 0.03, Sigma: 0.003},
		{Activation: "swiglu", A: 0.5, KN: 1.5 * kn, L: 0.05, KL: 11.5, Curv: 0.03, Sigma: 0.003},
	}, budgets)
	tiny := fit.StartGrid{Alpha: []float64{0.3, 0.6}, Beta: []float64{0.3, 0.6}, LogE: []float64{0, 1}, LogA: []float64{2, 6}, LogB: []float64{2, 6}}
	a, err := fit.Analyze(context.Background(), pts, fit.Options{Boot: fit.BootOptions{Resamples: 100}, ChinchillaGrid: &tiny})
	require.NoError(t, err)
	require.NotNil(t, a.IsoFLOP)
	require.NotNil(t, a.IsoFLOP.Verdict)
	a.LRTuning = []fit.LRTuningCurve{{Activation: "gelu", Params: 600, Tokens: 80000, LR: []float64{1e-3, 2e-3, 4e-3}, Multiplier: []float64{0.5, 1, 2},
		Loss: []fit.Num{4.1, 4.0, fit.Num(math.Inf(1))}, Best: 1, BestLR: 2e-3}}

	dir := t.TempDir()
	require.NoError(t, Write(a, dir, Meta{Command: "analyze -results X", Date: "2026-01-01"}))
	for _, f := range []string{fileProfile("gelu"), fileProfile("swiglu"), FileOptima, FileChinchillaResid, FileLRTuning, FileReportMD, FileReportHTM} {
		st, err := os.Stat(filepath.Join(dir, f))
		require.NoError(t, err, f)
		assert.Positive(t, st.Size(), f)
	}
	md, err := os.ReadFile(filepath.Join(dir, FileReportMD))
	require.NoError(t, err)
	for _, want := range []string{"## IsoFLOP: compute-optimal frontiers", "IsoFLOP verdict", a.IsoFLOP.Verdict.Summary, "a (N_opt ∝ C^a)",
		"Compute-optimal tokens per parameter", "## Learning rates", "gelu ×1 (peak lr 0.002", "diverged", "isoflop-optima.png"} {
		assert.Contains(t, string(md), want)
	}
	html, err := os.ReadFile(filepath.Join(dir, FileReportHTM))
	require.NoError(t, err)
	assert.Contains(t, string(html), "IsoFLOP verdict")
	assert.Contains(t, string(html), "Learning rates")
	assert.NotContains(t, string(html), `src="isoflop`, "figures are embedded")
}

func TestIsoFLOPPlotsWithoutMinima(t *testing.T) {
	// flat, noisy profiles: parabolas open downward, nothing to draw on
	// log axes, and the report must still be written
	var pts []fit.Point
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range []float64{1e9, 3e9, 1e10} {
		for i, n := range []float64{1e3, 2e3, 4e3} {
			l := 4 + 0.01*float64(i%2) + 0.001*rng.NormFloat64()
			pts = append(pts, fit.Point{Run: "r", Activation: "gelu", Role: fit.RoleAnchor, N: n, D: c / (6 * n), C: c, Budget: c, Loss: l})
		}
	}
	a, err := fit.Analyze(context.Background(), pts, fit.Options{Forms: []string{fit.FormLogLinear}, Boot: fit.BootOptions{Resamples: 20}})
	require.NoError(t, err)
	require.NoError(t, Write(a, t.TempDir(), Meta{}))
}

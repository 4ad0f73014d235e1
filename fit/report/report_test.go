package report

import (
	"bytes"
	"context"
	"encoding/json"
	"html/template"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
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

// TestReportAndConsoleCarryTheQualifiedVerdict: on a sweep whose holdouts
// jump off the law, the headline that opens report.md, report.html and the
// console says so, and analysis.json marks the verdict as qualified.
func TestReportAndConsoleCarryTheQualifiedVerdict(t *testing.T) {
	laws := []fittest.Law{{Activation: "gelu", A: 40, B: 0.07, Sigma: 0.01, HoldoutShift: 1.08}, {Activation: "swiglu", A: 38, B: 0.07, Sigma: 0.01, HoldoutShift: 1.08}}
	pts := fittest.Sweep(rand.New(rand.NewPCG(1, 7)), laws, 5, 2)
	a, err := fit.Analyze(context.Background(), pts, fit.Options{Boot: fit.BootOptions{Resamples: 200}})
	require.NoError(t, err)
	v := a.Verdict
	require.NotNil(t, v)
	require.True(t, v.Qualified)
	assert.Contains(t, v.Headline, "misses 4 of 4 holdouts")

	dir := t.TempDir()
	require.NoError(t, Write(a, dir, Meta{Command: "test"}))
	md, err := os.ReadFile(filepath.Join(dir, FileReportMD))
	require.NoError(t, err)
	assert.Contains(t, string(md), "**Verdict: "+v.Headline+".**")
	assert.Contains(t, string(md), "### Which law the data support")
	assert.Contains(t, string(md), v.SeedRule.Summary)
	assert.Contains(t, string(md), a.LawChoice.Reason)
	html, err := os.ReadFile(filepath.Join(dir, FileReportHTM))
	require.NoError(t, err)
	assert.Contains(t, string(html), `<p class="verdict qualified"><strong>Verdict: `+template.HTMLEscapeString(v.Headline)+`.</strong>`)
	assert.Contains(t, string(html), "Which law the data support")

	var back struct {
		Analysis struct {
			Verdict struct {
				Headline   string   `json:"headline"`
				Qualified  bool     `json:"qualified"`
				Qualifiers []string `json:"qualifiers"`
				Evidence   struct {
					Form        string `json:"form"`
					Predictions int    `json:"predictions"`
					Inside      int    `json:"inside"`
					Missed      bool   `json:"missed_beyond_chance"`
				} `json:"evidence"`
				SeedRule struct {
					Decision string `json:"decision"`
				} `json:"seed_rule"`
			} `json:"verdict"`
		} `json:"analysis"`
	}
	js, err := os.ReadFile(filepath.Join(dir, FileAnalysis))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(js, &back))
	bv := back.Analysis.Verdict
	assert.Equal(t, v.Headline, bv.Headline)
	assert.True(t, bv.Qualified)
	assert.Equal(t, []string{fit.QualifierHoldoutsMissed}, bv.Qualifiers)
	assert.Equal(t, fit.FormLogLinear, bv.Evidence.Form)
	assert.Equal(t, 4, bv.Evidence.Predictions)
	assert.Equal(t, 0, bv.Evidence.Inside)
	assert.True(t, bv.Evidence.Missed)
	assert.Equal(t, v.SeedRule.Decision, bv.SeedRule.Decision)

	var out bytes.Buffer
	require.NoError(t, WriteSummary(&out, a))
	assert.Contains(t, out.String(), "\nverdict: "+v.Headline+"\n")
	assert.Equal(t, 8, strings.Count(out.String(), "its 95% interval for a run\n"), "one line per holdout prediction")
	assert.Contains(t, out.String(), v.SeedRule.Summary)
}

func TestCleanVerdictIsNotMarked(t *testing.T) {
	a := analysis(t, []fittest.Law{{Activation: "gelu", A: 40, B: 0.07, Sigma: 0.005}, {Activation: "swiglu", A: 38, B: 0.072, Sigma: 0.005}})
	require.NotNil(t, a.Verdict)
	require.False(t, a.Verdict.Qualified, a.Verdict.Headline)
	md := Markdown(a, Meta{})
	assert.Contains(t, md, "**Verdict: "+a.Verdict.Headline+".**")
	assert.Contains(t, a.Verdict.Headline, "predicts 2 of 2 holdouts")
	html, err := HTML(a, Meta{}, nil, nil, nil)
	require.NoError(t, err)
	assert.Contains(t, string(html), `<p class="verdict"><strong>`)
}

func TestSummaryWithoutVerdict(t *testing.T) {
	a := analysis(t, []fittest.Law{{Activation: "gelu", A: 40, B: 0.07, Sigma: 0.005}})
	require.Nil(t, a.Verdict)
	var out bytes.Buffer
	require.NoError(t, WriteSummary(&out, a))
	assert.Contains(t, out.String(), "verdict: none")
	assert.Contains(t, Markdown(a, Meta{}), "**No verdict: ")
}

func TestPlotsFollowTheChosenLaw(t *testing.T) {
	laws := []fittest.Law{{Activation: "gelu", A: 40, B: 0.1, E: 1.5, Sigma: 0.01}, {Activation: "swiglu", A: 38, B: 0.1, E: 1.5, Sigma: 0.01}}
	pts := fittest.Sweep(rand.New(rand.NewPCG(1, 7)), laws, 5, 2)
	a, err := fit.Analyze(context.Background(), pts, fit.Options{Boot: fit.BootOptions{Resamples: 100}})
	require.NoError(t, err)
	require.Equal(t, fit.FormSaturating, a.VerdictLaw())
	p, err := ResidualsPlot(a)
	require.NoError(t, err)
	assert.Contains(t, p.Title.Text, fit.FormSaturating)
	require.NoError(t, Write(a, t.TempDir(), Meta{}))
}

func TestSampleHeading(t *testing.T) {
	assert.Contains(t, sampleHeading([]Sample{{Prompt: "Once upon a time", Seed: 1}}), `continues "Once upon a time" (seed 1`)
	assert.Contains(t, sampleHeading([]Sample{{Prompt: "", Seed: 2}}), "starts a new document (seed 2")
}

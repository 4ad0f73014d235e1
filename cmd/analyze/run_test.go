package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/empirical-scaling/harness/experiment"
)

func runCmd(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = run(context.Background(), args, &o, &e)
	return code, o.String(), e.String()
}

// writeSweep writes a sweep folder: anchors sizes per activation on
// L = a·C^−b with a little deterministic noise, and one holdout each.
func writeSweep(t *testing.T, sizes int) string {
	t.Helper()
	dir := t.TempDir()
	rs := experiment.Results{Grid: "test", Command: "experiment -grid test"}
	for _, act := range []string{"gelu", "swiglu"} {
		a := map[string]float64{"gelu": 40, "swiglu": 37}[act]
		for i := 0; i <= sizes; i++ {
			n := int64(1e5 * math.Pow(2, float64(i)))
			role := experiment.RoleAnchor
			if i == sizes {
				n *= 2
				role = experiment.RoleHoldout
			}
			c := float64(6 * n * 20 * n)
			loss := a * math.Pow(c, -0.07) * (1 + 0.004*math.Sin(float64(7*i)))
			r := experiment.Result{Name: fmt.Sprintf("%s-%d", act, i), Activation: act, Role: role, Params: n, Tokens: 20 * n,
				Compute: c, FinalLoss: loss, Status: experiment.StatusFinished, Device: "cpu",
				Curve: []experiment.CurvePoint{{Step: 1, Tokens: 10 * n, ValLoss: loss * 1.2}, {Step: 2, Tokens: 20 * n, ValLoss: loss}}}
			rs.Runs = append(rs.Runs, r)
			b, err := json.Marshal(r)
			require.NoError(t, err)
			require.NoError(t, os.MkdirAll(filepath.Join(dir, r.Name), 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(dir, r.Name, "result.json"), b, 0o644))
		}
	}
	b, err := json.Marshal(rs)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "results.json"), b, 0o644))
	return dir
}

func TestAnalyzeResultsWritesTheReport(t *testing.T) {
	dir := writeSweep(t, 6)
	code, out, errOut := runCmd("-results", dir, "-boot", "100")
	require.Equal(t, 0, code, errOut)
	assert.Empty(t, errOut)
	assert.Contains(t, out, "Δb")
	assert.Contains(t, out, "\nverdict: ")
	assert.Contains(t, out, "The seed's rule")
	for _, f := range []string{"analysis.json", "scaling.png", "scaling.svg", "curves.png", "residuals.png", "report.md", "report.html"} {
		assert.FileExists(t, filepath.Join(dir, f))
	}
	md, err := os.ReadFile(filepath.Join(dir, "report.md"))
	require.NoError(t, err)
	assert.Contains(t, string(md), "analyze -results "+dir+" -boot 100")
	assert.Contains(t, string(md), "grid: `test`")
	verdict := strings.SplitN(strings.SplitN(out, "\nverdict: ", 2)[1], "\n", 2)[0]
	assert.Contains(t, string(md), "**Verdict: "+verdict+".**", "the report opens with the console's verdict")
}

func TestAnalyzeBadInputEndsWithOneLine(t *testing.T) {
	cases := []struct {
		name string
		args func(t *testing.T) []string
		code int
		want string
	}{
		{"no mode", func(*testing.T) []string { return nil }, 2, "exactly one of"},
		{"both modes", func(*testing.T) []string { return []string{"-results", "x", "-csv", "y"} }, 2, "exactly one of"},
		{"unknown flag", func(*testing.T) []string { return []string{"-bogus"} }, 2, "bogus"},
		{"csv without form", func(*testing.T) []string { return []string{"-csv", "x.csv"} }, 2, "-form"},
		{"unknown verdict form", func(*testing.T) []string { return []string{"-results", "x", "-verdict-form", "cubic"} }, 2, "-verdict-form"},
		{"unknown form", func(t *testing.T) []string {
			return []string{"-csv", writeCSV(t, "params,tokens,loss\n1,2,3\n"), "-form", "cubic"}
		}, 2, "cubic"},
		{"negative drop-highest", func(t *testing.T) []string {
			return []string{"-csv", writeCSV(t, "params,tokens,loss\n1,2,3\n"), "-form", "loglinear", "-drop-highest", "-1"}
		}, 2, "-drop-highest -1"},
		{"missing results dir", func(t *testing.T) []string { return []string{"-results", filepath.Join(t.TempDir(), "nope")} }, 1, "results.json"},
		{"corrupt results.json", func(t *testing.T) []string {
			dir := writeSweep(t, 4)
			require.NoError(t, os.WriteFile(filepath.Join(dir, "results.json"), []byte("{\"runs\": [tru"), 0o644))
			return []string{"-results", dir}
		}, 1, "results.json"},
		{"corrupt run result.json", func(t *testing.T) []string {
			dir := writeSweep(t, 4)
			require.NoError(t, os.WriteFile(filepath.Join(dir, "gelu-2", "result.json"), []byte("garbage"), 0o644))
			return []string{"-results", dir}
		}, 1, filepath.Join("gelu-2", "result.json")},
		{"too few points", func(t *testing.T) []string { return []string{"-results", writeSweep(t, 1), "-boot", "10"} }, 1, "too few points"},
		{"csv without loss", func(t *testing.T) []string {
			return []string{"-csv", writeCSV(t, "params,tokens\n1,2\n"), "-form", "loglinear"}
		}, 1, "no loss column"},
		{"csv bad number", func(t *testing.T) []string {
			return []string{"-csv", writeCSV(t, "params,tokens,loss\n1e6,2e7,3\n2e6,x,2.9\n"), "-form", "loglinear"}
		}, 1, "row 2"},
		{"csv too few rows", func(t *testing.T) []string {
			return []string{"-csv", writeCSV(t, "params,tokens,loss\n1e6,2e7,3\n2e6,4e7,2.9\n"), "-form", "saturating"}
		}, 1, "too few points"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := runCmd(tc.args(t)...)
			assert.Equal(t, tc.code, code)
			assert.Equal(t, 1, strings.Count(errOut, "\n"), "exactly one line on stderr: %q", errOut)
			assert.True(t, strings.HasPrefix(errOut, "analyze: "), errOut)
			assert.Contains(t, errOut, tc.want)
		})
	}
}

func writeCSV(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "points.csv")
	require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	return p
}

func TestAnalyzeCSV(t *testing.T) {
	var b strings.Builder
	b.WriteString("params,tokens,loss\n")
	for i := 0; i < 8; i++ {
		n := 1e6 * math.Pow(2, float64(i))
		d := 20 * n
		fmt.Fprintf(&b, "%g,%g,%g\n", n, d, 30*math.Pow(6*n*d, -0.05))
	}
	path := writeCSV(t, b.String())

	code, out, errOut := runCmd("-csv", path, "-form", "loglinear", "-boot", "50")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "L = a·C^−b fitted to 8 of 8 points")
	assert.Regexp(t, `(?m)^b\s+0\.05\s`, out)

	code, out, errOut = runCmd("-csv", path, "-form", "loglinear", "-boot", "50", "-json", "-drop-highest", "2")
	require.Equal(t, 0, code, errOut)
	var got struct {
		Rows        int `json:"rows"`
		DropHighest int `json:"drop_highest"`
		Fit         struct {
			Points int `json:"points"`
			Params []struct {
				Name  string  `json:"name"`
				Value float64 `json:"value"`
				Lo    float64 `json:"lo"`
				Hi    float64 `json:"hi"`
			} `json:"params"`
		} `json:"fit"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &got), out)
	assert.Equal(t, 8, got.Rows)
	assert.Equal(t, 6, got.Fit.Points)
	require.Len(t, got.Fit.Params, 2)
	assert.Equal(t, "b", got.Fit.Params[1].Name)
	assert.InDelta(t, 0.05, got.Fit.Params[1].Value, 1e-9)
}

func TestHelpExitsZero(t *testing.T) {
	code, out, _ := runCmd("-h")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "-results")
}

// TestAnalyzeRefusesRunsThatDisagree: a folder whose runs were trained at
// D = 20N and D = 10N is refused before any fit, with the two runs named.
func TestAnalyzeRefusesRunsThatDisagree(t *testing.T) {
	dir := writeSweep(t, 6)
	for i, name := range []string{"gelu-0", "gelu-1"} {
		n := int64(1e5 * (i + 1))
		cfg := map[string]any{"name": name, "data": "synthetic", "params": n, "tokens": int64(10*(i+1)) * n,
			"model": map[string]any{"vocab": 300, "seq_len": 32}}
		b, err := json.Marshal(cfg)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, name, "config.json"), b, 0o644))
	}
	code, _, errOut := runCmd("-results", dir, "-boot", "100")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "different settings")
	assert.Contains(t, errOut, "gelu-0")
	assert.Contains(t, errOut, "gelu-1")
	assert.NoFileExists(t, filepath.Join(dir, "analysis.json"))
}

package results

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/empirical-scaling/harness/experiment"
	"github.com/empirical-scaling/harness/fit"
)

func run(name, act, role string, n int64, loss float64, status string) experiment.Result {
	return experiment.Result{Name: name, Activation: act, Role: role, Params: n, Tokens: 20 * n,
		Compute: float64(6 * n * 20 * n), FinalLoss: loss, Status: status, Device: "cpu",
		Curve: []experiment.CurvePoint{{Step: 1, Tokens: 10 * n, ValLoss: loss + 1}, {Step: 2, Tokens: 20 * n, ValLoss: loss}}}
}

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, b, 0o644))
}

// sweepDir writes a small sweep: three finished runs and one failed one;
// the first run also has its own result.json with a newer loss.
func sweepDir(t *testing.T) string {
	dir := t.TempDir()
	rs := experiment.Results{Grid: "smoke", Command: "experiment -grid smoke", Version: "v0", Runs: []experiment.Result{
		run("gelu-a", "gelu", experiment.RoleAnchor, 1000, 5, experiment.StatusRunning),
		run("gelu-b", "gelu", experiment.RoleAnchor, 4000, 4, experiment.StatusFinished),
		run("gelu-h", "gelu", experiment.RoleHoldout, 16000, 3, experiment.StatusFinished),
		run("gelu-x", "gelu", experiment.RoleAnchor, 8000, 0, experiment.StatusDiverged),
	}}
	writeJSON(t, filepath.Join(dir, "results.json"), rs)
	fresh := run("gelu-a", "gelu", experiment.RoleAnchor, 1000, 4.9, experiment.StatusFinished)
	writeJSON(t, filepath.Join(dir, "gelu-a", "result.json"), fresh)
	return dir
}

func TestLoadSweep(t *testing.T) {
	s, err := LoadSweep(sweepDir(t))
	require.NoError(t, err)
	assert.Equal(t, "smoke", s.Grid)
	assert.Equal(t, "cpu", s.Device)
	require.Len(t, s.Points, 3)
	a := s.Points[0]
	assert.Equal(t, fit.Point{Run: "gelu-a", Activation: "gelu", Role: fit.RoleAnchor, N: 1000, D: 20000, C: 1.2e8, Loss: 4.9,
		Curve: []fit.CurvePoint{{Tokens: 10000, ValLoss: 5.9}, {Tokens: 20000, ValLoss: 4.9}}}, a, "the run's own result.json wins")
	require.Len(t, s.Skipped, 1)
	assert.Contains(t, s.Skipped[0], "gelu-x")
	assert.Contains(t, s.Skipped[0], "diverged")
}

func TestLoadSweepNamesTheBadFile(t *testing.T) {
	cases := []struct {
		name    string
		corrupt func(dir string) string // returns the file that must be named
	}{
		{"missing results.json", func(dir string) string {
			p := filepath.Join(dir, "results.json")
			os.Remove(p)
			return p
		}},
		{"corrupt results.json", func(dir string) string {
			p := filepath.Join(dir, "results.json")
			os.WriteFile(p, []byte(`{"runs": [ {"name": "gelu-a", `), 0o644)
			return p
		}},
		{"corrupt run result.json", func(dir string) string {
			p := filepath.Join(dir, "gelu-a", "result.json")
			os.WriteFile(p, []byte("\x00\x01 not json"), 0o644)
			return p
		}},
		{"wrong type in run result.json", func(dir string) string {
			p := filepath.Join(dir, "gelu-a", "result.json")
			os.WriteFile(p, []byte(`{"name": "gelu-a", "params": "many"}`), 0o644)
			return p
		}},
		{"run name escaping the folder", func(dir string) string {
			p := filepath.Join(dir, "results.json")
			os.WriteFile(p, []byte(`{"runs": [{"name": "../etc"}]}`), 0o644)
			return p
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := sweepDir(t)
			bad := tc.corrupt(dir)
			_, err := LoadSweep(dir)
			require.Error(t, err)
			assert.Contains(t, err.Error(), bad)
		})
	}
}

func TestLoadSweepReadsCurvesFromMetricsCSV(t *testing.T) {
	dir := sweepDir(t)
	r := run("gelu-b", "gelu", experiment.RoleAnchor, 4000, 4, experiment.StatusFinished)
	r.Curve = nil
	writeJSON(t, filepath.Join(dir, "gelu-b", "result.json"), r)
	csv := experiment.MetricsHeader + "\n1,100,0.001,6,,1,10,0.1\n2,200,0.001,5,4.5,1,10,0.2\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "gelu-b", "metrics.csv"), []byte(csv), 0o644))
	r.Name = "gelu-h"
	r.Role = experiment.RoleHoldout
	writeJSON(t, filepath.Join(dir, "gelu-h", "result.json"), r)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "gelu-h", "metrics.csv"), []byte("step,tokens,val_loss\n1,x,3\n"), 0o644))

	s, err := LoadSweep(dir)
	require.NoError(t, err)
	require.Len(t, s.Points, 3)
	assert.Equal(t, []fit.CurvePoint{{Tokens: 200, ValLoss: 4.5}}, s.Points[1].Curve)
	assert.Empty(t, s.Points[2].Curve)
	require.Len(t, s.Warnings, 1)
	assert.Contains(t, s.Warnings[0], filepath.Join("gelu-h", "metrics.csv"))
}

func TestSamplePromptFor(t *testing.T) {
	tests := []struct {
		source, want string
	}{
		{"synthetic", ""},
		{"synthetic:zipf=2", ""},
		{"synthetic-v1", SamplePrompt},
		{"tinystories", SamplePrompt},
		{"./my-corpus.txt", SamplePrompt},
		{"synthetic:zipf=0.5", SamplePrompt}, // not a valid chronicle: no special case
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, SamplePromptFor(tc.source), tc.source)
	}
}

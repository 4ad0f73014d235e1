package slurm

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestArraySpec(t *testing.T) {
	for _, tc := range []struct {
		idx  []int
		max  int
		want string
	}{
		{[]int{0, 1, 2, 3}, 0, "0-3"},
		{[]int{5, 0, 2, 3}, 2, "0,2-3,5%2"},
		{[]int{7}, 0, "7"},
	} {
		assert.Equal(t, tc.want, ArraySpec(tc.idx, tc.max))
	}
}

func TestScripts(t *testing.T) {
	o := Options{Binary: "/shared/bin/experiment", Dir: "/shared/runs/full", Grid: "full", Device: "cuda", Partition: "gpu",
		GPUsPerRun: 1, CPUsPerRun: 8, Time: "12:00:00", MaxParallel: 4, ExtraArgs: []string{"--account=lab"},
		RunArgs: []string{"-checkpoint-every", "10m"}, LockWait: 5 * time.Minute}
	s := SweepScriptText(o, []int{0, 1, 3})
	for _, want := range []string{
		"#SBATCH --array=0-1,3%4\n", "#SBATCH --signal=B:TERM@120\n", "#SBATCH --requeue\n",
		"#SBATCH --output=/shared/runs/full/slurm/logs/run-%a.log\n", "#SBATCH --gres=gpu:1\n", "#SBATCH --cpus-per-task=8\n",
		"#SBATCH --time=12:00:00\n", "#SBATCH --partition=gpu\n", "#SBATCH --account=lab\n",
		"exec /shared/bin/experiment run -out /shared/runs/full -device cuda -quiet -lock-wait 5m0s -checkpoint-every 10m\n",
	} {
		assert.Contains(t, s, want)
	}
	a := AnalyzeScriptText(o, "4242")
	assert.Contains(t, a, "#SBATCH --dependency=afterany:4242\n")
	assert.Contains(t, a, "exec /shared/bin/experiment analyze -out /shared/runs/full\n")
	assert.Equal(t, "'it'\\''s here'", shellQuote("it's here"))
}

func TestSubmitAndQuery(t *testing.T) {
	dir := t.TempDir()
	var calls []string
	fake := func(_ context.Context, name string, args ...string) (string, error) {
		calls = append(calls, name+" "+strings.Join(args, " "))
		switch {
		case name == "sbatch" && len(calls) == 1:
			return "100\n", nil
		case name == "sbatch":
			return "101;cluster\n", nil
		case name == "squeue":
			return "100_2|RUNNING\n100_[3-4%1]|PENDING\n101|PENDING\n", nil
		case name == "sacct":
			return "100_0|COMPLETED\n100_1|CANCELLED by 0\n100_2|RUNNING\n101|PENDING\n", nil
		}
		return "", fmt.Errorf("unexpected %s", name)
	}
	o := Options{Binary: "/b/experiment", Dir: dir, Grid: "smoke", Device: "cpu"}
	s, err := Submit(context.Background(), fake, o, []int{0, 1, 2, 3, 4})
	require.NoError(t, err)
	assert.Equal(t, "100", s.ArrayJob)
	assert.Equal(t, "101", s.AnalysisJob)
	require.Len(t, calls, 2)
	assert.Equal(t, "sbatch --parsable --dependency=afterany:100 "+filepath.Join(dir, Subdir, AnalyzeScript), calls[1])
	b, err := os.ReadFile(filepath.Join(dir, Subdir, AnalyzeScript))
	require.NoError(t, err)
	assert.Contains(t, string(b), "--dependency=afterany:100\n")

	back, ok, err := ReadSubmission(dir)
	require.NoError(t, err)
	require.True(t, ok)
	st, err := Query(context.Background(), fake, back)
	require.NoError(t, err)
	assert.Equal(t, map[int]string{0: "COMPLETED", 1: "CANCELLED", 2: "RUNNING", 3: "PENDING", 4: "PENDING"}, st.Tasks)
	assert.Equal(t, "PENDING", st.Analysis)
}

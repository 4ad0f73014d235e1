package experiment

import (
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/empirical-scaling/harness/data"
	"github.com/empirical-scaling/harness/kernels/cpu"
	"github.com/empirical-scaling/harness/nn"
)

// tinyRun is a run of a small model that takes well under a second.
func tinyRun(t testing.TB, out string, train, val *data.Shard) RunConfig {
	return RunConfig{
		Shape:      &nn.Config{Layers: 2, Width: 32, Heads: 2},
		Activation: nn.GeLU,
		Seed:       11,
		Train:      train, Val: val,
		SeqLen: 32, Batch: 8, Tokens: 24 * 8 * 32,
		LR: 3e-3, EvalEvery: 5, EvalTokens: 2048,
		Device: cpu.New(), Out: out,
	}
}

// readMetrics parses metrics.csv into rows (elapsed and tokens/s included).
func readMetrics(t testing.TB, dir string) []Row {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, MetricsFile))
	require.NoError(t, err)
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	require.Equal(t, MetricsHeader, joinComma(recs[0]))
	var rows []Row
	for _, rec := range recs[1:] {
		num := func(s string) float64 {
			if s == "" {
				return math.NaN()
			}
			v, err := strconv.ParseFloat(s, 64)
			require.NoError(t, err)
			return v
		}
		step, err := strconv.Atoi(rec[0])
		require.NoError(t, err)
		tok, err := strconv.ParseInt(rec[1], 10, 64)
		require.NoError(t, err)
		rows = append(rows, Row{Step: step, Tokens: tok, LR: num(rec[2]), TrainLoss: num(rec[3]), ValLoss: num(rec[4]),
			GradNorm: num(rec[5]), TokensPerSec: num(rec[6]), Elapsed: num(rec[7])})
	}
	return rows
}

func joinComma(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += ","
		}
		out += x
	}
	return out
}

// sameTrajectory compares what must be bit-identical between two runs:
// everything except timings.
func sameTrajectory(t testing.TB, a, b []Row) {
	t.Helper()
	require.Equal(t, len(a), len(b), "row count")
	for i := range a {
		x, y := a[i], b[i]
		require.Equal(t, x.Step, y.Step)
		require.Equal(t, x.Tokens, y.Tokens, "step %d", x.Step)
		require.Equal(t, math.Float64bits(x.LR), math.Float64bits(y.LR), "lr at step %d", x.Step)
		require.Equal(t, math.Float64bits(x.TrainLoss), math.Float64bits(y.TrainLoss), "train loss at step %d: %v vs %v", x.Step, x.TrainLoss, y.TrainLoss)
		require.Equal(t, math.IsNaN(x.ValLoss), math.IsNaN(y.ValLoss), "val loss presence at step %d", x.Step)
		if !math.IsNaN(x.ValLoss) {
			require.Equal(t, math.Float64bits(x.ValLoss), math.Float64bits(y.ValLoss), "val loss at step %d", x.Step)
		}
		require.Equal(t, math.Float64bits(x.GradNorm), math.Float64bits(y.GradNorm), "grad norm at step %d", x.Step)
	}
}

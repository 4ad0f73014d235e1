package experiment

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/empirical-scaling/harness/nn"
)

func TestIsoFLOPGrids(t *testing.T) {
	for _, name := range []string{GridIsoFLOPSmoke, GridIsoFLOPTiny, GridIsoFLOP} {
		t.Run(name, func(t *testing.T) {
			g, err := GridByName(name)
			require.NoError(t, err)
			require.True(t, g.IsoFLOP())
			require.NoError(t, g.Validate())
			runs, err := g.Runs(GridOptions{})
			require.NoError(t, err)
			names := map[string]bool{}
			shapes := map[string]map[int64]bool{} // per activation and budget: distinct N
			perBudget := map[float64]int{}
			for _, r := range runs {
				assert.False(t, names[r.Name], "duplicate run name %s", r.Name)
				names[r.Name] = true
				assert.Equal(t, RoleAnchor, r.Role)
				require.Positive(t, r.Budget, r.Name)
				n := r.Shape.Params().NonEmbedding
				assert.InEpsilon(t, r.Budget, 6*float64(n)*float64(r.Tokens), 1e-3, "%s: 6·N·D is its budget", r.Name)
				key := string(r.Activation) + BudgetLabel(r.Budget)
				if shapes[key] == nil {
					shapes[key] = map[int64]bool{}
				}
				assert.False(t, shapes[key][n], "%s: another run of its budget has N = %d", r.Name, n)
				shapes[key][n] = true
				perBudget[r.Budget]++
			}
			assert.GreaterOrEqual(t, len(perBudget), 3, "budgets")
			for c, k := range perBudget {
				assert.GreaterOrEqual(t, k, 2*3, "runs at budget %g", c)
			}
			// the sizes of a budget span a wide range of tokens per parameter
			for _, b := range g.Budgets {
				lo, hi := math.Inf(1), math.Inf(-1)
				for _, r := range runs {
					if r.Budget == b.C && r.Activation == nn.GeLU {
						tpp := float64(r.Tokens) / float64(r.Shape.Params().NonEmbedding)
						lo, hi = math.Min(lo, tpp), math.Max(hi, tpp)
					}
				}
				assert.Greater(t, hi/lo, 8.0, "budget %s: D/N from %g to %g", BudgetLabel(b.C), lo, hi)
			}
			_, err = g.Runs(GridOptions{TokensPerParam: 20})
			require.Error(t, err, "an IsoFLOP grid refuses a fixed ratio")
			assert.Contains(t, err.Error(), "budget")
		})
	}
}

func TestIsoFLOPGridValidation(t *testing.T) {
	g, err := GridByName(GridIsoFLOPSmoke)
	require.NoError(t, err)
	short := g
	short.Budgets = g.Budgets[:2]
	assert.ErrorContains(t, short.Validate(), "want at least 3")
	thin := g
	thin.Budgets = append([]Budget(nil), g.Budgets...)
	thin.Budgets[0].Sizes = thin.Budgets[0].Sizes[:2]
	assert.ErrorContains(t, thin.Validate(), "for its parabola")
	bad := g
	bad.Budgets = append([]Budget(nil), g.Budgets...)
	bad.Budgets[1].C = -1
	assert.ErrorContains(t, bad.Validate(), "positive FLOP count")
}

func TestBudgetLabel(t *testing.T) {
	for c, want := range map[float64]string{1e17: "1e17", 3e16: "3e16", 2.5e9: "2.5e9", 9.9999e8: "1e9", 3e8: "3e8"} {
		assert.Equal(t, want, BudgetLabel(c), "%g", c)
	}
}

func TestLRScaleAndWidthRule(t *testing.T) {
	g, err := GridByName(GridIsoFLOPTiny)
	require.NoError(t, err)
	runs, err := g.Runs(GridOptions{Activations: []nn.Activation{nn.GeLU}, LRScale: map[nn.Activation]float64{nn.GeLU: 4}})
	require.NoError(t, err)
	for _, r := range runs[:3] {
		c := g.runConfig(r)
		assert.InEpsilon(t, 4*3e-3*16/float64(r.Shape.Width), c.LR, 1e-12, "%s: ×4 of 3e-3·16/width", r.Name)
		assert.Equal(t, 4.0, c.LRScale)
	}
	// the size table's rule: a multiplier scales each size's table rate
	full, err := GridByName(GridFull)
	require.NoError(t, err)
	specs, err := full.Runs(GridOptions{Activations: []nn.Activation{nn.SwiGLU}, Seeds: 1, LRScale: map[nn.Activation]float64{nn.SwiGLU: 0.5}})
	require.NoError(t, err)
	assert.InEpsilon(t, 0.5*1.2e-3, full.runConfig(specs[0]).LR, 1e-12, "3M: half the table's 1.2e-3")
	assert.InEpsilon(t, 0.5*8e-4, full.runConfig(specs[2]).LR, 1e-12, "30M: half the table's 8e-4")
	// no multiplier: the grid's settings as before
	plain, err := full.Runs(GridOptions{Activations: []nn.Activation{nn.SwiGLU}, Seeds: 1})
	require.NoError(t, err)
	assert.Zero(t, full.runConfig(plain[0]).LR, "the table's rate is resolved by the run")
}

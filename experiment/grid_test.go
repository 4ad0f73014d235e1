package experiment

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/empirical-scaling/harness/nn"
)

// realN is the largest non-embedding count of a role's runs per activation.
func realN(runs []RunSpec, role string, largest bool) map[nn.Activation]int64 {
	out := map[nn.Activation]int64{}
	for _, r := range runs {
		if r.Role != role {
			continue
		}
		n := r.Shape.Params().NonEmbedding
		cur, ok := out[r.Activation]
		if !ok || (largest && n > cur) || (!largest && n < cur) {
			out[r.Activation] = n
		}
	}
	return out
}

func TestBuiltInGrids(t *testing.T) {
	for _, g := range Grids() {
		if g.IsoFLOP() {
			continue // TestIsoFLOPGrids
		}
		t.Run(g.Name, func(t *testing.T) {
			require.NoError(t, g.Validate())
			runs, err := g.Runs(GridOptions{WithHoldouts: true})
			require.NoError(t, err)
			acts := map[nn.Activation]map[string]int{}
			for _, r := range runs {
				if acts[r.Activation] == nil {
					acts[r.Activation] = map[string]int{}
				}
				acts[r.Activation][r.Role]++
				assert.Equal(t, r.Activation, r.Shape.Activation, r.Name)
				assert.Equal(t, g.SeqLen, r.Shape.SeqLen, r.Name)
			}
			for _, a := range []nn.Activation{nn.GeLU, nn.SwiGLU} {
				assert.GreaterOrEqual(t, acts[a][RoleAnchor], 3*g.Seeds, "%s anchors of %s", a, g.Name)
				assert.GreaterOrEqual(t, acts[a][RoleHoldout], 1, "%s holdouts of %s", a, g.Name)
				// a verdict needs (law parameters + 3) anchor runs per activation.
				if g.Name != GridSmoke {
					assert.GreaterOrEqual(t, acts[a][RoleAnchor], 5, "%s: anchor runs per activation for a verdict", g.Name)
				}
			}
			big, small := realN(runs, RoleAnchor, true), realN(runs, RoleHoldout, false)
			for a, n := range big {
				assert.Greater(t, small[a], n, "%s %s: holdout larger than every anchor", g.Name, a)
			}
		})
	}
}

func TestTinyV1Grid(t *testing.T) {
	g, err := GridByName(GridTinyV1)
	require.NoError(t, err)
	assert.Equal(t, "synthetic-v1", g.Data, "built-in data: no download")
	assert.GreaterOrEqual(t, len(g.Anchors), 4)
	runs, err := g.Runs(GridOptions{})
	require.NoError(t, err)
	big, small := realN(runs, RoleAnchor, true), realN(runs, RoleHoldout, false)
	for _, a := range []nn.Activation{nn.GeLU, nn.SwiGLU} {
		require.Contains(t, small, a)
		assert.GreaterOrEqual(t, float64(small[a]), 2.5*float64(big[a]), "%s: real holdout N %d vs largest anchor %d", a, small[a], big[a])
	}
	for _, r := range runs {
		assert.InDelta(t, 20*r.Shape.Params().NonEmbedding, r.Tokens, 1, "D = 20·N for %s", r.Name)
	}
}

func TestTinyGrid(t *testing.T) {
	g, err := GridByName(GridTiny)
	require.NoError(t, err)
	assert.Equal(t, "synthetic", g.Data, "built-in data: no download")
	assert.GreaterOrEqual(t, len(g.Anchors), 5)
	for _, s := range append(slices.Clone(g.Anchors), g.Holdouts...) {
		assert.Zero(t, s.Layers, "tiny uses the config builder's shapes, not hand-made ones")
	}
	runs, err := g.Runs(GridOptions{})
	require.NoError(t, err)
	big, small := realN(runs, RoleAnchor, true), realN(runs, RoleHoldout, false)
	least := realN(runs, RoleAnchor, false)
	deep := map[nn.Activation]bool{}
	for _, r := range runs {
		deep[r.Activation] = deep[r.Activation] || r.Shape.Layers > 1
	}
	for _, a := range []nn.Activation{nn.GeLU, nn.SwiGLU} {
		require.Contains(t, small, a)
		assert.GreaterOrEqual(t, float64(big[a]), 7*float64(least[a]), "%s: anchors span about a decade (%d to %d)", a, least[a], big[a])
		assert.GreaterOrEqual(t, float64(small[a]), 1.3*float64(big[a]), "%s: real holdout N %d vs largest anchor %d", a, small[a], big[a])
		assert.True(t, deep[a], "%s: multi-layer shapes in the grid", a)
	}
	for _, r := range runs {
		assert.InDelta(t, 20*r.Shape.Params().NonEmbedding, r.Tokens, 1, "D = 20·N for %s", r.Name)
	}
}

func TestSeedGridShapes(t *testing.T) {
	g, err := GridByName(GridFull)
	require.NoError(t, err)
	runs, err := g.Runs(GridOptions{Activations: []nn.Activation{nn.GeLU}, Seeds: 1})
	require.NoError(t, err)
	var got []string
	for _, r := range runs {
		got = append(got, r.Name+" "+r.Shape.String()+" "+r.Role)
	}
	assert.Equal(t, []string{
		"gelu-3M-s1 L4 d256 h4 gelu anchor", "gelu-10M-s1 L6 d384 h6 gelu anchor",
		"gelu-30M-s1 L10 d512 h8 gelu anchor", "gelu-85M-s1 L12 d768 h12 gelu holdout",
	}, got)

	a, err := GridByName(GridAnchors)
	require.NoError(t, err)
	runs, err = a.Runs(GridOptions{})
	require.NoError(t, err)
	assert.Len(t, runs, 3*2*2, "anchors: 3 sizes × 2 activations × 2 seeds, the holdout off")
	for _, r := range runs {
		assert.Equal(t, RoleAnchor, r.Role)
	}
	assert.Equal(t, "tinystories", a.Data)
}

func TestGridOptions(t *testing.T) {
	g, err := GridByName(GridSmoke)
	require.NoError(t, err)
	tests := []struct {
		name    string
		o       GridOptions
		runs    int
		holdout bool
		tpp     float64
	}{
		{"default", GridOptions{}, 8, true, 20},
		{"anchors only", GridOptions{AnchorsOnly: true}, 6, false, 20},
		{"one activation, 3 seeds", GridOptions{Activations: []nn.Activation{nn.SwiGLU}, Seeds: 3}, 12, true, 20},
		{"tokens per param", GridOptions{TokensPerParam: 5}, 8, true, 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			runs, err := g.Runs(tc.o)
			require.NoError(t, err)
			require.Len(t, runs, tc.runs)
			hold := false
			names := map[string]bool{}
			for _, r := range runs {
				hold = hold || r.Role == RoleHoldout
				assert.False(t, names[r.Name], "duplicate name %s", r.Name)
				names[r.Name] = true
				assert.InDelta(t, tc.tpp*float64(r.Shape.Params().NonEmbedding), float64(r.Tokens), 1)
			}
			assert.Equal(t, tc.holdout, hold)
		})
	}
	_, err = g.Runs(GridOptions{Activations: []nn.Activation{"relu"}})
	assert.ErrorContains(t, err, "relu")
}

func TestGridValidateRejects(t *testing.T) {
	good := func() Grid {
		g, _ := GridByName(GridSmoke)
		return g
	}
	tests := []struct {
		name   string
		change func(g *Grid)
		want   string
	}{
		{"no holdout", func(g *Grid) { g.Holdouts = nil }, "no holdout"},
		{"one anchor", func(g *Grid) { g.Anchors = g.Anchors[:1] }, "at least 2"},
		{"holdout inside anchors", func(g *Grid) { g.Holdouts = []Size{{N: 1000}} }, "not larger than the largest anchor"},
		{"negative size", func(g *Grid) { g.Anchors[0].N = -5 }, "positive parameter count"},
		{"width without depth", func(g *Grid) { g.Anchors[0].Layers = 0 }, "both or neither"},
		{"zero tokens per param", func(g *Grid) { g.TokensPerParam = 0 }, "tokens per parameter"},
		{"no data", func(g *Grid) { g.Data = "" }, "no data source"},
		{"no evals", func(g *Grid) { g.Evals = 0 }, "want positive values"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := good()
			g.Anchors = append([]Size(nil), g.Anchors...)
			tc.change(&g)
			err := g.Validate()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.Contains(t, err.Error(), `grid "smoke"`)
		})
	}
	_, err := GridByName("huge")
	assert.ErrorContains(t, err, "smoke, tiny, tiny-v1, anchors, full, isoflop-smoke, isoflop-tiny, isoflop, auto")
}

func TestSizeLabel(t *testing.T) {
	for n, want := range map[int64]string{800: "800", 3000: "3K", 1500: "1.5K", 3_000_000: "3M", 85_000_000: "85M", 1_250_000_000: "1.25B"} {
		assert.Equal(t, want, SizeLabel(n))
	}
}

package experiment

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/empirical-scaling/harness/nn"
	"github.com/empirical-scaling/harness/optim"
)

// Grid is a set of model sizes trained at a fixed tokens-per-parameter
// ratio: anchors are fitted, holdouts (larger) are predicted from the
// anchors. Every size is trained with each activation and seed.
//
// The built-in grids (Grids; the README has the same table). N is the
// target non-embedding parameter count; smoke and tiny-v1 use explicit
// one-layer shapes (L1, width d), the other grids the config builder
// (nn.ForParams):
//
//	grid     data          vocab  ctx  batch                   lr      eval tokens×evals  anchors                            holdouts   seeds
//	smoke    synthetic-v1  300    32   16 seqs                 3e-3    2,048×4            800, 1.8K, 3K (d8, d12, d16)       7K (d24)   1
//	tiny     synthetic     2048   128  ≈600 steps (7-79 seqs)  1.2e-2  16,384×8           28K, 50K, 77K, 111K, 222K          300K       1
//	tiny-v1  synthetic-v1  512    64   ≈600 steps (2-15 seqs)  3e-3    16,384×8           1.8K, 3K, 5K, 7K, 9.5K (d12..d28)  28K (d48)  2
//	anchors  tinystories   4096   256  table (64K+ tokens)     table   65,536×20          3M, 10M, 30M                       (85M off)  2
//	full     tinystories   4096   256  table (64K+ tokens)     table   65,536×20          3M, 10M, 30M                       85M        2
//
// D = 20·N everywhere. Every grid gives each activation at least 5 anchor
// runs (sizes × seeds), the fewest a verdict needs (the law's parameters
// + 3). The tiny grids give every run about the same number of optimizer
// steps (the batch grows with N, as D does), so that the loss differences
// come from size and data, not from step counts. tiny trains the
// builder's shapes (one layer up to 111K, two above) on the knowledge
// chronicle (data/synth), whose heavy tail of facts keeps the loss
// falling; its learning rate was chosen on the chronicle (3e-3 left the
// smallest model a third worse, 2.4e-2 was no better than 1.2e-2).
// tiny-v1 is the CPU default before the chronicle: on the first
// generator's stories the loss follows a clean power law up to L1 d48
// (28K) and then drops far below it, so it stays below that size.
type Grid struct {
	Name        string
	Description string
	// Data is the default data source; VocabSize the BPE vocabulary
	// trained for it; SyntheticBytes the synthetic corpus size (0: the
	// data package's default).
	Data           string
	VocabSize      int
	SyntheticBytes int64
	// Tokenizer "gpt2" loads GPT-2's tokenizer instead of training one
	// (VocabSize is then GPT-2's 50,257).
	Tokenizer string
	// TextColumn is the text column of a Parquet source ("": the data
	// package's default, "text").
	TextColumn string
	// SeqLen is the context length; Batch the sequences per optimizer
	// step (0: the per-size table of optim.DefaultsFor).
	SeqLen int
	Batch  int
	// Steps, when set, overrides Batch: each run gets the batch (in
	// sequences, at least 1) that makes about Steps optimizer steps, so
	// the batch grows with the model as D = 20·N does.
	Steps int
	// LR is the peak learning rate (0: the per-size table).
	LR float64
	// LRWidthRef, when set, makes LR the rate of a model of this width and
	// scales it as 1/width for the others (Adam's stable rate falls about
	// as 1/width; an IsoFLOP grid spans widths ×3 and more).
	LRWidthRef int `json:",omitempty"`
	// EvalTokens are the validation tokens scored per evaluation, and
	// Evals the number of evaluations per run (the last one gives the
	// final loss).
	EvalTokens int64
	Evals      int
	// TokensPerParam is D/N (20: Chinchilla).
	TokensPerParam float64
	// Anchors and Holdouts are the model sizes.
	Anchors  []Size
	Holdouts []Size
	// HoldoutsOff leaves the holdouts out unless asked for: the anchors
	// grid is the full grid without its 85M holdout.
	HoldoutsOff bool
	// Seeds is the default number of seeds per size.
	Seeds int
	// Budgets, when set, make the grid an IsoFLOP grid (see
	// grid_isoflop.go): each budget's sizes are trained at D = C/(6·N), so
	// every run of a budget costs the same compute. Anchors, Holdouts and
	// TokensPerParam are then unused, and every run is an anchor.
	Budgets []Budget `json:",omitempty"`
	// TuneLR is the default of the sweep's -tune-lr: train the smallest
	// size of each activation at a ladder of learning rates before the
	// grid and use each activation's best (see TuneLR).
	TuneLR bool `json:",omitempty"`
}

// Size is one model size of a grid: a target non-embedding parameter
// count N, which also names its runs, and optionally an explicit shape
// (depth and width; heads of 16 dimensions, at least 2) instead of the
// config builder's choice. The smoke grid uses explicit one-layer
// shapes, narrower than the builder's aspect band, to train in seconds.
type Size struct {
	N      int64
	Layers int
	Width  int
}

// shape resolves s for an activation, a vocabulary and a context length.
func (s Size) shape(vocab, seqLen int, act nn.Activation) (nn.Config, error) {
	if s.Layers == 0 && s.Width == 0 {
		return nn.ForParams(s.N, vocab, seqLen, act)
	}
	heads := max(2, s.Width/16)
	for heads > 1 && s.Width%heads != 0 {
		heads--
	}
	c := nn.Config{Layers: s.Layers, Width: s.Width, Heads: heads, Vocab: vocab, SeqLen: seqLen, Activation: act}
	if err := c.Validate(); err != nil {
		return nn.Config{}, err
	}
	return c, nil
}

func sizes(ns ...int64) []Size {
	out := make([]Size, len(ns))
	for i, n := range ns {
		out[i] = Size{N: n}
	}
	return out
}

// Built-in grid names; GridAuto picks anchors with a CUDA GPU, else tiny.
const (
	GridSmoke = "smoke"
	GridTiny  = "tiny"
	// GridTinyV1 is the CPU default before the knowledge chronicle:
	// one-layer widths on the first generator's stories, kept so that
	// results made with it reproduce.
	GridTinyV1  = "tiny-v1"
	GridAnchors = "anchors"
	GridFull    = "full"
	GridAuto    = "auto"
)

// Grids returns the built-in grids in order of size.
func Grids() []Grid {
	seed := sizes(3_000_000, 10_000_000, 30_000_000)
	l1 := func(n int64, width int) Size { return Size{N: n, Layers: 1, Width: width} }
	grids := []Grid{
		{
			Name: GridSmoke, Description: "seconds on a CPU, for tests: tiny models on a small synthetic corpus",
			Data: "synthetic-v1", VocabSize: 300, SyntheticBytes: 1 << 20,
			SeqLen: 32, Batch: 16, LR: 3e-3, EvalTokens: 2048, Evals: 4, TokensPerParam: 20,
			Anchors: []Size{l1(800, 8), l1(1_800, 12), l1(3_000, 16)}, Holdouts: []Size{l1(7_000, 24)}, Seeds: 1,
		},
		{
			Name: GridTiny, Description: "the CPU default: the config builder's shapes from 28K to 300K on the built-in knowledge chronicle, the whole sweep and its analysis in about a quarter of an hour on 2 cores",
			Data: "synthetic", VocabSize: 2048, SyntheticBytes: 32 << 20,
			SeqLen: 128, Steps: 600, LR: 1.2e-2, EvalTokens: 16384, Evals: 8, TokensPerParam: 20,
			Anchors:  sizes(28_000, 50_000, 77_000, 111_000, 222_000),
			Holdouts: sizes(300_000), Seeds: 1,
		},
		{
			Name: GridTinyV1, Description: "the CPU default before the knowledge chronicle: one-layer widths on the first generator's stories (kept so that its results reproduce)",
			Data: "synthetic-v1", VocabSize: 512, SyntheticBytes: 16 << 20,
			SeqLen: 64, Steps: 600, LR: 3e-3, EvalTokens: 16384, Evals: 8, TokensPerParam: 20,
			Anchors:  []Size{l1(1_800, 12), l1(3_000, 16), l1(5_000, 20), l1(7_000, 24), l1(9_500, 28)},
			Holdouts: []Size{l1(28_000, 48)}, Seeds: 2,
		},
		{
			Name: GridAnchors, TuneLR: true, Description: "the seed's anchors on TinyStories (a GPU grid); the full grid without its holdout",
			Data: "tinystories", VocabSize: 4096, SeqLen: 256, EvalTokens: 65536, Evals: 20, TokensPerParam: 20,
			Anchors: seed, Holdouts: sizes(85_000_000), HoldoutsOff: true, Seeds: 2,
		},
		{
			Name: GridFull, TuneLR: true, Description: "the seed's grid on TinyStories: the anchors plus an 85M (GPT-2 small) holdout",
			Data: "tinystories", VocabSize: 4096, SeqLen: 256, EvalTokens: 65536, Evals: 20, TokensPerParam: 20,
			Anchors: seed, Holdouts: sizes(85_000_000), Seeds: 2,
		},
	}
	return append(grids, isoflopGrids()...)
}

// GridNames lists the names -grid accepts.
func GridNames() []string {
	var names []string
	for _, g := range Grids() {
		names = append(names, g.Name)
	}
	return append(names, GridAuto)
}

// GridByName returns the built-in grid called name (not "auto", which
// the command resolves).
func GridByName(name string) (Grid, error) {
	for _, g := range Grids() {
		if g.Name == name {
			return g, nil
		}
	}
	return Grid{}, fmt.Errorf("grid %q: want one of %s", name, strings.Join(GridNames(), ", "))
}

// Validate checks that g can be swept and fitted: anchors, at least one
// holdout larger than every anchor, positive settings.
func (g Grid) Validate() error {
	if g.IsoFLOP() {
		return g.validateIsoFLOP()
	}
	var errs []error
	if g.Name == "" {
		errs = append(errs, errors.New("no name"))
	}
	if g.Data == "" {
		errs = append(errs, errors.New("no data source"))
	}
	if len(g.Anchors) < 2 {
		errs = append(errs, fmt.Errorf("%d anchor sizes: want at least 2", len(g.Anchors)))
	}
	if len(g.Holdouts) == 0 {
		errs = append(errs, errors.New("no holdout size"))
	}
	for _, s := range append(slices.Clone(g.Anchors), g.Holdouts...) {
		if s.N <= 0 || s.Layers < 0 || s.Width < 0 || (s.Layers == 0) != (s.Width == 0) {
			errs = append(errs, fmt.Errorf("size %+v: want a positive parameter count, and both or neither of layers and width", s))
		}
	}
	if len(g.Anchors) > 0 && len(g.Holdouts) > 0 && minN(g.Holdouts) <= maxN(g.Anchors) {
		errs = append(errs, fmt.Errorf("holdout %d is not larger than the largest anchor %d", minN(g.Holdouts), maxN(g.Anchors)))
	}
	if g.SeqLen < 1 || g.Batch < 0 || g.Steps < 0 || g.EvalTokens < 0 || g.Evals < 1 || g.Seeds < 1 || g.VocabSize < 0 {
		errs = append(errs, fmt.Errorf("context %d, batch %d, eval tokens %d, evals %d, seeds %d, vocab %d: want positive values",
			g.SeqLen, g.Batch, g.EvalTokens, g.Evals, g.Seeds, g.VocabSize))
	}
	if !(g.TokensPerParam > 0) || math.IsInf(g.TokensPerParam, 0) {
		errs = append(errs, fmt.Errorf("%v tokens per parameter: want a positive number", g.TokensPerParam))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("grid %q: %w", g.Name, err)
	}
	return nil
}

// GridOptions select the runs of a grid.
type GridOptions struct {
	Activations    []nn.Activation // default gelu, swiglu
	Seeds          int             // seeds per size (0: the grid's default)
	TokensPerParam float64         // D/N (0: the grid's); not accepted by IsoFLOP grids
	AnchorsOnly    bool            // leave out the holdouts
	WithHoldouts   bool            // include holdouts even when the grid has them off
	// Vocab overrides the grid's vocabulary when shapes are resolved
	// against real data (0: the grid's).
	Vocab int `json:",omitempty"`
	// LRScale multiplies each activation's peak learning rate (the grid's,
	// or the size table's for each size): the multiplier a learning-rate
	// tuning chose (see TuneLR). An activation not listed keeps 1.
	LRScale map[nn.Activation]float64 `json:",omitempty"`
}

// RunSpec is one run of a grid, with its model shape resolved.
type RunSpec struct {
	Name       string
	Activation nn.Activation
	Role       string
	Target     int64 // target N
	Seed       uint64
	Shape      nn.Config
	Tokens     int64 // requested D = TokensPerParam·N, or C/(6·N) on an IsoFLOP grid (Run rounds it up to whole steps)
	// Budget is the run's compute budget C on an IsoFLOP grid (0 otherwise).
	Budget float64
	// LRScale multiplies the peak learning rate (0 means 1).
	LRScale float64
}

// Runs expands g into its runs: anchors then holdouts, by size, each with
// every activation and seed. Names are "<act>-<size>-s<seed>", e.g.
// gelu-3M-s1.
func (g Grid) Runs(o GridOptions) ([]RunSpec, error) {
	if err := g.Validate(); err != nil {
		return nil, err
	}
	if g.IsoFLOP() {
		return g.isoflopRuns(o)
	}
	acts, seeds, err := g.selection(o)
	if err != nil {
		return nil, err
	}
	tpp := o.TokensPerParam
	if tpp == 0 {
		tpp = g.TokensPerParam
	}
	if !(tpp > 0) || math.IsInf(tpp, 0) {
		return nil, fmt.Errorf("grid %s: %v tokens per parameter: want a positive number", g.Name, tpp)
	}
	vocab := o.Vocab
	if vocab == 0 {
		vocab = g.VocabSize
	}
	type size struct {
		Size
		role string
	}
	var all []size
	for _, s := range g.Anchors {
		all = append(all, size{s, RoleAnchor})
	}
	if !o.AnchorsOnly && (!g.HoldoutsOff || o.WithHoldouts) {
		for _, s := range g.Holdouts {
			all = append(all, size{s, RoleHoldout})
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].N < all[j].N })
	var out []RunSpec
	for _, s := range all {
		for _, act := range acts {
			if _, err := nn.ParseActivation(string(act)); err != nil {
				return nil, fmt.Errorf("grid %s: %w", g.Name, err)
			}
			shape, err := s.shape(vocab, g.SeqLen, act)
			if err != nil {
				return nil, fmt.Errorf("grid %s: size %s: %w", g.Name, SizeLabel(s.N), err)
			}
			n := shape.Params().NonEmbedding
			for k := 1; k <= seeds; k++ {
				out = append(out, RunSpec{
					Name: fmt.Sprintf("%s-%s-s%d", act, SizeLabel(s.N), k), Activation: act, Role: s.role,
					Target: s.N, Seed: uint64(k), Shape: shape, Tokens: int64(math.Round(tpp * float64(n))),
					LRScale: o.LRScale[act],
				})
			}
		}
	}
	return out, nil
}

func minN(s []Size) int64 {
	m := s[0].N
	for _, x := range s {
		m = min(m, x.N)
	}
	return m
}

func maxN(s []Size) int64 {
	m := s[0].N
	for _, x := range s {
		m = max(m, x.N)
	}
	return m
}

// SizeLabel writes a parameter count the way grids name it: 3M, 85M, 12K, 1.5M.
func SizeLabel(n int64) string {
	f := float64(n)
	switch {
	case n >= 1e9:
		return trimNum(f/1e9) + "B"
	case n >= 1e6:
		return trimNum(f/1e6) + "M"
	case n >= 1e3:
		return trimNum(f/1e3) + "K"
	}
	return fmt.Sprint(n)
}

func trimNum(v float64) string {
	s := fmt.Sprintf("%.2f", v)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// runConfig is the RunConfig of spec in grid g (the sweep adds device,
// data shards and output folder).
func (g Grid) runConfig(spec RunSpec) RunConfig {
	shape := spec.Shape
	batch := g.Batch
	if g.Steps > 0 {
		batch = max(1, int(math.Round(float64(spec.Tokens)/float64(g.Steps*g.SeqLen))))
	}
	lr := g.LR
	if g.LRWidthRef > 0 || (spec.LRScale > 0 && spec.LRScale != 1) {
		scale := spec.LRScale
		if scale == 0 {
			scale = 1
		}
		lr = scale * g.baseLR(shape)
	}
	return RunConfig{
		Name: spec.Name, Role: spec.Role, Params: spec.Target, Shape: &shape, Activation: spec.Activation,
		Seed: spec.Seed, Data: g.Data, VocabSize: g.VocabSize, Tokenizer: g.Tokenizer, TextColumn: g.TextColumn, SyntheticBytes: g.SyntheticBytes,
		Tokens: spec.Tokens, SeqLen: g.SeqLen, Batch: batch, LR: lr,
		EvalTokens: g.EvalTokens, Budget: spec.Budget, LRScale: spec.LRScale,
	}
}

// baseLR is the peak learning rate a model of shape m gets before any
// tuning: the grid's (scaled by LRWidthRef/width when set), or the size
// table's for its N. A tuned multiplier scales it, so a tuning on the
// smallest size carries over to the others by the same size rule.
func (g Grid) baseLR(m nn.Config) float64 {
	if g.LR > 0 {
		if g.LRWidthRef > 0 {
			return g.LR * float64(g.LRWidthRef) / float64(m.Width)
		}
		return g.LR
	}
	return optim.DefaultsFor(m.Params().NonEmbedding).LR
}

// selection is the activations (default both) and seeds per size
// (default the grid's) that o picks from g.
func (g Grid) selection(o GridOptions) ([]nn.Activation, int, error) {
	acts := o.Activations
	if len(acts) == 0 {
		acts = []nn.Activation{nn.GeLU, nn.SwiGLU}
	}
	seeds := o.Seeds
	if seeds == 0 {
		seeds = g.Seeds
	}
	if seeds < 0 {
		return nil, 0, fmt.Errorf("grid %s: %d seeds: want at least 1", g.Name, seeds)
	}
	return acts, seeds, nil
}

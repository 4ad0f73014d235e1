package optim

// Defaults are the per-size training hyper-parameters. Every field can be
// overridden by a flag of the train and experiment commands.
//
// The table (N = non-embedding parameters):
//
//	N up to  | peak lr | batch tokens | warmup | min lr / peak | weight decay | betas
//	---------|---------|--------------|--------|---------------|--------------|-----------
//	1.5M     | 2e-3    | 8,192        | 5%     | 0.1           | 0.1          | 0.9, 0.95
//	5M       | 1.2e-3  | 65,536       | 2%     | 0.1           | 0.1          | 0.9, 0.95
//	20M      | 1e-3    | 131,072      | 2%     | 0.1           | 0.1          | 0.9, 0.95
//	50M      | 8e-4    | 262,144      | 1%     | 0.1           | 0.1          | 0.9, 0.95
//	larger   | 6e-4    | 524,288      | 1%     | 0.1           | 0.1          | 0.9, 0.95
//
// Sources: the peak learning rates follow Kaplan et al. 2020 (eq. D.1,
// LR(N) ≈ 0.003239 − 0.0001395·ln N: 1.2e-3 at 3M, 9.9e-4 at 10M, 8.4e-4
// at 30M, 6.9e-4 at 85M), ending at nanoGPT's 6e-4 for GPT-2 small; the
// tiny CPU row uses a higher rate because its runs are only a few hundred
// steps. Batch sizes grow with the model up to nanoGPT's ~0.5M tokens for
// GPT-2 small (491,520 there, a power of two here) and stay small for the
// CPU sizes so that a run has enough steps. Cosine decay to 10% of the
// peak is Chinchilla's (Hoffmann et al. 2022). Weight decay 0.1, betas
// (0.9, 0.95), eps 1e-8 and clipping at norm 1.0 are GPT-3's and
// nanoGPT's. Warmup is a fraction of the run's steps (nanoGPT warms up
// for 2,000 of 600,000 steps; short runs need a larger share).
type Defaults struct {
	LR          float64 `json:"lr"`
	BatchTokens int     `json:"batch_tokens"`
	WarmupFrac  float64 `json:"warmup_frac"`
	MinLRRatio  float64 `json:"min_lr_ratio"`
	Hyper
}

// defaultsTable is the table above, by upper bound of N.
var defaultsTable = []struct {
	upTo int64
	d    Defaults
}{
	{1_500_000, Defaults{LR: 2e-3, BatchTokens: 8192, WarmupFrac: 0.05}},
	{5_000_000, Defaults{LR: 1.2e-3, BatchTokens: 65536, WarmupFrac: 0.02}},
	{20_000_000, Defaults{LR: 1e-3, BatchTokens: 131072, WarmupFrac: 0.02}},
	{50_000_000, Defaults{LR: 8e-4, BatchTokens: 262144, WarmupFrac: 0.01}},
	{1 << 62, Defaults{LR: 6e-4, BatchTokens: 524288, WarmupFrac: 0.01}},
}

// DefaultsFor returns the defaults for a model of n non-embedding parameters.
func DefaultsFor(n int64) Defaults {
	for _, row := range defaultsTable {
		if n <= row.upTo {
			d := row.d
			d.MinLRRatio = 0.1
			d.Hyper = Hyper{Beta1: 0.9, Beta2: 0.95, Eps: 1e-8, WeightDecay: 0.1, ClipNorm: 1.0}
			return d
		}
	}
	panic("unreachable: the last row covers every size")
}

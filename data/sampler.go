package data

import (
	"fmt"

	"github.com/empirical-scaling/harness/data/internal/rng"
)

// Sampler draws training batches: each row is a window of seqLen+1
// consecutive tokens starting at a uniformly random offset of the shard.
// Window k (counting from 0 over the sampler's life) starts at
// rng.Below(splitmix64(seed, k), Len-seqLen), so the same seed gives the
// same batches on every machine, and any position can be restored in O(1).
// A Sampler reads its shard's memory directly: close the shard only after
// the last Next.
type Sampler struct {
	tokens        []uint16
	batch, seqLen int
	starts        uint64 // number of valid window starts
	seed, draws   uint64
}

// SamplerState is a sampler's position, for checkpoints.
type SamplerState struct {
	Seed  uint64 `json:"seed"`
	Draws uint64 `json:"draws"` // windows drawn so far (batches × batch size)
}

// NewSampler returns a sampler of batch windows of seqLen+1 tokens.
func NewSampler(s *Shard, batch, seqLen int, seed uint64) (*Sampler, error) {
	if s == nil {
		return nil, fmt.Errorf("new sampler: no shard")
	}
	if batch <= 0 || seqLen <= 0 {
		return nil, fmt.Errorf("new sampler: batch %d and sequence length %d must be positive", batch, seqLen)
	}
	if s.Len() < seqLen+1 {
		return nil, fmt.Errorf("new sampler: shard %s has %d tokens, fewer than one window of %d", s.path, s.Len(), seqLen+1)
	}
	return &Sampler{
		tokens: s.Tokens(), batch: batch, seqLen: seqLen,
		starts: uint64(s.Len() - seqLen), seed: seed,
	}, nil
}

// Next fills inputs with the next batch (row-major, batch×seqLen) and
// targets with the same windows shifted by one token. It does not
// allocate. Both slices must have length batch×seqLen; anything else is a
// programming error and panics.
func (s *Sampler) Next(inputs, targets []int32) {
	n := s.batch * s.seqLen
	if len(inputs) != n || len(targets) != n {
		panic(fmt.Sprintf("data: Sampler.Next needs slices of %d×%d=%d, got %d and %d", s.batch, s.seqLen, n, len(inputs), len(targets)))
	}
	T := s.seqLen
	for b := 0; b < s.batch; b++ {
		off := rng.Below(rng.At(s.seed, s.draws), s.starts)
		s.draws++
		win := s.tokens[off : off+uint64(T)+1]
		in, tg := inputs[b*T:(b+1)*T], targets[b*T:(b+1)*T]
		for i := range in {
			in[i] = int32(win[i])
			tg[i] = int32(win[i+1])
		}
	}
}

// State returns the sampler's position.
func (s *Sampler) State() SamplerState { return SamplerState{Seed: s.seed, Draws: s.draws} }

// Restore moves the sampler to a saved position: from there it yields the
// same batches as the sampler the state was taken from. The state's seed
// wins over the one the sampler was built with. A position that is not a
// whole number of batches means the batch size changed, which is an error.
func (s *Sampler) Restore(st SamplerState) error {
	if st.Draws%uint64(s.batch) != 0 {
		return fmt.Errorf("restore sampler: %d windows drawn is not a whole number of batches of %d; was the batch size changed?", st.Draws, s.batch)
	}
	s.seed, s.draws = st.Seed, st.Draws
	return nil
}

// EvalWindows walks the fixed validation set: consecutive, non-overlapping
// windows starting at token 0, window w covering inputs
// tokens[w·seqLen : (w+1)·seqLen] and targets one token later. It uses
// as many windows as fit in the shard and in maxTokens targets
// (maxTokens <= 0: the whole shard), so for a given seqLen and maxTokens
// every run scores exactly the same tokens whatever its batch size. fn gets
// up to batch windows at a time (the last call may get fewer); its slices
// are reused between calls. An error from fn stops the walk and is returned.
func (s *Shard) EvalWindows(batch, seqLen int, maxTokens int64, fn func(inputs, targets []int32) error) error {
	if batch <= 0 || seqLen <= 0 {
		return fmt.Errorf("eval windows: batch %d and sequence length %d must be positive", batch, seqLen)
	}
	toks := s.Tokens()
	windows := int64(0)
	if len(toks) > 0 {
		windows = int64(len(toks)-1) / int64(seqLen)
	}
	if maxTokens > 0 && maxTokens/int64(seqLen) < windows {
		windows = maxTokens / int64(seqLen)
	}
	if windows == 0 {
		return fmt.Errorf("eval windows: shard %s has %d tokens (limit %d), fewer than one window of %d", s.path, len(toks), maxTokens, seqLen+1)
	}
	inputs := make([]int32, batch*seqLen)
	targets := make([]int32, batch*seqLen)
	for w := int64(0); w < windows; w += int64(batch) {
		rows := windows - w
		if rows > int64(batch) {
			rows = int64(batch)
		}
		n := int(rows) * seqLen
		start := w * int64(seqLen)
		for i := 0; i < n; i++ {
			inputs[i] = int32(toks[start+int64(i)])
			targets[i] = int32(toks[start+int64(i)+1])
		}
		if err := fn(inputs[:n], targets[:n]); err != nil {
			return err
		}
	}
	return nil
}

// EvalTokenCount is the number of targets EvalWindows scores for seqLen and
// maxTokens.
func (s *Shard) EvalTokenCount(seqLen int, maxTokens int64) int64 {
	if seqLen <= 0 || s.Len() == 0 {
		return 0
	}
	windows := int64(s.Len()-1) / int64(seqLen)
	if maxTokens > 0 && maxTokens/int64(seqLen) < windows {
		windows = maxTokens / int64(seqLen)
	}
	return windows * int64(seqLen)
}

// Package nn holds the GPT model (GPT-2 family, pre-norm, tied embeddings)
// built from tensor.Graph ops, its Config, the config builder for a target
// parameter count, and exact parameter and FLOP counting. It does not know
// which device it runs on.
package nn

import (
	"errors"
	"fmt"
)

// Activation names the feed-forward variant.
type Activation string

// The two feed-forward variants the harness compares.
const (
	GeLU   Activation = "gelu"   // W2·GeLU(W1·x), hidden width 4d
	SwiGLU Activation = "swiglu" // W2·(SiLU(W1·x) ⊙ W3·x), hidden width 8d/3 rounded
)

// ParseActivation checks a user-given activation name.
func ParseActivation(s string) (Activation, error) {
	switch Activation(s) {
	case GeLU, SwiGLU:
		return Activation(s), nil
	}
	return "", fmt.Errorf("unknown activation %q: want gelu or swiglu", s)
}

// Config is the shape of a GPT model.
//
// Linear layers carry no bias (as in PaLM and LLaMA):
// only the LayerNorms have a bias. The output layer is the token embedding
// (weight tying), so it adds no parameters.
type Config struct {
	Layers     int        `json:"layers"`     // L: transformer blocks
	Width      int        `json:"width"`      // d: residual stream width
	Heads      int        `json:"heads"`      // attention heads; head dim = Width/Heads
	Vocab      int        `json:"vocab"`      // V: vocabulary size
	SeqLen     int        `json:"seq_len"`    // T: context length (rows of the position table)
	Activation Activation `json:"activation"` // gelu or swiglu
}

// HeadDim is the width of one attention head.
func (c Config) HeadDim() int { return c.Width / c.Heads }

// FFNHidden is the hidden width of the feed-forward layer: 4d for GeLU;
// for SwiGLU 8d/3 rounded to the nearest multiple of 64 (of 16 when d < 64,
// where 64 would be a coarse step), so that both variants hold about 8d²
// feed-forward weights.
func (c Config) FFNHidden() int {
	if c.Activation == SwiGLU {
		step := 64
		if c.Width < 64 {
			step = 16
		}
		h := (8*c.Width + 3*step/2) / (3 * step) * step // round(8d/3 / step)·step
		return max(h, step)
	}
	return 4 * c.Width
}

// Validate reports the first inconsistency in c.
func (c Config) Validate() error {
	switch {
	case c.Layers <= 0:
		return fmt.Errorf("nn: config: %d layers: want at least 1", c.Layers)
	case c.Width <= 0 || c.Heads <= 0:
		return fmt.Errorf("nn: config: width %d, heads %d: want positive", c.Width, c.Heads)
	case c.Width%c.Heads != 0:
		return fmt.Errorf("nn: config: width %d is not divisible by %d heads", c.Width, c.Heads)
	case c.Vocab <= 1:
		return fmt.Errorf("nn: config: vocabulary of %d tokens: want at least 2", c.Vocab)
	case c.SeqLen <= 0:
		return fmt.Errorf("nn: config: context length %d: want at least 1", c.SeqLen)
	}
	if _, err := ParseActivation(string(c.Activation)); err != nil {
		return fmt.Errorf("nn: config: %w", err)
	}
	return nil
}

// String is a short description: "L4 d256 h4 gelu".
func (c Config) String() string {
	return fmt.Sprintf("L%d d%d h%d %s", c.Layers, c.Width, c.Heads, c.Activation)
}

// ErrTooSmall is wrapped by the builder's errors about a target size that
// no model shape can meet.
var ErrTooSmall = errors.New("parameter count too small")

// ErrTooLarge is wrapped by ForParams' error when the target exceeds the
// largest shape the builder makes.
var ErrTooLarge = errors.New("parameter count too large")

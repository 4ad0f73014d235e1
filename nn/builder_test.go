package nn

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestForParamsSeedSizes(t *testing.T) {
	cases := []struct {
		target        int64
		layers, width int
	}{
		{3_000_000, 4, 256},
		{10_000_000, 6, 384},
		{85_000_000, 12, 768},
	}
	for _, act := range []Activation{GeLU, SwiGLU} {
		for _, tc := range cases {
			c, err := ForParams(tc.target, 50257, 1024, act)
			require.NoError(t, err, "%d %s", tc.target, act)
			assert.Equal(t, tc.layers, c.Layers, "%d %s: %v", tc.target, act, c)
			assert.Equal(t, tc.width, c.Width, "%d %s: %v", tc.target, act, c)
			assert.Equal(t, 64, c.HeadDim(), "%d %s", tc.target, act)
		}
	}
}

func TestForParamsNearestAndBand(t *testing.T) {
	for _, target := range []int64{20_000, 100_000, 300_000, 1_000_000, 30_000_000} {
		c, err := ForParams(target, 512, 64, GeLU)
		require.NoError(t, err)
		n := c.Params().NonEmbedding
		// No other shape in the band is nearer.
		for l := 1; l <= maxLayers; l++ {
			for d := c.HeadDim(); d <= 2*aspect*l; d += c.HeadDim() {
				r := float64(d) / float64(aspect*l)
				if r < aspectLo || r > aspectHi {
					continue
				}
				o := Config{Layers: l, Width: d, Heads: 1, Vocab: 512, SeqLen: 64, Activation: GeLU}
				assert.LessOrEqual(t, abs64(n-target), abs64(o.Params().NonEmbedding-target), "target %d: %v beaten by L%d d%d", target, c, l, d)
			}
		}
		if target >= largeThreshold {
			assert.Equal(t, 0, c.Width%64)
		} else {
			assert.Equal(t, 0, c.Width%16)
		}
	}
}

func abs64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

func TestForParamsErrors(t *testing.T) {
	cases := []struct {
		name   string
		target int64
		ctx    int
		act    Activation
	}{
		{"zero", 0, 64, GeLU},
		{"below smallest shape", 500, 64, GeLU},
		{"context too long", 20_000, 4096, GeLU},
		{"unknown activation", 1_000_000, 64, "relu"},
		{"beyond the largest shape", 999_000_000_000, 256, GeLU},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ForParams(tc.target, 256, tc.ctx, tc.act)
			require.Error(t, err)
			switch {
			case tc.target > 1e11:
				assert.ErrorIs(t, err, ErrTooLarge)
				assert.NotErrorIs(t, err, ErrTooSmall)
			case tc.act != "relu":
				assert.ErrorIs(t, err, ErrTooSmall)
			}
		})
	}
}

func TestFFNHidden(t *testing.T) {
	cases := []struct {
		width int
		act   Activation
		want  int
	}{
		{256, GeLU, 1024},
		{256, SwiGLU, 704},  // 682.7 → 704
		{384, SwiGLU, 1024}, // exactly 8·384/3
		{768, SwiGLU, 2048},
		{48, SwiGLU, 128},
		{32, SwiGLU, 80},
	}
	for _, tc := range cases {
		c := Config{Width: tc.width, Activation: tc.act}
		assert.Equal(t, tc.want, c.FFNHidden(), "%d %s", tc.width, tc.act)
	}
}

func TestParamsFormula(t *testing.T) {
	// GPT-2 small shape with no biases in linear layers: 12·(4d + 12d²) + 2d.
	c := Config{Layers: 12, Width: 768, Heads: 12, Vocab: 50257, SeqLen: 1024, Activation: GeLU}
	p := c.Params()
	d := int64(768)
	assert.Equal(t, 12*(4*d+12*d*d)+2*d, p.NonEmbedding)
	assert.Equal(t, 50257*d+1024*d, p.Embedding)
	assert.Equal(t, p.NonEmbedding+p.Embedding, p.Total)
}

func TestSpecsSumToParams(t *testing.T) {
	for _, act := range []Activation{GeLU, SwiGLU} {
		c := Config{Layers: 3, Width: 96, Heads: 6, Vocab: 300, SeqLen: 40, Activation: act}
		m := &Model{Config: c, Blocks: make([]Block, c.Layers)}
		var total, nonEmb int64
		for _, s := range m.specs() {
			n := int64(1)
			for _, v := range s.shape {
				n *= int64(v)
			}
			total += n
			if !s.embed {
				nonEmb += n
			}
		}
		assert.Equal(t, c.Params().Total, total, act)
		assert.Equal(t, c.Params().NonEmbedding, nonEmb, act)
	}
}

func TestFLOPsPerToken(t *testing.T) {
	c := Config{Layers: 2, Width: 64, Heads: 1, Vocab: 100, SeqLen: 8, Activation: GeLU}
	// Hand count: per block qkv 3·64², proj 64², fc 4·64², proj 4·64²
	// = 12·4096 weights; two blocks; output 100·64.
	w := 2*12*4096 + 100*64
	attn := 6 * 2 * 64 * 9
	assert.Equal(t, float64(6*w+attn), c.FLOPsPerToken())
	assert.Equal(t, 6*float64(c.Params().NonEmbedding), c.FLOPsPerToken6N())
}

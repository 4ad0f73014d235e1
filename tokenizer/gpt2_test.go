package tokenizer

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGPT2FixturesEncode(t *testing.T) {
	tok := loadGPT2(t)
	assert.Equal(t, 50257, tok.VocabSize())
	id, ok := tok.SpecialID("<|endoftext|>")
	require.True(t, ok)
	assert.EqualValues(t, 50256, id)
	for _, name := range fixtureTexts {
		t.Run(name, func(t *testing.T) {
			text := readFixture(t, name)
			want := expectedIDs(t, name)
			got := tok.Encode(text)
			require.Equal(t, want, got)
			back, err := tok.Decode(got)
			require.NoError(t, err)
			require.Equal(t, text, back)
			assert.Equal(t, string(text), tok.DecodeString(got))

			var streamed []uint32
			err = tok.EncodeStream(context.Background(), bytes.NewReader(text), func(ids []uint32) error {
				streamed = append(streamed, ids...)
				return nil
			})
			require.NoError(t, err)
			require.Equal(t, want, streamed)
		})
	}
}

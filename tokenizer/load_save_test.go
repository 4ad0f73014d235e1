package tokenizer

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSaveLoadRoundTrip(t *testing.T) {
	tok := smallTokenizer(t)
	dir := filepath.Join(t.TempDir(), "nested", "out")
	require.NoError(t, tok.Save(dir))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.ElementsMatch(t, []string{"vocab.json", "merges.txt"}, names, "no temporary files left behind")
	st, err := os.Stat(filepath.Join(dir, "vocab.json"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o644), st.Mode().Perm())

	back, err := Load(filepath.Join(dir, "vocab.json"), filepath.Join(dir, "merges.txt"), []string{"<|endoftext|>", "<|pad|>"})
	require.NoError(t, err)
	assert.Equal(t, tok.VocabSize(), back.VocabSize())
	assert.Equal(t, tok.NumMerges(), back.NumMerges())
	for id := 0; id < tok.VocabSize(); id++ {
		a, err := tok.TokenBytes(uint32(id))
		require.NoError(t, err)
		b, err := back.TokenBytes(uint32(id))
		require.NoError(t, err)
		require.Equal(t, a, b, "id %d", id)
	}
	text := []byte(builtinText + "unseen wörds 42")
	assert.Equal(t, tok.Encode(text), back.Encode(text))

	// Saved again, the files are byte for byte the same.
	dir2 := t.TempDir()
	require.NoError(t, back.Save(dir2))
	for _, name := range []string{"vocab.json", "merges.txt"} {
		a, _ := os.ReadFile(filepath.Join(dir, name))
		b, _ := os.ReadFile(filepath.Join(dir2, name))
		assert.Equal(t, string(a), string(b), name)
	}
}

func TestLoadErrors(t *testing.T) {
	tok := smallTokenizer(t)
	good := t.TempDir()
	require.NoError(t, tok.Save(good))
	vocab, err := os.ReadFile(filepath.Join(good, "vocab.json"))
	require.NoError(t, err)
	merges, err := os.ReadFile(filepath.Join(good, "merges.txt"))
	require.NoError(t, err)
	vs, ms := string(vocab), string(merges)
	mergeLines := strings.Split(ms, "\n")
	space := fmt.Sprintf(`"Ġ": %d`, tok.byteID[' '])
	require.Contains(t, vs, space)
	with := func(repl string) string { return strings.Replace(vs, space, repl, 1) }

	cases := []struct {
		name   string
		vocab  string
		merges string
		want   []string // substrings of the error
	}{
		{"vocab not JSON", "not json", ms, []string{"vocab.json", "line 1"}},
		{"vocab truncated", vs[:len(vs)/2], ms, []string{"vocab.json", "truncated"}},
		{"vocab syntax error on line 3", "{\n \"a\": 1,\n \"b\" 2\n}", ms, []string{"vocab.json", "line 3"}},
		{"vocab id not a number", with(`"Ġ": "x"`), ms, []string{"vocab.json", "not a number"}},
		{"vocab negative id", with(`"Ġ": -3`), ms, []string{"vocab.json", "not an integer"}},
		{"vocab id far too large", with(`"Ġ": 2000000000`), ms, []string{"vocab.json", "far beyond"}},
		{"vocab duplicate id", with(`"Ġ": 3`), ms, []string{"vocab.json", "used twice"}},
		{"vocab array", "[1, 2]", ms, []string{"vocab.json", "expected a JSON object"}},
		{"vocab rune outside the byte map", with(space + `, "☃": 9999`), ms, []string{"vocab.json", "line", "☃"}},
		{"vocab missing a byte", with(`"Ġ!": 9999`), "", []string{"single byte 0x20"}},
		{"merges with three fields", vs, mergeLines[0] + "\n" + "a b c\n", []string{"merges.txt line 2", "two tokens"}},
		{"merges token missing", vs, "#version: 0.2\nĠ zzzzqq\n", []string{"merges.txt line 2", "zzzzqq", "not in the vocabulary"}},
		{"merged token missing", vs, "#version: 0.2\nz q\n", []string{"merges.txt line 2", "merged token \"zq\""}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			vp, mp := filepath.Join(dir, "vocab.json"), filepath.Join(dir, "merges.txt")
			require.NoError(t, os.WriteFile(vp, []byte(c.vocab), 0o644))
			require.NoError(t, os.WriteFile(mp, []byte(c.merges), 0o644))
			_, err := Load(vp, mp, []string{"<|endoftext|>", "<|pad|>"})
			require.Error(t, err)
			for _, w := range c.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}

	_, err = Load(filepath.Join(good, "nope.json"), filepath.Join(good, "merges.txt"), nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "nope.json")
	_, err = Load(filepath.Join(good, "vocab.json"), filepath.Join(good, "nope.txt"), []string{"<|endoftext|>", "<|pad|>"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "nope.txt")
}

func TestTrainOptionsErrors(t *testing.T) {
	_, err := Train(t.Context(), strings.NewReader("abc"), TrainOptions{VocabSize: 256, Specials: []string{"<|endoftext|>"}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "vocab size 256")
	_, err = Train(t.Context(), strings.NewReader("abc"), TrainOptions{VocabSize: 300, Specials: []string{""}})
	require.Error(t, err)

	// Training stops early when nothing is left to merge.
	tok, err := Train(t.Context(), strings.NewReader("ab ab"), TrainOptions{VocabSize: 1000})
	require.NoError(t, err)
	assert.Equal(t, 256+2, tok.VocabSize(), "merges: 'a b' then 'Ġ ab'")
	assert.Equal(t, []uint32{256, 257}, tok.Encode([]byte("ab ab")))
}

package experiment

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/empirical-scaling/harness/data"
	"github.com/empirical-scaling/harness/data/datatest"
	"github.com/empirical-scaling/harness/kernels/cpu"
	"github.com/empirical-scaling/harness/nn"
	"github.com/empirical-scaling/harness/tensor"
)

// tinyTextRun trains a tiny run on the synthetic stories, tokenized with
// a small BPE vocabulary in its own data cache, and returns the run
// folder and the cache.
func tinyTextRun(t testing.TB, act nn.Activation) (run, cache string) {
	t.Helper()
	cache = filepath.Join(t.TempDir(), "cache")
	run = filepath.Join(t.TempDir(), "run-"+string(act))
	c := tinyRun(t, run, nil, nil)
	c.Train, c.Val = nil, nil
	c.Data, c.CacheDir, c.VocabSize, c.SyntheticBytes = "synthetic", cache, 300, 256<<10
	c.Activation = act
	res, err := Run(context.Background(), c)
	require.NoError(t, err)
	require.Equal(t, StatusFinished, res.Status)
	return run, cache
}

func TestSampleSameSeedSameText(t *testing.T) {
	run, _ := tinyTextRun(t, nn.GeLU)
	ctx := context.Background()
	opts := SampleOptions{Prompt: "Once upon a time", Tokens: 40, Seed: 7, Count: 2}
	a, err := SampleText(ctx, run, opts)
	require.NoError(t, err)
	b, err := SampleText(ctx, run, opts)
	require.NoError(t, err)
	assert.Equal(t, a, b, "the same seed gives the same text")
	samples := strings.Split(a, SampleSeparator+"\n")
	require.Len(t, samples, 2)
	for _, s := range samples {
		assert.True(t, strings.HasPrefix(s, "Once upon a time"), "a sample starts with its prompt: %q", s)
		assert.True(t, strings.HasSuffix(s, "\n"))
		assert.Greater(t, len(s), len("Once upon a time\n"), "the model wrote something")
	}
	assert.NotEqual(t, samples[0], samples[1], "the second sample continues the random stream")

	opts.Seed = 8
	c, err := SampleText(ctx, run, opts)
	require.NoError(t, err)
	assert.NotEqual(t, a, c, "another seed gives other text")
}

// TestSampleFollowsTheModel checks the draws against the model: at a very
// low temperature with top-k 1 the sample is the greedy continuation,
// which the test computes itself from the model's logits.
func TestSampleFollowsTheModel(t *testing.T) {
	run, cache := tinyTextRun(t, nn.GeLU)
	tr, err := loadTrained(run)
	require.NoError(t, err)
	tok, _, err := tr.tokenizer(TrainedOptions{CacheDir: cache})
	require.NoError(t, err)

	got, err := SampleText(context.Background(), run, SampleOptions{Prompt: "The dog", Tokens: 12, TopK: 1, Seed: 3})
	require.NoError(t, err)

	s := greedy(t, tr, tok.Encode([]byte("The dog")), 12)
	want := "The dog" + tok.DecodeString(s) + "\n"
	assert.Equal(t, want, got)
}

// greedy is the argmax continuation of prompt by the run's model on the
// CPU: n tokens at most, up to <|endoftext|>.
func greedy(t *testing.T, tr *trained, prompt []uint32, n int) []uint32 {
	t.Helper()
	dev := cpu.New()
	m, err := tr.model(dev)
	require.NoError(t, err)
	defer m.Free()
	ctx := make([]int32, 0, len(prompt)+n)
	for _, id := range prompt {
		ctx = append(ctx, int32(id))
	}
	g := tensor.NewGraph(dev)
	g.SetGradEnabled(false)
	var out []uint32
	for len(out) < n {
		g.Reset()
		ids, err := tensor.FromInt32(dev, ctx, 1, len(ctx))
		require.NoError(t, err)
		logits, err := m.Logits(g, ids)
		require.NoError(t, err)
		all, err := logits.Float32s()
		require.NoError(t, err)
		ids.Free()
		V := tr.plan.Model.Vocab
		last := all[len(all)-V:]
		best := 0
		for i, v := range last {
			if v > last[best] {
				best = i
			}
		}
		if best == 0 { // <|endoftext|> is id 0 in a trained vocabulary
			break
		}
		out = append(out, uint32(best))
		ctx = append(ctx, int32(best))
	}
	g.Reset()
	return out
}

func TestSampleTopKAndTemperature(t *testing.T) {
	s := &sampler{opts: SampleOptions{Temperature: 1, TopK: 2}}
	// Tokens 1 and 3 are the top 2: no draw may pick another.
	logits := []float32{0, 5, -1, 4.5, 1}
	for seed := uint64(0); seed < 200; seed++ {
		s.rng = nn.NewRNG(seed)
		id := s.draw(logits)
		require.Contains(t, []uint32{1, 3}, id)
	}
	// Every token stays possible without a cut, and the frequencies follow
	// the softmax (token 1 about e^0.5 ≈ 1.65 times as often as token 3).
	s.opts.TopK = -1
	counts := map[uint32]int{}
	s.rng = nn.NewRNG(1)
	for i := 0; i < 20000; i++ {
		counts[s.draw(logits)]++
	}
	assert.Len(t, counts, 5)
	assert.InDelta(t, 1.6487, float64(counts[1])/float64(counts[3]), 0.1)
	// A low temperature makes the best token nearly certain.
	s.opts.Temperature = 0.05
	counts = map[uint32]int{}
	for i := 0; i < 2000; i++ {
		counts[s.draw(logits)]++
	}
	assert.Greater(t, counts[1], 1990)
}

func TestIncompleteTail(t *testing.T) {
	euro := []byte("€") // e2 82 ac
	for _, tc := range []struct {
		b    []byte
		want bool
	}{
		{[]byte("abc"), false},
		{euro[:1], true},
		{append([]byte("a"), euro[:2]...), true},
		{euro, false},
		{[]byte{0xe2, 0x28}, false}, // invalid, not incomplete
		{[]byte{0x80}, false},       // a stray continuation byte
		{[]byte("😀")[:3], true},
		{nil, false},
	} {
		assert.Equal(t, tc.want, incompleteTail(tc.b), "%x", tc.b)
	}
}

func TestSampleFindsTheTokenizerOfAnOldRun(t *testing.T) {
	run, cache := tinyTextRun(t, nn.GeLU)
	path := filepath.Join(run, ConfigFile)
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var cfg map[string]any
	require.NoError(t, json.Unmarshal(b, &cfg))
	ref, ok := cfg["dataset"].(map[string]any)
	require.True(t, ok, "config.json records the dataset: %s", b)
	assert.True(t, filepath.IsAbs(ref["dir"].(string)))
	assert.DirExists(t, filepath.Join(ref["dir"].(string), data.TokenizerSub))

	opts := SampleOptions{Prompt: "A cat", Tokens: 10, Seed: 1}
	want, err := SampleText(context.Background(), run, opts)
	require.NoError(t, err)

	// A run made before config.json recorded its dataset: found in the
	// cache by its vocabulary and token counts.
	delete(cfg, "dataset")
	b, err = json.Marshal(cfg)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, b, 0o644))
	opts.Run.CacheDir = cache
	got, err := SampleText(context.Background(), run, opts)
	require.NoError(t, err)
	assert.Equal(t, want, got)

	// Not in an empty cache.
	opts.Run.CacheDir = t.TempDir()
	_, err = SampleText(context.Background(), run, opts)
	require.ErrorIs(t, err, ErrNoTokenizer)
	assert.Contains(t, err.Error(), "records no dataset")
}

func TestSampleMovedCache(t *testing.T) {
	run, cache := tinyTextRun(t, nn.GeLU)
	moved := cache + "-moved"
	require.NoError(t, os.Rename(cache, moved))
	opts := SampleOptions{Prompt: "A cat", Tokens: 5}
	_, err := SampleText(context.Background(), run, opts)
	require.ErrorIs(t, err, ErrNoTokenizer)
	assert.Contains(t, err.Error(), "is gone")
	opts.Run.CacheDir = moved
	_, err = SampleText(context.Background(), run, opts)
	require.NoError(t, err, "found again by its key in the cache given")
}

func TestSampleErrors(t *testing.T) {
	ctx := context.Background()
	t.Run("no checkpoint", func(t *testing.T) {
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, ConfigFile), []byte(`{"model":{"layers":1,"width":8,"heads":1,"vocab":300,"seq_len":8,"activation":"gelu"}}`), 0o644))
		_, err := SampleText(ctx, dir, SampleOptions{})
		require.ErrorIs(t, err, ErrNoCheckpoint)
	})
	t.Run("not a run", func(t *testing.T) {
		_, err := SampleText(ctx, t.TempDir(), SampleOptions{})
		require.ErrorContains(t, err, "is not a run folder")
	})
	t.Run("run on bare shards has no tokenizer", func(t *testing.T) {
		train, val, _ := datatest.ByteShards(t, 50_000, 10_000)
		out := filepath.Join(t.TempDir(), "run")
		_, err := Run(ctx, tinyRun(t, out, train, val))
		require.NoError(t, err)
		_, err = SampleText(ctx, out, SampleOptions{Run: TrainedOptions{CacheDir: t.TempDir()}})
		require.ErrorIs(t, err, ErrNoTokenizer)
	})
	for _, tc := range []struct {
		name string
		o    SampleOptions
		want string
	}{
		{"tokens", SampleOptions{Tokens: -1}, "want at least 1"},
		{"temperature", SampleOptions{Temperature: -0.5}, "temperature"},
		{"count", SampleOptions{Count: -2}, "samples"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := SampleText(ctx, t.TempDir(), tc.o)
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestSampleCancelled(t *testing.T) {
	run, _ := tinyTextRun(t, nn.GeLU)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := SampleText(ctx, run, SampleOptions{})
	require.True(t, errors.Is(err, context.Canceled), "%v", err)
}

func TestSweepRunsRecordTheirDataset(t *testing.T) {
	out, cache := t.TempDir(), t.TempDir()
	c, log := sweepCfg(t, out, cache, nn.GeLU)
	c.Select.AnchorsOnly = true
	_, err := Sweep(context.Background(), c)
	require.NoError(t, err, log.String())
	s, err := SampleText(context.Background(), filepath.Join(out, "gelu-800-s1"), SampleOptions{Prompt: "Tom", Tokens: 5})
	require.NoError(t, err, "the sweep's run names its tokenizer")
	assert.True(t, strings.HasPrefix(s, "Tom"))
}

// A run whose config.json predates the dataset record resumes (here:
// finds itself finished) and gets the record.
func TestRunAcceptsConfigWithoutDataset(t *testing.T) {
	run, cache := tinyTextRun(t, nn.GeLU)
	path := filepath.Join(run, ConfigFile)
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var cfg map[string]any
	require.NoError(t, json.Unmarshal(b, &cfg))
	delete(cfg, "dataset")
	b, err = json.MarshalIndent(cfg, "", "  ")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, b, 0o644))

	c := tinyRun(t, run, nil, nil)
	c.Train, c.Val = nil, nil
	c.Data, c.CacheDir, c.VocabSize, c.SyntheticBytes = "synthetic", cache, 300, 256<<10
	res, err := Run(context.Background(), c)
	require.NoError(t, err)
	assert.Equal(t, StatusFinished, res.Status)
	b, err = os.ReadFile(path)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"dataset"`)
}

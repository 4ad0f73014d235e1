package data

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/empirical-scaling/harness/data/internal/progress"
	"github.com/empirical-scaling/harness/internal/atomicfile"
	"github.com/empirical-scaling/harness/tokenizer"
)

// Prepare makes the dataset opts describe, or opens it from the cache.
// Everything it builds is keyed by the content of its inputs (the corpus
// bytes or generator settings, and the tokenizer settings or files), so a
// second call with the same inputs returns at once and a changed input is
// never served stale. A damaged cache entry is reported in the log and
// rebuilt, never used.
func Prepare(ctx context.Context, opts Options) (*Dataset, error) {
	start := time.Now()
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	label := ""
	if opts.Tokenizer == TokenizerGPT2 {
		// The small tokenizer files first: a failure shows before the
		// corpus download.
		if opts.TokenizerDir, err = fetchGPT2(ctx, opts); err != nil {
			return nil, err
		}
		label = "-" + TokenizerGPT2
	}
	c, err := resolveCorpus(ctx, opts)
	if err != nil {
		return nil, err
	}
	tokID, err := tokenizerIdentity(opts)
	if err != nil {
		return nil, err
	}
	key := cacheKey(c.identity(), tokID)
	root := filepath.Join(opts.CacheDir, "datasets")
	label = c.label() + label
	dir := filepath.Join(root, label+"-"+key[:16])

	ds, err := openDataset(dir, key)
	if err == nil {
		ds.Cached = true
		return ds, nil
	}
	if !errors.Is(err, errNotBuilt) {
		slog.Warn("cached dataset is damaged; rebuilding it", "dir", dir, "err", err)
		if rerr := os.RemoveAll(dir); rerr != nil {
			return nil, fmt.Errorf("remove damaged dataset %s: %w", dir, rerr)
		}
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, fmt.Errorf("dataset cache: %w", err)
	}
	cleanStaleBuilds(root, time.Now())
	tmp, unlock, err := startBuild(root, label)
	if err != nil {
		return nil, fmt.Errorf("dataset cache: %w", err)
	}
	defer unlock()
	defer os.RemoveAll(tmp) // a no-op once renamed
	meta, err := build(ctx, opts, c, tmp)
	if err != nil {
		return nil, err
	}
	meta.Key, meta.Identity, meta.Tokenizer = key, c.identity(), tokID
	meta.Created, meta.BuildSeconds = time.Now().UTC(), time.Since(start).Seconds()
	if err := writeJSON(filepath.Join(tmp, MetaFile), meta); err != nil {
		return nil, err
	}
	// The lock stays held (the open file keeps it) but leaves the folder.
	if err := os.Remove(filepath.Join(tmp, buildLock)); err != nil {
		return nil, fmt.Errorf("dataset cache: %w", err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		// Another process may have finished the same dataset first.
		if ds, oerr := openDataset(dir, key); oerr == nil {
			return ds, nil
		}
		return nil, fmt.Errorf("dataset cache: move %s into place: %w", dir, err)
	}
	return openDataset(dir, key)
}

// build trains or loads the tokenizer and encodes both parts into dir.
func build(ctx context.Context, opts Options, c corpus, dir string) (Meta, error) {
	tok, err := makeTokenizer(ctx, opts, c)
	if err != nil {
		return Meta{}, err
	}
	if tok.VocabSize() > MaxVocab {
		return Meta{}, fmt.Errorf("tokenizer has %d tokens; uint16 shards hold at most %d", tok.VocabSize(), MaxVocab)
	}
	if _, ok := tok.SpecialID(EOT); !ok {
		return Meta{}, fmt.Errorf("tokenizer lacks the special token %s", EOT)
	}
	if err := tok.Save(filepath.Join(dir, TokenizerSub)); err != nil {
		return Meta{}, fmt.Errorf("save tokenizer: %w", err)
	}
	meta := Meta{Source: c.describe(), VocabSize: tok.VocabSize()}
	meta.TrainTokens, meta.TrainBytes, meta.TrainDocs, err = encodePart(ctx, opts, tok, c, false, filepath.Join(dir, TrainShardFile))
	if err != nil {
		return Meta{}, err
	}
	meta.ValTokens, meta.ValBytes, meta.ValDocs, err = encodePart(ctx, opts, tok, c, true, filepath.Join(dir, ValShardFile))
	if err != nil {
		return Meta{}, err
	}
	if meta.TrainDocs == 0 || meta.ValDocs == 0 {
		return Meta{}, fmt.Errorf("%s: %d training and %d validation documents; both parts need at least one", c.describe(), meta.TrainDocs, meta.ValDocs)
	}
	return meta, nil
}

func makeTokenizer(ctx context.Context, opts Options, c corpus) (*tokenizer.Tokenizer, error) {
	if opts.TokenizerDir != "" {
		tok, err := tokenizer.Load(filepath.Join(opts.TokenizerDir, "vocab.json"), filepath.Join(opts.TokenizerDir, "merges.txt"), []string{EOT})
		if err != nil {
			return nil, fmt.Errorf("load tokenizer %s: %w", opts.TokenizerDir, err)
		}
		return tok, nil
	}
	it, closer, err := c.open(false)
	if err != nil {
		return nil, err
	}
	defer closer.Close()
	sample := io.LimitReader(newDocReader(it), opts.TokenizerSample)
	tok, err := tokenizer.Train(ctx, sample, tokenizer.TrainOptions{VocabSize: opts.VocabSize, Specials: []string{EOT}, Progress: opts.Progress})
	if err != nil {
		return nil, fmt.Errorf("train tokenizer (vocab %d on %d MB of %s): %w", opts.VocabSize, opts.TokenizerSample>>20, c.label(), err)
	}
	return tok, nil
}

// encodePart encodes the training or validation documents into a shard.
func encodePart(ctx context.Context, opts Options, tok *tokenizer.Tokenizer, c corpus, val bool, path string) (tokens, bytes, docs int64, err error) {
	part := "train"
	if val {
		part = "validation"
	}
	it, closer, err := c.open(val)
	if err != nil {
		return 0, 0, 0, err
	}
	defer closer.Close()
	dr := newDocReader(it)
	var r io.Reader = dr
	bar := progress.New(opts.Progress, c.sizeHint(val), "encode "+part)
	if bar != nil {
		r = io.TeeReader(dr, bar)
	}
	w, err := CreateShard(path, tok.VocabSize())
	if err != nil {
		return 0, 0, 0, err
	}
	if err := tok.EncodeStream(ctx, r, w.Write); err != nil {
		bar.Done()
		w.Abort()
		return 0, 0, 0, fmt.Errorf("encode %s text of %s: %w", part, c.label(), err)
	}
	bar.Finish()
	if err := w.Commit(); err != nil {
		return 0, 0, 0, err
	}
	return int64(w.Count()), dr.bytes, dr.kept, nil
}

func writeJSON(path string, v any) error {
	blob, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return atomicfile.WriteFile(path, append(blob, '\n'))
}

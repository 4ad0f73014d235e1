package data

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/empirical-scaling/harness/data/download"
	"github.com/empirical-scaling/harness/data/internal/progress"
	"github.com/empirical-scaling/harness/tokenizer"
)

// cacheFormat changes whenever what Prepare writes changes meaning.
const cacheFormat = "data-cache-v1"

// tokenizerRecipe names how tokenizers are trained here; bump it when the
// tokenizer package's training changes its output, so caches rebuild.
const tokenizerRecipe = "byte-level-bpe-v1"

// Files in a dataset folder.
const (
	TrainShardFile = "train.bin"
	ValShardFile   = "val.bin"
	MetaFile       = "meta.json"
	TokenizerSub   = "tokenizer"
)

// Meta describes a prepared dataset; it is dir/meta.json, written last.
type Meta struct {
	Key          string    `json:"key"`
	Source       string    `json:"source"`
	Identity     string    `json:"identity"`
	Tokenizer    string    `json:"tokenizer"`
	VocabSize    int       `json:"vocab_size"`
	TrainTokens  int64     `json:"train_tokens"`
	ValTokens    int64     `json:"val_tokens"`
	TrainBytes   int64     `json:"train_bytes"`
	ValBytes     int64     `json:"val_bytes"`
	TrainDocs    int64     `json:"train_docs"`
	ValDocs      int64     `json:"val_docs"`
	Created      time.Time `json:"created"`
	BuildSeconds float64   `json:"build_seconds"`
}

// Dataset is a prepared dataset: memory-mapped shards and their tokenizer.
type Dataset struct {
	Train, Val *Shard
	Tokenizer  *tokenizer.Tokenizer
	Dir        string // cache folder holding the shards and tokenizer
	Meta       Meta
	// Cached is true when Prepare found everything already built.
	Cached bool
}

// Close unmaps the shards.
func (d *Dataset) Close() error {
	return errors.Join(d.Train.Close(), d.Val.Close())
}

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
	dir := filepath.Join(root, c.label()+"-"+key[:16])

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
	tmp, err := os.MkdirTemp(root, ".build-"+c.label()+"-")
	if err != nil {
		return nil, fmt.Errorf("dataset cache: %w", err)
	}
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
	if err := os.Rename(tmp, dir); err != nil {
		// Another process may have finished the same dataset first.
		if ds, oerr := openDataset(dir, key); oerr == nil {
			return ds, nil
		}
		return nil, fmt.Errorf("dataset cache: move %s into place: %w", dir, err)
	}
	return openDataset(dir, key)
}

// cacheKey hashes everything that determines the dataset's bytes.
func cacheKey(corpusID, tokID string) string {
	blob, _ := json.Marshal(map[string]any{
		"format":    cacheFormat,
		"shard":     shardVersion,
		"corpus":    corpusID,
		"tokenizer": tokID,
		"specials":  []string{EOT},
	})
	sum := sha256.Sum256(blob)
	return hex.EncodeToString(sum[:])
}

// tokenizerIdentity describes the tokenizer settings, or the content of
// the given tokenizer files.
func tokenizerIdentity(opts Options) (string, error) {
	if opts.TokenizerDir == "" {
		return fmt.Sprintf("%s train vocab %d sample %d", tokenizerRecipe, opts.VocabSize, opts.TokenizerSample), nil
	}
	h := sha256.New()
	for _, name := range []string{"vocab.json", "merges.txt"} {
		_, sum, err := download.HashFile(filepath.Join(opts.TokenizerDir, name))
		if err != nil {
			return "", fmt.Errorf("tokenizer %s: %w", opts.TokenizerDir, err)
		}
		fmt.Fprintf(h, "%s %s\n", name, sum)
	}
	return "load sha256 " + hex.EncodeToString(h.Sum(nil)), nil
}

// errNotBuilt means a dataset folder has no meta.json: never finished.
var errNotBuilt = errors.New("dataset not built")

// openDataset opens a finished dataset folder and checks it belongs to
// key; a folder without meta.json wraps errNotBuilt.
func openDataset(dir, key string) (*Dataset, error) {
	blob, err := os.ReadFile(filepath.Join(dir, MetaFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("dataset %s: %w", dir, errNotBuilt)
	}
	if err != nil {
		return nil, fmt.Errorf("dataset %s: %w", dir, err)
	}
	var meta Meta
	if err := json.Unmarshal(blob, &meta); err != nil {
		return nil, fmt.Errorf("dataset %s: unreadable %s: %w", dir, MetaFile, err)
	}
	if meta.Key != key {
		return nil, fmt.Errorf("dataset %s: %w: built for key %.16s, wanted %.16s", dir, ErrCorrupt, meta.Key, key)
	}
	tok, err := tokenizer.Load(filepath.Join(dir, TokenizerSub, "vocab.json"), filepath.Join(dir, TokenizerSub, "merges.txt"), []string{EOT})
	if err != nil {
		return nil, fmt.Errorf("dataset %s: tokenizer: %w", dir, err)
	}
	ds := &Dataset{Tokenizer: tok, Dir: dir, Meta: meta}
	for _, p := range []struct {
		file string
		dst  **Shard
		want int64
	}{{TrainShardFile, &ds.Train, meta.TrainTokens}, {ValShardFile, &ds.Val, meta.ValTokens}} {
		s, err := OpenShard(filepath.Join(dir, p.file))
		if err != nil {
			_ = ds.Close()
			return nil, fmt.Errorf("dataset %s: %w", dir, err)
		}
		*p.dst = s
		if s.VocabSize() != tok.VocabSize() || int64(s.Len()) != p.want {
			_ = ds.Close()
			return nil, fmt.Errorf("dataset %s: %w: %s has %d tokens over a vocabulary of %d, but the tokenizer has %d and %s records %d tokens",
				dir, ErrCorrupt, p.file, s.Len(), s.VocabSize(), tok.VocabSize(), MetaFile, p.want)
		}
	}
	return ds, nil
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
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	_, err = f.Write(append(blob, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

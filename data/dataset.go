package data

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/empirical-scaling/harness/tokenizer"
)

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

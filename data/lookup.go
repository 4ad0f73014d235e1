package data

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/empirical-scaling/harness/tokenizer"
)

// CacheRoot is the data cache folder Prepare uses for dir: dir itself, or
// the user cache folder's scaling-harness when dir is "".
func CacheRoot(dir string) (string, error) {
	o, err := Options{CacheDir: dir, Source: "synthetic"}.withDefaults()
	if err != nil {
		return "", err
	}
	return o.CacheDir, nil
}

// CachedDataset is a finished dataset folder of the cache.
type CachedDataset struct {
	Dir  string // the dataset folder; its tokenizer is Dir/tokenizer
	Meta Meta   // its meta.json
}

// CachedDatasets lists the finished datasets (folders with a readable
// meta.json) in the cache folder cacheDir ("" = the user cache folder),
// by folder name. A cache that does not exist yet holds none.
func CachedDatasets(cacheDir string) ([]CachedDataset, error) {
	root, err := CacheRoot(cacheDir)
	if err != nil {
		return nil, err
	}
	ents, err := os.ReadDir(filepath.Join(root, "datasets"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("dataset cache: %w", err)
	}
	var out []CachedDataset
	for _, e := range ents {
		if !e.IsDir() || e.Name()[0] == '.' {
			continue // unfinished builds are dot folders
		}
		dir := filepath.Join(root, "datasets", e.Name())
		b, err := os.ReadFile(filepath.Join(dir, MetaFile))
		if err != nil {
			continue
		}
		var m Meta
		if json.Unmarshal(b, &m) != nil || m.Key == "" {
			continue
		}
		out = append(out, CachedDataset{Dir: dir, Meta: m})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Dir < out[j].Dir })
	return out, nil
}

// DatasetKey returns the cache key recorded in the meta.json of the
// dataset folder dir.
func DatasetKey(dir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, MetaFile))
	if err != nil {
		return "", fmt.Errorf("dataset %s: %w", dir, err)
	}
	var m Meta
	if err := json.Unmarshal(b, &m); err != nil {
		return "", fmt.Errorf("dataset %s: unreadable %s: %w", dir, MetaFile, err)
	}
	return m.Key, nil
}

// LoadTokenizer loads the tokenizer in dir (vocab.json and merges.txt in
// GPT-2's format) with EOT as its special token, as Prepare does.
func LoadTokenizer(dir string) (*tokenizer.Tokenizer, error) {
	tok, err := tokenizer.Load(filepath.Join(dir, "vocab.json"), filepath.Join(dir, "merges.txt"), []string{EOT})
	if err != nil {
		return nil, fmt.Errorf("tokenizer %s: %w", dir, err)
	}
	return tok, nil
}

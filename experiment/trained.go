package experiment

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/empirical-scaling/harness/data"
	"github.com/empirical-scaling/harness/nn"
	"github.com/empirical-scaling/harness/tensor"
	"github.com/empirical-scaling/harness/tokenizer"
)

// DatasetRef names the prepared dataset a run trained on; config.json
// records it so that the commands that use a trained run (sample,
// export) find the run's tokenizer.
type DatasetRef struct {
	Dir string `json:"dir"` // the dataset's cache folder (absolute); its tokenizer is Dir/tokenizer
	Key string `json:"key"` // its cache key (data.Meta.Key), to find it again in another cache folder
}

// datasetRef is the reference to ds that a run records.
func datasetRef(ds *data.Dataset) *DatasetRef {
	dir, err := filepath.Abs(ds.Dir)
	if err != nil {
		dir = ds.Dir
	}
	return &DatasetRef{Dir: dir, Key: ds.Meta.Key}
}

// ErrNoCheckpoint is wrapped by the errors of the functions that use a
// trained run (Sample, ExportHF) when the run folder holds no complete
// checkpoint.
var ErrNoCheckpoint = errors.New("no checkpoint")

// ErrNoTokenizer is wrapped when a run's tokenizer cannot be found.
var ErrNoTokenizer = errors.New("tokenizer not found")

// TrainedOptions say where to find what a trained run needs beyond its
// folder.
type TrainedOptions struct {
	// CacheDir is the data cache searched for the run's tokenizer when the
	// folder its config.json records is gone, or when config.json records
	// none ("" = the user cache folder).
	CacheDir string
	// TokenizerDir, when set, is the tokenizer to use (DIR/vocab.json and
	// DIR/merges.txt) instead of the run's own.
	TokenizerDir string
}

// trained is a run's newest checkpoint, loaded on the host.
type trained struct {
	dir     string // the run folder
	plan    plan
	step    int    // the checkpoint's step
	ckpt    string // the checkpoint folder
	weights map[string][]float32
	shapes  map[string][]int
}

// loadTrained reads config.json and the weights of the newest complete
// checkpoint of the run in dir.
func loadTrained(dir string) (*trained, error) {
	b, err := os.ReadFile(filepath.Join(dir, ConfigFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s is not a run folder: it has no %s", dir, ConfigFile)
	}
	if err != nil {
		return nil, err
	}
	var p plan
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, ConfigFile), err)
	}
	if err := p.Model.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, ConfigFile), err)
	}
	st, ckpt, ok, err := latestCheckpoint(dir)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("run %s: %w yet (a run writes one every few minutes of training, on Ctrl-C and at its end)", dir, ErrNoCheckpoint)
	}
	if len(st.ModelConfig) > 0 {
		var mc nn.Config
		if err := json.Unmarshal(st.ModelConfig, &mc); err != nil || mc != p.Model {
			return nil, fmt.Errorf("checkpoint %s was written for model %s, but %s describes %s", ckpt, mc, ConfigFile, p.Model)
		}
	}
	ts, _, err := ReadSafetensors(filepath.Join(ckpt, st.ModelFile))
	if err != nil {
		return nil, err
	}
	t := &trained{dir: dir, plan: p, step: st.Step, ckpt: ckpt, weights: map[string][]float32{}, shapes: map[string][]int{}}
	for _, x := range ts {
		t.weights[x.Name], t.shapes[x.Name] = x.Data, x.Shape
	}
	return t, nil
}

// model builds the run's model on dev in float32 with the checkpoint's
// weights, checking that every parameter is there with its shape.
func (t *trained) model(dev tensor.Device) (*nn.Model, error) {
	m, err := nn.New(dev, t.plan.Model, 0)
	if err != nil {
		return nil, err
	}
	for _, p := range m.Params() {
		if err := t.check(p.Name, p.T.Shape()); err != nil {
			m.Free()
			return nil, err
		}
		if err := p.T.CopyFrom(t.weights[p.Name]); err != nil {
			m.Free()
			return nil, fmt.Errorf("checkpoint %s: %s: %w", t.ckpt, p.Name, err)
		}
	}
	return m, nil
}

// check reports a parameter missing from the checkpoint or of another shape.
func (t *trained) check(name string, shape []int) error {
	got, ok := t.shapes[name]
	if !ok {
		return fmt.Errorf("checkpoint %s: tensor %s missing", t.ckpt, name)
	}
	if fmt.Sprint(got) != fmt.Sprint(shape) {
		return fmt.Errorf("checkpoint %s: %s has shape %v, the model wants %v", t.ckpt, name, got, shape)
	}
	return nil
}

// tokenizer finds and loads the run's tokenizer (see findTokenizer) and
// checks that it fits the model's vocabulary.
func (t *trained) tokenizer(o TrainedOptions) (*tokenizer.Tokenizer, string, error) {
	dir, err := findTokenizer(t.dir, t.plan, o)
	if err != nil {
		return nil, "", err
	}
	tok, err := data.LoadTokenizer(dir)
	if err != nil {
		return nil, "", err
	}
	if tok.VocabSize() != t.plan.Model.Vocab {
		return nil, "", fmt.Errorf("tokenizer %s has %d tokens but the model of %s has a vocabulary of %d: it is not this run's tokenizer", dir, tok.VocabSize(), t.dir, t.plan.Model.Vocab)
	}
	return tok, dir, nil
}

// findTokenizer returns the folder of a run's tokenizer: o.TokenizerDir
// when set; else the dataset folder config.json records, when it still
// holds that dataset; else the dataset of the recorded key in the cache
// o.CacheDir; else, for a run whose config.json records no dataset, the
// one cached dataset whose vocabulary and training and validation token
// counts are the run's (several with identical tokenizers count as one).
func findTokenizer(runDir string, p plan, o TrainedOptions) (string, error) {
	if o.TokenizerDir != "" {
		return o.TokenizerDir, nil
	}
	if ref := p.Dataset; ref != nil {
		if key, err := data.DatasetKey(ref.Dir); err == nil && key == ref.Key {
			return filepath.Join(ref.Dir, data.TokenizerSub), nil
		}
	}
	cached, err := data.CachedDatasets(o.CacheDir)
	if err != nil {
		return "", err
	}
	root, _ := data.CacheRoot(o.CacheDir)
	if ref := p.Dataset; ref != nil {
		for _, c := range cached {
			if c.Meta.Key == ref.Key {
				return filepath.Join(c.Dir, data.TokenizerSub), nil
			}
		}
		return "", fmt.Errorf("run %s: %w: its dataset %s (key %.16s) is gone and the data cache %s does not hold it; rebuild it with experiment prepare -data %s, or pass -cache DIR or -tokenizer DIR",
			runDir, ErrNoTokenizer, ref.Dir, ref.Key, root, p.Data)
	}
	var match []string
	for _, c := range cached {
		m := c.Meta
		if m.VocabSize == p.Model.Vocab && m.TrainTokens == p.TrainTokensData && m.ValTokens == p.ValTokensData {
			match = append(match, filepath.Join(c.Dir, data.TokenizerSub))
		}
	}
	if len(match) == 0 {
		return "", fmt.Errorf("run %s: %w: its %s records no dataset and none in the data cache %s has its vocabulary of %d and %d training tokens; pass -cache DIR or -tokenizer DIR",
			runDir, ErrNoTokenizer, ConfigFile, root, p.Model.Vocab, p.TrainTokensData)
	}
	for _, dir := range match[1:] {
		if !sameTokenizerFiles(match[0], dir) {
			return "", fmt.Errorf("run %s: %w: its %s records no dataset and several cached datasets with other tokenizers fit it (%s); pass -tokenizer DIR",
				runDir, ErrNoTokenizer, ConfigFile, strings.Join(match, ", "))
		}
	}
	return match[0], nil
}

// sameTokenizerFiles reports whether two tokenizer folders hold the same files.
func sameTokenizerFiles(a, b string) bool {
	for _, name := range []string{"vocab.json", "merges.txt"} {
		x, err1 := os.ReadFile(filepath.Join(a, name))
		y, err2 := os.ReadFile(filepath.Join(b, name))
		if err1 != nil || err2 != nil || string(x) != string(y) {
			return false
		}
	}
	return true
}

package experiment

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
)

// ErrRunsDisagree is wrapped by CheckFolder's error when the runs of a
// sweep folder were trained with settings that cannot be fitted together.
var ErrRunsDisagree = errors.New("the runs of this folder were trained with different settings")

// CheckFolder checks, before an analysis, that the runs of the sweep in
// dir belong together. With a plan.json, every run listed in results.json
// must be a run of the plan and every config.json present must be the
// plan's (the device aside). Without one (a folder swept before plans),
// the runs' config.json files must agree on the data, the context, the
// vocabulary, the evaluation tokens and the FLOP count, and on the
// tokens per parameter within 10% (a fixed-ratio grid). A run without a
// config.json is left to the analysis, which skips unfinished runs.
func CheckFolder(dir string) error {
	names, err := resultNames(dir)
	if err != nil {
		return err
	}
	p, err := ReadPlan(dir)
	switch {
	case err == nil:
		return checkAgainstPlan(dir, p, names)
	case !errors.Is(err, fs.ErrNotExist):
		return err
	}
	return checkAlike(dir, names)
}

// resultNames lists the runs of dir/results.json.
func resultNames(dir string) ([]string, error) {
	path := filepath.Join(dir, ResultsFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	var rs Results
	if err := json.Unmarshal(b, &rs); err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	var names []string
	for _, r := range rs.Runs {
		if r.Name != "" && filepath.Base(r.Name) == r.Name {
			names = append(names, r.Name)
		}
	}
	return names, nil
}

// RunData returns the data source a run folder's config.json records
// ("synthetic", "tinystories", a path, ...).
func RunData(dir string) (string, error) {
	c, ok, err := readConfig(dir)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", fmt.Errorf("%s: no %s", dir, ConfigFile)
	}
	return c.Data, nil
}

// readConfig reads dir/config.json; ok is false when there is none.
func readConfig(dir string) (plan, bool, error) {
	path := filepath.Join(dir, ConfigFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return plan{}, false, nil
	}
	if err != nil {
		return plan{}, false, fmt.Errorf("read %s: %w", path, err)
	}
	var c plan
	if err := json.Unmarshal(b, &c); err != nil {
		return plan{}, false, fmt.Errorf("parse %s: %w", path, err)
	}
	return c, true, nil
}

func checkAgainstPlan(dir string, p *Plan, names []string) error {
	for _, name := range names {
		r, ok := p.Lookup(name)
		if !ok {
			return fmt.Errorf("%w: %s lists run %s, which %s does not plan; analyse the runs of one plan only",
				ErrRunsDisagree, filepath.Join(dir, ResultsFile), name, filepath.Join(dir, PlanFile))
		}
		c, ok, err := readConfig(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if !samePlan(c, r.Config) {
			return fmt.Errorf("%w: %s is not the run %s plans (%s)", ErrRunsDisagree,
				filepath.Join(dir, name, ConfigFile), PlanFile, fieldDiff(r.Config, c))
		}
	}
	return nil
}

// shared is what every run of one fixed-ratio sweep has in common.
type shared struct {
	Data            string `json:"data"`
	TrainTokensData int64  `json:"train_shard_tokens"`
	ValTokensData   int64  `json:"val_shard_tokens"`
	Vocab, SeqLen   int
	FinalEvalTokens int64 `json:"final_eval_tokens"`
	ExactFLOPs      bool  `json:"exact_flops"`
}

func checkAlike(dir string, names []string) error {
	var (
		first    string
		base     shared
		lo, hi   = math.Inf(1), math.Inf(-1)
		loN, hiN string
	)
	for _, name := range names {
		c, ok, err := readConfig(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		if !ok || c.Params <= 0 {
			continue
		}
		s := shared{c.Data, c.TrainTokensData, c.ValTokensData, c.Model.Vocab, c.Model.SeqLen, c.FinalEvalTokens, c.ExactFLOPs}
		if first == "" {
			first, base = name, s
		} else if s != base {
			return fmt.Errorf("%w: %s and %s differ (%s); analyse runs of one sweep only", ErrRunsDisagree,
				first, name, fieldDiff(base, s))
		}
		ratio := float64(c.Tokens) / float64(c.Params)
		if ratio < lo {
			lo, loN = ratio, name
		}
		if ratio > hi {
			hi, hiN = ratio, name
		}
	}
	if hi > 1.1*lo {
		return fmt.Errorf("%w: %s trained on %.1f tokens per parameter and %s on %.1f (a mix of -tokens-per-param settings); analyse runs of one sweep only",
			ErrRunsDisagree, loN, lo, hiN, hi)
	}
	return nil
}

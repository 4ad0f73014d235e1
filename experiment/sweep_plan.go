package experiment

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// planRun resolves spec's run against data with the given vocabulary and
// shard lengths: the RunConfig the sweep hands to Run (EvalEvery set from
// the grid's Evals) and its plan (what config.json will hold).
func (g Grid) planRun(spec RunSpec, vocab, trainLen, valLen int) (RunConfig, plan, error) {
	c := g.runConfig(spec)
	p, err := resolve(&c, vocab, trainLen, valLen)
	if err != nil {
		return c, p, fmt.Errorf("%s: %w", spec.Name, err)
	}
	c.EvalEvery = max(1, p.Steps/g.Evals)
	if p, err = resolve(&c, vocab, trainLen, valLen); err != nil {
		return c, p, fmt.Errorf("%s: %w", spec.Name, err)
	}
	return c, p, nil
}

// sameConfig reports whether the config.json in dir describes the run p
// describes (the device may differ), the test Run applies on resume.
func sameConfig(dir string, p plan) (bool, error) {
	path := filepath.Join(dir, ConfigFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return false, fmt.Errorf("read %s: %w", path, err)
	}
	var prev plan
	if err := json.Unmarshal(b, &prev); err != nil {
		return false, fmt.Errorf("parse %s: %w", path, err)
	}
	return samePlan(prev, p), nil
}

// samePlan says whether two plans describe the same run. The device, the
// kernel path, the name and where the dataset sits are not part of a run's
// identity: a finished run may be analysed on any device (a resume checks
// the kernel path on its own, checkKernels), a run folder moved or renamed
// (the name defaults to the folder's) is still the same run, and so is one
// whose data cache moved (config.json records no dataset from before that
// was recorded).
func samePlan(a, b plan) bool {
	a.Device, a.Name, a.Kernels, a.Dataset = b.Device, b.Name, b.Kernels, b.Dataset
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}

// readResult reads dir/result.json; ok is false when it does not exist.
func readResult(dir string) (res *Result, ok bool, err error) {
	path := filepath.Join(dir, ResultFile)
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read %s: %w", path, err)
	}
	var r Result
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, false, fmt.Errorf("parse %s: %w", path, err)
	}
	return &r, true, nil
}

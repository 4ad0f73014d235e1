package experiment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"time"

	"github.com/empirical-scaling/harness/data"
	"github.com/empirical-scaling/harness/internal/atomicfile"
	"github.com/empirical-scaling/harness/internal/filelock"
	"github.com/empirical-scaling/harness/nn"
	"github.com/empirical-scaling/harness/tensor"
)

// PlanFile is the sweep's plan in the sweep folder: every run by index and
// the settings that resolve it, the one source of truth of every worker.
const PlanFile = "plan.json"

// Device kinds a plan is made for: the micro-batch split of the runs
// depends on it.
const (
	KindCPU  = "cpu"
	KindCUDA = "cuda"
)

// DeviceKind is the kind of dev: cpu, or cuda for any GPU.
func DeviceKind(dev tensor.Device) string {
	if dev == nil || dev.Name() == "cpu" {
		return KindCPU
	}
	return KindCUDA
}

// Plan is a sweep resolved against its data: every run with its index and
// its full configuration (what the run's config.json will hold, less the
// device), and the settings it came from.
type Plan struct {
	Grid   Grid         `json:"grid"`   // the grid, with a -data override applied
	Select GridOptions  `json:"select"` // which runs, with the grid's defaults filled in
	Device string       `json:"device"` // KindCPU or KindCUDA
	Runs   []PlannedRun `json:"runs"`

	// Provenance, not part of the plan's identity.
	Command string    `json:"command"`
	Version string    `json:"version"`
	Created time.Time `json:"created"`
}

// PlannedRun is one run of a plan.
type PlannedRun struct {
	Index      int     `json:"index"`
	Name       string  `json:"name"`
	Activation string  `json:"activation"`
	Role       string  `json:"role"`
	Seed       uint64  `json:"seed"`
	Layers     int     `json:"layers"`
	Width      int     `json:"width"`
	Heads      int     `json:"heads"`
	Params     int64   `json:"params"`  // N
	Tokens     int64   `json:"tokens"`  // D
	Compute    float64 `json:"compute"` // C
	Steps      int     `json:"steps"`
	Batch      int     `json:"batch"`
	// EstimatedSeconds is the run's time on the planning device, from a
	// few timed steps (0: not estimated).
	EstimatedSeconds float64 `json:"estimated_seconds,omitempty"`
	// Config is the run's resolved configuration (config.json less the device).
	Config plan `json:"config"`
}

// PlanConfig describes the sweep a plan is made for.
type PlanConfig struct {
	Grid   Grid
	Select GridOptions
	// Data overrides the grid's data source, Tokenizer its tokenizer
	// ("gpt2": GPT-2's own); CacheDir is the data cache.
	Data, Tokenizer, CacheDir string
	// TextColumn overrides the grid's text column of Parquet sources.
	TextColumn string
	// Device is KindCPU or KindCUDA.
	Device string
	// Command and Version are recorded for provenance.
	Command, Version string
	// Progress receives the data preparation's progress bars (nil: none).
	Progress io.Writer
}

// grid is the grid with the data and tokenizer overrides applied.
func (c PlanConfig) grid() Grid {
	g := c.Grid
	if c.Data != "" {
		g.Data = c.Data
	}
	if c.TextColumn != "" {
		g.TextColumn = c.TextColumn
	}
	if c.Tokenizer != "" {
		g.Tokenizer = c.Tokenizer
		if c.Tokenizer == data.TokenizerGPT2 {
			g.VocabSize = data.GPT2VocabSize
		}
	}
	return g
}

// prepareData prepares (or finds in the cache) the data of grid g.
func prepareData(ctx context.Context, g Grid, cacheDir string, progress io.Writer) (*data.Dataset, error) {
	ds, err := data.Prepare(ctx, data.Options{Source: g.Data, CacheDir: cacheDir, VocabSize: g.VocabSize,
		Tokenizer: g.Tokenizer, TextColumn: g.TextColumn, SyntheticBytes: g.SyntheticBytes, Progress: progress})
	if err != nil {
		return nil, fmt.Errorf("data %q: %w", g.Data, err)
	}
	return ds, nil
}

// MakePlan prepares the sweep's data (from the cache when it is there) and
// resolves every run against it.
func MakePlan(ctx context.Context, c PlanConfig) (*Plan, error) {
	ds, err := prepareData(ctx, c.grid(), c.CacheDir, c.Progress)
	if err != nil {
		return nil, fmt.Errorf("plan: %w", err)
	}
	defer ds.Close()
	return newPlan(c, ds)
}

// newPlan resolves the sweep c against the prepared data ds.
func newPlan(c PlanConfig, ds *data.Dataset) (*Plan, error) {
	g := c.grid()
	if c.Device != KindCPU && c.Device != KindCUDA {
		return nil, fmt.Errorf("plan: device %q: want %s or %s", c.Device, KindCPU, KindCUDA)
	}
	sel := c.Select
	if len(sel.Activations) == 0 {
		sel.Activations = []nn.Activation{nn.GeLU, nn.SwiGLU}
	}
	if sel.Seeds == 0 {
		sel.Seeds = g.Seeds
	}
	if sel.TokensPerParam == 0 {
		sel.TokensPerParam = g.TokensPerParam
	}
	specs, err := g.Runs(sel)
	if err != nil {
		return nil, fmt.Errorf("plan: %w", err)
	}
	p := &Plan{Grid: g, Select: sel, Device: c.Device, Command: c.Command, Version: c.Version, Created: time.Now().UTC().Truncate(time.Second)}
	for i, spec := range specs {
		_, rp, err := g.planRunFor(spec, ds.Train.VocabSize(), ds.Train.Len(), ds.Val.Len(), c.Device)
		if err != nil {
			return nil, fmt.Errorf("plan: %w", err)
		}
		p.Runs = append(p.Runs, PlannedRun{
			Index: i, Name: spec.Name, Activation: string(spec.Activation), Role: spec.Role, Seed: spec.Seed,
			Layers: rp.Model.Layers, Width: rp.Model.Width, Heads: rp.Model.Heads,
			Params: rp.Params, Tokens: rp.Tokens, Compute: rp.Compute, Steps: rp.Steps, Batch: rp.Batch, Config: rp,
		})
	}
	return p, nil
}

// planRunFor is planRun for a device kind: the micro-batch split is fixed
// in the plan, so that the worker's device resolves the same run.
func (g Grid) planRunFor(spec RunSpec, vocab, trainLen, valLen int, kind string) (RunConfig, plan, error) {
	c, p, err := g.planRun(spec, vocab, trainLen, valLen)
	if err != nil {
		return c, p, err
	}
	c.Micro = defaultMicroFor(p.Batch, p.Model.SeqLen, kind == KindCUDA)
	p, err = resolve(&c, vocab, trainLen, valLen)
	if err != nil {
		return c, p, fmt.Errorf("%s: %w", spec.Name, err)
	}
	if kind == KindCUDA {
		p.Precision = string(nn.BF16) // what -precision auto trains in on a GPU, as config.json records it
	}
	return c, p, nil
}

// Estimate times a few training steps of each distinct shape of the plan
// on dev and fills in every run's EstimatedSeconds.
func (p *Plan) Estimate(ctx context.Context, dev tensor.Device) error {
	timings := map[string]StepTiming{}
	for i := range p.Runs {
		rp := p.Runs[i].Config
		key := fmt.Sprintf("%s/%d", rp.Model, rp.Batch)
		t, ok := timings[key]
		if !ok {
			var err error
			if t, err = EstimateStep(ctx, dev, rp.Model, rp.Batch, 300*time.Millisecond); err != nil {
				return fmt.Errorf("plan: %w", err)
			}
			timings[key] = t
		}
		p.Runs[i].EstimatedSeconds = estimateRun(rp, t).Seconds()
	}
	return nil
}

// Lookup returns the run called name.
func (p *Plan) Lookup(name string) (PlannedRun, bool) {
	for _, r := range p.Runs {
		if r.Name == name {
			return r, true
		}
	}
	return PlannedRun{}, false
}

// identity is the plan without its provenance and estimates: two plans
// with the same identity train the same runs.
func (p *Plan) identity() Plan {
	q := *p
	q.Command, q.Version, q.Created = "", "", time.Time{}
	q.Runs = make([]PlannedRun, len(p.Runs))
	for i, r := range p.Runs {
		r.EstimatedSeconds = 0
		q.Runs[i] = r
	}
	return q
}

// Diff says how q differs from p ("" when it describes the same runs).
func (p *Plan) Diff(q *Plan) string {
	a, b := p.identity(), q.identity()
	switch {
	case a.Device != b.Device:
		return fmt.Sprintf("device %s, now %s", a.Device, b.Device)
	case !jsonEqual(a.Grid, b.Grid):
		return fmt.Sprintf("grid %s, now %s: %s", a.Grid.Name, b.Grid.Name, fieldDiff(a.Grid, b.Grid))
	case !jsonEqual(a.Select, b.Select):
		return "run selection " + fieldDiff(a.Select, b.Select)
	case len(a.Runs) != len(b.Runs):
		return fmt.Sprintf("%d runs, now %d", len(a.Runs), len(b.Runs))
	}
	for i := range a.Runs {
		if !jsonEqual(a.Runs[i], b.Runs[i]) {
			return fmt.Sprintf("run %d %s: %s", i, a.Runs[i].Name, fieldDiff(a.Runs[i].Config, b.Runs[i].Config))
		}
	}
	return ""
}

func jsonEqual(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}

// fieldDiff names the first top-level field of two structs of one type
// that differs, with both values.
func fieldDiff(a, b any) string {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	if va.Kind() == reflect.Struct && va.Type() == vb.Type() {
		for i := 0; i < va.NumField(); i++ {
			x, y := va.Field(i).Interface(), vb.Field(i).Interface()
			if !jsonEqual(x, y) {
				xs, _ := json.Marshal(x)
				ys, _ := json.Marshal(y)
				return fmt.Sprintf("%s %s, now %s", va.Type().Field(i).Name, xs, ys)
			}
		}
	}
	return "settings differ"
}

// ErrPlanChanged is wrapped (with ErrConfigChanged) by WritePlan's error
// when the folder holds another plan.
var ErrPlanChanged = errors.New("the folder holds a different plan")

// planChangedError is WritePlan's refusal; it is both ErrPlanChanged and
// ErrConfigChanged.
type planChangedError string

func (e planChangedError) Error() string { return string(e) }

func (e planChangedError) Is(target error) bool {
	return target == ErrPlanChanged || target == ErrConfigChanged
}

// ReadPlan reads dir/plan.json; a missing file is an error wrapping
// fs.ErrNotExist.
func ReadPlan(dir string) (*Plan, error) {
	path := filepath.Join(dir, PlanFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	var p Plan
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	for i, r := range p.Runs {
		if r.Index != i || r.Name == "" || filepath.Base(r.Name) != r.Name {
			return nil, fmt.Errorf("%s: run %d (%q) is not a numbered plain run name", path, i, r.Name)
		}
	}
	return &p, nil
}

// WritePlan writes p as dir/plan.json, under the folder lock. When dir
// already holds the same plan it keeps that one (and returns it, with its
// estimates); a different plan is an error wrapping ErrPlanChanged and
// ErrConfigChanged, naming the first difference, and nothing is written.
func WritePlan(ctx context.Context, dir string, p *Plan) (*Plan, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("plan: %w", err)
	}
	lock, err := lockFolder(ctx, dir)
	if err != nil {
		return nil, err
	}
	defer lock.Release()
	old, err := ReadPlan(dir)
	switch {
	case err == nil:
		if err := old.sameAs(dir, p); err != nil {
			return nil, err
		}
		if p.hasEstimates() && !old.hasEstimates() {
			old.copyEstimates(p)
			return old, writePlanFile(dir, old)
		}
		return old, nil
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("plan: %w; remove it to plan again", err)
	}
	return p, writePlanFile(dir, p)
}

// CheckPlan returns WritePlan's refusal without writing: an error wrapping
// ErrPlanChanged when dir holds a plan other than p, nil when it holds p or
// no plan.
func CheckPlan(dir string, p *Plan) error {
	old, err := ReadPlan(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("plan: %w; remove it to plan again", err)
	}
	return old.sameAs(dir, p)
}

// sameAs is the refusal of plan q in dir, which holds p.
func (p *Plan) sameAs(dir string, q *Plan) error {
	if d := p.Diff(q); d != "" {
		return planChangedError(fmt.Sprintf("%s was planned with other settings (%s); use another -out folder",
			filepath.Join(dir, PlanFile), d))
	}
	return nil
}

func (p *Plan) hasEstimates() bool {
	for _, r := range p.Runs {
		if r.EstimatedSeconds > 0 {
			return true
		}
	}
	return false
}

func (p *Plan) copyEstimates(from *Plan) {
	for i := range p.Runs {
		p.Runs[i].EstimatedSeconds = from.Runs[i].EstimatedSeconds
	}
}

func writePlanFile(dir string, p *Plan) error {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return fmt.Errorf("plan: %w", err)
	}
	return atomicfile.WriteFile(filepath.Join(dir, PlanFile), append(b, '\n'))
}

// folderLockFile serialises writes of plan.json and results.json among
// the workers of one sweep folder.
const folderLockFile = ".sweep.lock"

// lockFolder takes the sweep folder's lock, waiting up to a minute (it is
// held for milliseconds at a time).
func lockFolder(ctx context.Context, dir string) (*filelock.Lock, error) {
	l, err := filelock.AcquireWait(ctx, filepath.Join(dir, folderLockFile), filelock.Options{Stale: time.Minute}, 2*time.Minute, 20*time.Millisecond)
	if err != nil {
		return nil, fmt.Errorf("sweep folder lock: %w", err)
	}
	return l, nil
}

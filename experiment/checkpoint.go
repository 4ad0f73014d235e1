package experiment

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/empirical-scaling/harness/data"
	"github.com/empirical-scaling/harness/internal/atomicfile"
	"github.com/empirical-scaling/harness/optim"
	"github.com/empirical-scaling/harness/tensor"
)

// A checkpoint is a folder DIR/checkpoints/step-NNNNNNNN holding
//
//	model.safetensors      the weights, named as GPT-2/nanoGPT's state dict
//	                       (transformer.h.0.attn.c_attn.weight, ...; the
//	                       output layer is tied to transformer.wte.weight
//	                       and not stored twice)
//	optimizer.safetensors  AdamW's moments: NAME.exp_avg and NAME.exp_avg_sq
//	state.json             step, tokens, sampler position, schedule, the
//	                       metrics so far; written last, so a folder without
//	                       it is an unfinished checkpoint and is ignored
//
// After a new checkpoint is complete the older ones are removed.

const checkpointsDir = "checkpoints"

// ckptState is state.json.
type ckptState struct {
	Step        int               `json:"step"`
	Tokens      int64             `json:"tokens"`
	Sampler     data.SamplerState `json:"sampler"`
	Schedule    optim.Schedule    `json:"schedule"`
	OptSteps    int               `json:"optimizer_steps"`
	Elapsed     float64           `json:"elapsed_sec"`
	BestVal     *float64          `json:"best_val_loss,omitempty"` // absent before the first evaluation
	Curve       []CurvePoint      `json:"curve"`
	Rows        []jsonRow         `json:"metrics"`
	EventFile   string            `json:"event_file"`
	ModelFile   string            `json:"model_file"`
	OptFile     string            `json:"optimizer_file"`
	ModelConfig json.RawMessage   `json:"model_config"`
	// Pending is the last trained step when its evaluation was
	// interrupted: a resume scores it before training on.
	Pending *jsonRow `json:"pending_step,omitempty"`
}

// jsonRow is Row with the optional validation loss as a pointer (JSON has no NaN).
type jsonRow struct {
	Row
	ValLoss *float64 `json:"val_loss,omitempty"`
}

func toJSONRows(rows []Row) []jsonRow {
	out := make([]jsonRow, len(rows))
	for i, r := range rows {
		out[i].Row = r
		if !math.IsNaN(r.ValLoss) {
			v := r.ValLoss
			out[i].ValLoss = &v
		}
		out[i].Row.ValLoss = 0
	}
	return out
}

func fromJSONRows(rows []jsonRow) []Row {
	out := make([]Row, len(rows))
	for i, r := range rows {
		out[i] = r.Row
		out[i].ValLoss = math.NaN()
		if r.ValLoss != nil {
			out[i].ValLoss = *r.ValLoss
		}
	}
	return out
}

func stepDir(out string, step int) string {
	return filepath.Join(out, checkpointsDir, fmt.Sprintf("step-%08d", step))
}

// saveCheckpoint writes a complete checkpoint for st.Step and then removes
// older ones.
func saveCheckpoint(out string, params []optim.Param, opt *optim.AdamW, st ckptState, meta map[string]string) error {
	dir := stepDir(out, st.Step)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	weights := make([]NamedTensor, 0, len(params))
	moments := make([]NamedTensor, 0, 2*len(params))
	for i, p := range params {
		w, err := hostTensor(p.Name, p.Weights()) // fp32 master weights in mixed precision
		if err != nil {
			return err
		}
		weights = append(weights, w)
		m, v := opt.Moments(i)
		mt, err := hostTensor(p.Name+".exp_avg", m)
		if err != nil {
			return err
		}
		vt, err := hostTensor(p.Name+".exp_avg_sq", v)
		if err != nil {
			return err
		}
		moments = append(moments, mt, vt)
	}
	st.ModelFile, st.OptFile = "model.safetensors", "optimizer.safetensors"
	meta = mergeMeta(meta, map[string]string{"step": strconv.Itoa(st.Step)})
	if err := WriteSafetensors(filepath.Join(dir, st.ModelFile), weights, meta); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if err := WriteSafetensors(filepath.Join(dir, st.OptFile), moments, meta); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	b, err := json.MarshalIndent(st, "", " ")
	if err != nil {
		return fmt.Errorf("checkpoint: state: %w", err)
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, "state.json"), b); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	steps, _ := listCheckpoints(out)
	for _, s := range steps {
		if s != st.Step {
			os.RemoveAll(stepDir(out, s))
		}
	}
	return nil
}

func mergeMeta(a, b map[string]string) map[string]string {
	out := map[string]string{"format": "pt"}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

func hostTensor(name string, t *tensor.Tensor) (NamedTensor, error) {
	v, err := t.Float32s()
	if err != nil {
		return NamedTensor{}, fmt.Errorf("checkpoint: read %s: %w", name, err)
	}
	return NamedTensor{Name: name, Shape: t.Shape(), Data: v}, nil
}

// listCheckpoints returns the steps of every checkpoint folder, complete or not, ascending.
func listCheckpoints(out string) ([]int, error) {
	ents, err := os.ReadDir(filepath.Join(out, checkpointsDir))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("list checkpoints: %w", err)
	}
	var steps []int
	for _, e := range ents {
		if s, ok := strings.CutPrefix(e.Name(), "step-"); ok && e.IsDir() {
			if n, err := strconv.Atoi(s); err == nil {
				steps = append(steps, n)
			}
		}
	}
	sort.Ints(steps)
	return steps, nil
}

// latestCheckpoint returns the newest complete checkpoint's state, or
// ok=false when there is none.
func latestCheckpoint(out string) (ckptState, string, bool, error) {
	steps, err := listCheckpoints(out)
	if err != nil {
		return ckptState{}, "", false, err
	}
	for i := len(steps) - 1; i >= 0; i-- {
		dir := stepDir(out, steps[i])
		b, err := os.ReadFile(filepath.Join(dir, "state.json"))
		if errors.Is(err, os.ErrNotExist) {
			continue // unfinished: the writer was killed before state.json
		}
		if err != nil {
			return ckptState{}, "", false, fmt.Errorf("read checkpoint: %w", err)
		}
		var st ckptState
		if err := json.Unmarshal(b, &st); err != nil {
			return ckptState{}, "", false, fmt.Errorf("read checkpoint %s: %w", dir, err)
		}
		return st, dir, true, nil
	}
	return ckptState{}, "", false, nil
}

// loadCheckpoint copies a checkpoint's weights and moments into params
// and opt (into the fp32 masters, then rounded into the bf16 working
// copies, in mixed precision), checking that every tensor is present with the right shape.
func loadCheckpoint(dir string, st ckptState, params []optim.Param, opt *optim.AdamW) error {
	weights, _, err := ReadSafetensors(filepath.Join(dir, st.ModelFile))
	if err != nil {
		return err
	}
	moments, _, err := ReadSafetensors(filepath.Join(dir, st.OptFile))
	if err != nil {
		return err
	}
	byName := map[string]NamedTensor{}
	for _, t := range append(weights, moments...) {
		byName[t.Name] = t
	}
	set := func(name string, t *tensor.Tensor) error {
		src, ok := byName[name]
		if !ok {
			return fmt.Errorf("resume from %s: tensor %s missing", dir, name)
		}
		if fmt.Sprint(src.Shape) != fmt.Sprint(t.Shape()) {
			return fmt.Errorf("resume from %s: %s has shape %v, the model wants %v", dir, name, src.Shape, t.Shape())
		}
		if err := t.CopyFrom(src.Data); err != nil {
			return fmt.Errorf("resume from %s: %s: %w", dir, name, err)
		}
		return nil
	}
	for i, p := range params {
		m, v := opt.Moments(i)
		if err := set(p.Name, p.Weights()); err != nil {
			return err
		}
		if err := set(p.Name+".exp_avg", m); err != nil {
			return err
		}
		if err := set(p.Name+".exp_avg_sq", v); err != nil {
			return err
		}
	}
	if err := opt.SyncWorking(); err != nil {
		return fmt.Errorf("resume from %s: %w", dir, err)
	}
	opt.SetSteps(st.OptSteps)
	return nil
}

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
	"time"

	"github.com/empirical-scaling/harness/data"
	"github.com/empirical-scaling/harness/internal/atomicfile"
	"github.com/empirical-scaling/harness/internal/crc32c"
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
//	                       metrics so far, the size and CRC-32C of the two
//	                       files and a CRC-32C of itself; written last, so a
//	                       folder without it is an unfinished checkpoint
//	                       and is ignored
//
// Every file is read back and checked after it is written. Once a new
// checkpoint is complete and verified, all but it and the newest complete
// one before it are removed (unfinished folders of killed attempts too).
// A resume verifies the newest checkpoint's files against state.json and
// falls back to the previous one (saying so in the log) when they do not
// match.

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
	// Files holds the size and CRC-32C of model.safetensors and
	// optimizer.safetensors, checked on resume.
	Files map[string]fileSum `json:"files,omitempty"`
	// Checksum is the CRC-32C of this state's JSON encoding with Checksum
	// empty (absent in checkpoints written before it existed).
	Checksum string `json:"checksum,omitempty"`
}

// fileSum is a file's size and hex CRC-32C.
type fileSum struct {
	Size   int64  `json:"size"`
	CRC32C string `json:"crc32c"`
}

func sumOf(b []byte) fileSum {
	return fileSum{Size: int64(len(b)), CRC32C: fmt.Sprintf("%08x", crc32c.Checksum(b))}
}

// stateChecksum is the CRC-32C of st's compact JSON with Checksum empty.
func stateChecksum(st ckptState) (string, error) {
	st.Checksum = ""
	b, err := json.Marshal(st)
	if err != nil {
		return "", err
	}
	return sumOf(b).CRC32C, nil
}

// ErrDamagedCheckpoint is wrapped by the error of a checkpoint whose
// files do not match what state.json recorded.
var ErrDamagedCheckpoint = errors.New("damaged checkpoint")

// writeVerified writes b to path atomically, reads it back and checks it
// arrived intact; it returns b's size and CRC-32C.
func writeVerified(path string, b []byte) (fileSum, error) {
	want := sumOf(b)
	if err := atomicfile.WriteFile(path, b); err != nil {
		return fileSum{}, err
	}
	back, err := os.ReadFile(path)
	if err != nil {
		return fileSum{}, fmt.Errorf("verify %s: %w", path, err)
	}
	if got := sumOf(back); got != want {
		return fileSum{}, fmt.Errorf("verify %s: %w: read back %d bytes with CRC-32C %s, wrote %d with %s",
			path, ErrDamagedCheckpoint, got.Size, got.CRC32C, want.Size, want.CRC32C)
	}
	return want, nil
}

// verifyFiles checks the checkpoint's files in dir against st.Files (and
// st against its own checksum). A checkpoint from before checksums were
// recorded passes unchecked.
func verifyFiles(dir string, st ckptState) error {
	if st.Checksum != "" {
		sum, err := stateChecksum(st)
		if err != nil || sum != st.Checksum {
			return fmt.Errorf("%w: %s: state.json does not match its checksum", ErrDamagedCheckpoint, dir)
		}
	}
	for _, name := range []string{st.ModelFile, st.OptFile} {
		want, ok := st.Files[name]
		if !ok {
			if st.Files == nil {
				continue
			}
			return fmt.Errorf("%w: %s: state.json records no checksum for %s", ErrDamagedCheckpoint, dir, name)
		}
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return fmt.Errorf("%w: %s: %w", ErrDamagedCheckpoint, dir, err)
		}
		if got := sumOf(b); got != want {
			return fmt.Errorf("%w: %s: %s has %d bytes with CRC-32C %s; %d bytes with %s were written",
				ErrDamagedCheckpoint, dir, name, got.Size, got.CRC32C, want.Size, want.CRC32C)
		}
	}
	return nil
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
	if !hasState(dir) {
		// What a killed attempt left of this step is started afresh, so
		// that none of its temporary files stay in the checkpoint.
		if err := os.RemoveAll(dir); err != nil {
			return fmt.Errorf("checkpoint: %w", err)
		}
	}
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
	st.Files = map[string]fileSum{}
	for _, f := range []struct {
		name    string
		tensors []NamedTensor
	}{{st.ModelFile, weights}, {st.OptFile, moments}} {
		b, err := EncodeSafetensors(f.tensors, meta)
		if err != nil {
			return fmt.Errorf("checkpoint: %s: %w", f.name, err)
		}
		if st.Files[f.name], err = writeVerified(filepath.Join(dir, f.name), b); err != nil {
			return fmt.Errorf("checkpoint: %w", err)
		}
	}
	sum, err := stateChecksum(st)
	if err != nil {
		return fmt.Errorf("checkpoint: state: %w", err)
	}
	st.Checksum = sum
	b, err := json.MarshalIndent(st, "", " ")
	if err != nil {
		return fmt.Errorf("checkpoint: state: %w", err)
	}
	if _, err := writeVerified(filepath.Join(dir, "state.json"), b); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	// The new checkpoint is complete and verified: keep it and the newest
	// complete one before it (the fallback should this one be damaged
	// later). Everything else goes, including the unfinished folders of
	// killed attempts: kept as the fallback, such a folder used to leave
	// the run with none.
	steps, _ := listCheckpoints(out)
	fallback := -1
	for i := len(steps) - 1; i >= 0; i-- {
		if steps[i] < st.Step && hasState(stepDir(out, steps[i])) {
			fallback = steps[i]
			break
		}
	}
	for _, s := range steps {
		if s != st.Step && s != fallback {
			os.RemoveAll(stepDir(out, s))
		}
	}
	// A kept folder can still hold the temporary file of a write killed
	// in it: a resumed run that checkpoints its first step again rewrites
	// a complete folder in place. Every write of this run to it is done
	// (the run holds the folder's lock), so such files are leftovers.
	for _, s := range []int{st.Step, fallback} {
		if s < 0 {
			continue
		}
		if _, err := atomicfile.RemoveLeftovers(stepDir(out, s), time.Now()); err != nil {
			return fmt.Errorf("checkpoint: %w", err)
		}
	}
	return nil
}

// hasState says whether the checkpoint folder dir is complete: state.json,
// written last, is there.
func hasState(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "state.json"))
	return err == nil
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
// ok=false when there is none. It does not verify the files (resume does).
func latestCheckpoint(out string) (ckptState, string, bool, error) {
	cands, err := completeCheckpoints(out)
	if err != nil || len(cands) == 0 {
		return ckptState{}, "", false, err
	}
	c := cands[0]
	return c.st, c.dir, c.err == nil, c.err
}

// candidate is a checkpoint folder with a state.json, readable or not.
type candidate struct {
	dir string
	st  ckptState
	err error // state.json unreadable
}

// completeCheckpoints returns the checkpoints that have a state.json,
// newest first.
func completeCheckpoints(out string) ([]candidate, error) {
	steps, err := listCheckpoints(out)
	if err != nil {
		return nil, err
	}
	var cands []candidate
	for i := len(steps) - 1; i >= 0; i-- {
		dir := stepDir(out, steps[i])
		b, err := os.ReadFile(filepath.Join(dir, "state.json"))
		if errors.Is(err, os.ErrNotExist) {
			continue // unfinished: the writer was killed before state.json
		}
		c := candidate{dir: dir}
		if err != nil {
			c.err = fmt.Errorf("read checkpoint: %w", err)
		} else if err := json.Unmarshal(b, &c.st); err != nil {
			c.err = fmt.Errorf("%w: %s: state.json: %w", ErrDamagedCheckpoint, dir, err)
		}
		cands = append(cands, c)
	}
	return cands, nil
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

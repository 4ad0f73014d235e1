package experiment

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/empirical-scaling/harness/data"
	"github.com/empirical-scaling/harness/kernels/cpu"
	"github.com/empirical-scaling/harness/nn"
	"github.com/empirical-scaling/harness/tensor"
	"github.com/empirical-scaling/harness/tokenizer"
)

// TestExportHFReproducesTheLogits runs an independent GPT-2 forward pass,
// written here in float64 from transformers' GPT-2 definition and reading
// nothing but the exported config.json and model.safetensors, and checks
// that it gives the run's own logits (nn.Model.Logits on the CPU).
func TestExportHFReproducesTheLogits(t *testing.T) {
	run, cache := tinyTextRun(t, nn.GeLU)
	out := filepath.Join(t.TempDir(), "hf")
	require.NoError(t, ExportHF(run, out, TrainedOptions{CacheDir: cache}))

	hf := loadHFGPT2(t, out)
	tr, err := loadTrained(run)
	require.NoError(t, err)
	m := tr.plan.Model
	assert.Equal(t, m.Vocab, hf.cfg.VocabSize)
	assert.Equal(t, m.SeqLen, hf.cfg.NPositions)

	// A batch of full-context sequences of tokens from the validation data.
	const B = 3
	ids := make([]int32, B*m.SeqLen)
	rng := nn.NewRNG(5)
	for i := range ids {
		ids[i] = int32(rng.Uint64() % uint64(m.Vocab))
	}
	dev := cpu.New()
	model, err := tr.model(dev)
	require.NoError(t, err)
	defer model.Free()
	g := tensor.NewGraph(dev)
	g.SetGradEnabled(false)
	defer g.Reset()
	idt, err := tensor.FromInt32(dev, ids, B, m.SeqLen)
	require.NoError(t, err)
	defer idt.Free()
	lt, err := model.Logits(g, idt)
	require.NoError(t, err)
	ours, err := lt.Float32s()
	require.NoError(t, err)

	compare := func() (worst, scale float64) {
		for b := 0; b < B; b++ {
			ref := hf.forward(ids[b*m.SeqLen : (b+1)*m.SeqLen])
			for i, v := range ref {
				worst = math.Max(worst, math.Abs(v-float64(ours[b*m.SeqLen*m.Vocab+i])))
				scale = math.Max(scale, math.Abs(v))
			}
		}
		return worst, scale
	}
	worst, scale := compare()
	// The bound is float32 precision at the logits' scale: the run computes
	// in float32 (each rounding off by up to 2^-24 ≈ 6e-8 relative) through
	// sums of d and 4d products, L blocks, LayerNorms that rescale the
	// residual stream and the vectorised exponentials of the softmax and
	// the GeLU; that accumulates to a few 1e-6 of the scale here, while
	// the float64 reference is exact by comparison.
	bound := 1e-5 * math.Max(scale, 1)
	t.Logf("largest |logit| %.3f, largest difference %.3g (%.3g of it), bound %.3g", scale, worst, worst/scale, bound)
	assert.Less(t, worst, bound)
	assert.Greater(t, scale, 0.5, "the logits are not all near zero (the comparison would be empty)")

	// The reference file holds the exported tokenizer's ids of its text
	// and the run's logits for them.
	rt, meta, err := ReadSafetensors(filepath.Join(out, HFReferenceFile))
	require.NoError(t, err)
	require.Len(t, rt, 2)
	exp, err := tokenizer.Load(filepath.Join(out, "vocab.json"), filepath.Join(out, "merges.txt"), []string{data.EOT})
	require.NoError(t, err)
	want := exp.Encode([]byte(meta["text"]))
	want = want[:min(len(want), m.SeqLen)]
	byName := map[string]NamedTensor{rt[0].Name: rt[0], rt[1].Name: rt[1]}
	refIDs := make([]int32, len(byName["input_ids"].Data))
	for i, v := range byName["input_ids"].Data {
		require.Equal(t, float32(want[i]), v)
		refIDs[i] = int32(v)
	}
	require.Len(t, refIDs, len(want))
	require.Equal(t, m.SeqLen, len(refIDs), "the reference text fills the tiny model's context")
	var refWorst float64
	for i, v := range hf.forward(refIDs) {
		refWorst = math.Max(refWorst, math.Abs(v-float64(byName["logits"].Data[i])))
	}
	assert.Less(t, refWorst, bound, "reference logits")

	// The comparison tells the GeLU forms apart on this model: with
	// transformers' "gelu" (erf) the reference leaves the bound.
	hf.cfg.Act = "gelu"
	erf, _ := compare()
	t.Logf("with the erf GeLU the largest difference is %.3g", erf)
	assert.Greater(t, erf, 2*bound)
}

func TestExportHFFiles(t *testing.T) {
	run, cache := tinyTextRun(t, nn.GeLU)
	out := filepath.Join(t.TempDir(), "hf")
	require.NoError(t, ExportHF(run, out, TrainedOptions{CacheDir: cache}))
	tr, err := loadTrained(run)
	require.NoError(t, err)
	m := tr.plan.Model

	var cfg map[string]any
	readJSON(t, filepath.Join(out, HFConfigFile), &cfg)
	for k, want := range map[string]any{
		"model_type": "gpt2", "activation_function": "gelu_new", "layer_norm_epsilon": 1e-5,
		"n_embd": float64(m.Width), "n_layer": float64(m.Layers), "n_head": float64(m.Heads),
		"n_positions": float64(m.SeqLen), "vocab_size": float64(m.Vocab), "tie_word_embeddings": true,
	} {
		assert.Equal(t, want, cfg[k], k)
	}
	assert.Equal(t, []any{"GPT2LMHeadModel"}, cfg["architectures"])

	// bos and eos are the id vocab.json gives <|endoftext|>.
	var vocab map[string]int
	readJSON(t, filepath.Join(out, "vocab.json"), &vocab)
	eot, ok := vocab[data.EOT]
	require.True(t, ok)
	assert.Equal(t, float64(eot), cfg["bos_token_id"])
	assert.Equal(t, float64(eot), cfg["eos_token_id"])
	var tc map[string]any
	readJSON(t, filepath.Join(out, HFTokenizerConfigFile), &tc)
	for _, k := range []string{"bos_token", "eos_token", "unk_token"} {
		assert.Equal(t, data.EOT, tc[k], k)
	}
	assert.Contains(t, tc["added_tokens_decoder"], fmt.Sprint(eot))
	var sm map[string]string
	readJSON(t, filepath.Join(out, HFSpecialTokensFile), &sm)
	assert.Equal(t, map[string]string{"bos_token": data.EOT, "eos_token": data.EOT, "unk_token": data.EOT}, sm)

	// The exported tokenizer gives the run's token ids.
	runTok, _, err := tr.tokenizer(TrainedOptions{CacheDir: cache})
	require.NoError(t, err)
	exp, err := tokenizer.Load(filepath.Join(out, "vocab.json"), filepath.Join(out, "merges.txt"), []string{data.EOT})
	require.NoError(t, err)
	text := []byte("Once upon a time, a little fox found 3 red apples." + data.EOT + "The end.")
	assert.Equal(t, runTok.Encode(text), exp.Encode(text))

	// A second export into the same folder is refused and leaves it alone.
	before, err := os.ReadFile(filepath.Join(out, HFWeightsFile))
	require.NoError(t, err)
	err = ExportHF(run, out, TrainedOptions{CacheDir: cache})
	require.ErrorContains(t, err, "is not empty")
	after, err := os.ReadFile(filepath.Join(out, HFWeightsFile))
	require.NoError(t, err)
	assert.Equal(t, before, after)
	left, err := filepath.Glob(filepath.Join(filepath.Dir(out), ".hf.export-*"))
	require.NoError(t, err)
	assert.Empty(t, left, "no staging folder is left behind")
}

func TestExportHFRefusesSwiGLU(t *testing.T) {
	run, cache := tinyTextRun(t, nn.SwiGLU)
	out := filepath.Join(t.TempDir(), "hf")
	err := ExportHF(run, out, TrainedOptions{CacheDir: cache})
	require.ErrorIs(t, err, ErrNoStockArchitecture)
	assert.Contains(t, err.Error(), "SwiGLU")
	assert.NoDirExists(t, out)
}

func TestExportHFNoCheckpoint(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, ConfigFile), []byte(`{"model":{"layers":1,"width":8,"heads":1,"vocab":300,"seq_len":8,"activation":"gelu"}}`), 0o644))
	out := filepath.Join(t.TempDir(), "hf")
	require.ErrorIs(t, ExportHF(dir, out, TrainedOptions{}), ErrNoCheckpoint)
	assert.NoDirExists(t, out)
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, v), path)
}

// hfGPT2 is an exported model as transformers would read it.
type hfGPT2 struct {
	cfg struct {
		VocabSize  int     `json:"vocab_size"`
		NPositions int     `json:"n_positions"`
		NEmbd      int     `json:"n_embd"`
		NLayer     int     `json:"n_layer"`
		NHead      int     `json:"n_head"`
		NInner     *int    `json:"n_inner"`
		Act        string  `json:"activation_function"`
		Eps        float64 `json:"layer_norm_epsilon"`
		Tie        bool    `json:"tie_word_embeddings"`
	}
	w map[string][]float64
	s map[string][]int
}

// loadHFGPT2 reads config.json and model.safetensors with a reader of its
// own (8-byte header length, JSON header, little-endian F32 data).
func loadHFGPT2(t *testing.T, dir string) *hfGPT2 {
	t.Helper()
	h := &hfGPT2{w: map[string][]float64{}, s: map[string][]int{}}
	readJSON(t, filepath.Join(dir, "config.json"), &h.cfg)
	b, err := os.ReadFile(filepath.Join(dir, "model.safetensors"))
	require.NoError(t, err)
	n := binary.LittleEndian.Uint64(b)
	var hdr map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(b[8:8+n], &hdr))
	body := b[8+n:]
	var meta map[string]string
	require.NoError(t, json.Unmarshal(hdr["__metadata__"], &meta))
	require.Equal(t, "pt", meta["format"], "transformers loads safetensors marked format pt")
	delete(hdr, "__metadata__")
	for name, raw := range hdr {
		var e struct {
			DType   string `json:"dtype"`
			Shape   []int  `json:"shape"`
			Offsets [2]int `json:"data_offsets"`
		}
		require.NoError(t, json.Unmarshal(raw, &e))
		require.Equal(t, "F32", e.DType)
		v := make([]float64, (e.Offsets[1]-e.Offsets[0])/4)
		for i := range v {
			v[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(body[e.Offsets[0]+4*i:])))
		}
		h.w[name], h.s[name] = v, e.Shape
	}
	return h
}

// get returns a tensor, checking its shape.
func (h *hfGPT2) get(name string, shape ...int) []float64 {
	if fmt.Sprint(h.s[name]) != fmt.Sprint(shape) {
		panic(fmt.Sprintf("%s: shape %v, want %v", name, h.s[name], shape))
	}
	return h.w[name]
}

// forward returns the logits [T, V] of one sequence, as transformers'
// GPT2LMHeadModel computes them in eval mode.
func (h *hfGPT2) forward(ids []int32) []float64 {
	c := h.cfg
	T, d, H, V := len(ids), c.NEmbd, c.NHead, c.VocabSize
	dh := d / H
	inner := 4 * d
	if c.NInner != nil {
		inner = *c.NInner
	}
	wte := h.get("transformer.wte.weight", V, d)
	wpe := h.get("transformer.wpe.weight", c.NPositions, d)
	x := make([]float64, T*d)
	for t, id := range ids {
		for j := 0; j < d; j++ {
			x[t*d+j] = wte[int(id)*d+j] + wpe[t*d+j]
		}
	}
	layerNorm := func(in []float64, name string) []float64 {
		w, b := h.get(name+".weight", d), h.get(name+".bias", d)
		out := make([]float64, len(in))
		for t := 0; t < T; t++ {
			row := in[t*d : (t+1)*d]
			var mean, vr float64
			for _, v := range row {
				mean += v
			}
			mean /= float64(d)
			for _, v := range row {
				vr += (v - mean) * (v - mean)
			}
			vr /= float64(d)
			inv := 1 / math.Sqrt(vr+c.Eps)
			for j, v := range row {
				out[t*d+j] = (v-mean)*inv*w[j] + b[j]
			}
		}
		return out
	}
	// conv1D is transformers' Conv1D: x [T, nx] · W [nx, nf] + b [nf].
	conv1D := func(in []float64, name string, nx, nf int) []float64 {
		w, b := h.get(name+".weight", nx, nf), h.get(name+".bias", nf)
		out := make([]float64, T*nf)
		for t := 0; t < T; t++ {
			for o := 0; o < nf; o++ {
				s := b[o]
				for i := 0; i < nx; i++ {
					s += in[t*nx+i] * w[i*nf+o]
				}
				out[t*nf+o] = s
			}
		}
		return out
	}
	act := func(v float64) float64 {
		switch c.Act {
		case "gelu_new":
			return 0.5 * v * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(v+0.044715*v*v*v)))
		case "gelu":
			return 0.5 * v * (1 + math.Erf(v/math.Sqrt2))
		}
		panic("activation " + c.Act)
	}
	for l := 0; l < c.NLayer; l++ {
		p := fmt.Sprintf("transformer.h.%d.", l)
		qkv := conv1D(layerNorm(x, p+"ln_1"), p+"attn.c_attn", d, 3*d)
		att := make([]float64, T*d)
		for hd := 0; hd < H; hd++ {
			for i := 0; i < T; i++ {
				q := qkv[i*3*d+hd*dh:]
				scores := make([]float64, i+1)
				hi := math.Inf(-1)
				for j := 0; j <= i; j++ {
					k := qkv[j*3*d+d+hd*dh:]
					var s float64
					for e := 0; e < dh; e++ {
						s += q[e] * k[e]
					}
					scores[j] = s / math.Sqrt(float64(dh))
					hi = math.Max(hi, scores[j])
				}
				var sum float64
				for j := range scores {
					scores[j] = math.Exp(scores[j] - hi)
					sum += scores[j]
				}
				for j := 0; j <= i; j++ {
					v := qkv[j*3*d+2*d+hd*dh:]
					for e := 0; e < dh; e++ {
						att[i*d+hd*dh+e] += scores[j] / sum * v[e]
					}
				}
			}
		}
		proj := conv1D(att, p+"attn.c_proj", d, d)
		for i := range x {
			x[i] += proj[i]
		}
		mid := conv1D(layerNorm(x, p+"ln_2"), p+"mlp.c_fc", d, inner)
		for i, v := range mid {
			mid[i] = act(v)
		}
		mlp := conv1D(mid, p+"mlp.c_proj", inner, d)
		for i := range x {
			x[i] += mlp[i]
		}
	}
	x = layerNorm(x, "transformer.ln_f")
	head := wte // tied: transformers ties lm_head.weight to wte when the file has none
	if w, ok := h.w["lm_head.weight"]; ok {
		head = w
	}
	logits := make([]float64, T*V)
	for t := 0; t < T; t++ {
		for v := 0; v < V; v++ {
			var s float64
			for j := 0; j < d; j++ {
				s += x[t*d+j] * head[v*d+j]
			}
			logits[t*V+v] = s
		}
	}
	return logits
}

package experiment

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/empirical-scaling/harness/data"
	"github.com/empirical-scaling/harness/kernels/cpu"
	"github.com/empirical-scaling/harness/nn"
	"github.com/empirical-scaling/harness/tensor"
)

// ErrNoStockArchitecture is wrapped by ExportHF's error for a run that no
// stock transformers architecture computes exactly (the SwiGLU runs).
var ErrNoStockArchitecture = errors.New("no stock transformers architecture computes this model")

// HFActivation is transformers' name for the GeLU the kernels compute:
// GPT-2's tanh approximation 0.5·x·(1+tanh(√(2/π)·(x+0.044715·x³))), which
// transformers calls "gelu_new" (its "gelu" is the exact erf form).
const HFActivation = "gelu_new"

// hfLayerNormEps is the epsilon the LayerNorm kernels add to the variance.
const hfLayerNormEps = 1e-5

// Files ExportHF writes.
const (
	HFConfigFile          = "config.json"
	HFWeightsFile         = "model.safetensors"
	HFGenerationFile      = "generation_config.json"
	HFTokenizerConfigFile = "tokenizer_config.json"
	HFSpecialTokensFile   = "special_tokens_map.json"
	// HFReferenceFile holds the run's own logits for ReferenceText, to
	// check the export where transformers is installed (see the README).
	HFReferenceFile = "harness_reference.safetensors"
)

// ReferenceText is the text whose token ids (cropped to the context) and
// logits ExportHF stores in HFReferenceFile.
const ReferenceText = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park with her friends. One day, she found a shiny red ball under a big tree."

// hfConfig is transformers' GPT2Config as config.json holds it.
type hfConfig struct {
	Architectures              []string `json:"architectures"`
	ModelType                  string   `json:"model_type"`
	VocabSize                  int      `json:"vocab_size"`
	NPositions                 int      `json:"n_positions"`
	NCtx                       int      `json:"n_ctx"`
	NEmbd                      int      `json:"n_embd"`
	NLayer                     int      `json:"n_layer"`
	NHead                      int      `json:"n_head"`
	NInner                     *int     `json:"n_inner"`
	ActivationFunction         string   `json:"activation_function"`
	LayerNormEpsilon           float64  `json:"layer_norm_epsilon"`
	ResidPdrop                 float64  `json:"resid_pdrop"`
	EmbdPdrop                  float64  `json:"embd_pdrop"`
	AttnPdrop                  float64  `json:"attn_pdrop"`
	InitializerRange           float64  `json:"initializer_range"`
	ScaleAttnWeights           bool     `json:"scale_attn_weights"`
	ScaleAttnByInverseLayerIdx bool     `json:"scale_attn_by_inverse_layer_idx"`
	ReorderAndUpcastAttn       bool     `json:"reorder_and_upcast_attn"`
	TieWordEmbeddings          bool     `json:"tie_word_embeddings"`
	UseCache                   bool     `json:"use_cache"`
	BOSTokenID                 int      `json:"bos_token_id"`
	EOSTokenID                 int      `json:"eos_token_id"`
	TorchDType                 string   `json:"torch_dtype"`
}

// ExportHF writes the newest checkpoint of the GeLU run in runDir to the
// new folder outDir in the form transformers loads with from_pretrained,
// as a GPT2LMHeadModel:
//
//	config.json             model_type gpt2 with the run's shape, the
//	                        tanh GeLU ("gelu_new"), LayerNorm epsilon 1e-5,
//	                        no dropout, tied output layer, and
//	                        <|endoftext|>'s id as bos and eos
//	model.safetensors       float32 weights under transformers' GPT-2
//	                        names; its Conv1D layers hold [in, out]
//	                        matrices, the transpose of the run's [out, in]
//	                        (c_attn keeps q, k, v in that order, heads
//	                        contiguous, as the attention kernel reads
//	                        them); the biases the run's linear layers lack
//	                        are zeros; lm_head is tied to wte, not stored
//	generation_config.json  bos and eos
//	vocab.json, merges.txt  the run's tokenizer in GPT-2's format
//	tokenizer_config.json,  <|endoftext|> as bos, eos and unk, as GPT-2
//	special_tokens_map.json
//	harness_reference.safetensors
//	                        "input_ids" (ReferenceText's tokens, as F32)
//	                        and the run's "logits" for them [T, V],
//	                        computed by nn.Model.Logits on the CPU; the
//	                        text is in the metadata (transformers ignores
//	                        the file)
//
// The folder is written beside outDir and renamed into place, so it is
// complete or absent; an existing non-empty outDir is an error. A SwiGLU
// run is refused with an error wrapping ErrNoStockArchitecture: no stock
// architecture has a SwiGLU feed-forward layer with learned positions and
// LayerNorm (the Llama family has rotary positions and RMSNorm).
func ExportHF(runDir, outDir string, o TrainedOptions) error {
	t, err := loadTrained(runDir)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	m := t.plan.Model
	if m.Activation != nn.GeLU {
		return fmt.Errorf("export: run %s is %s: %w: transformers has none with a SwiGLU feed-forward layer, learned positions and LayerNorm (Llama-family models use rotary positions and RMSNorm); only GeLU runs export, as GPT2LMHeadModel",
			runDir, m, ErrNoStockArchitecture)
	}
	tok, _, err := t.tokenizer(o)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	eot, _ := tok.SpecialID(data.EOT)
	tensors, err := t.hfTensors()
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if err := checkExportTarget(outDir); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(filepath.Clean(outDir)), 0o755); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	stage, err := os.MkdirTemp(filepath.Dir(filepath.Clean(outDir)), "."+filepath.Base(outDir)+".export-")
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer os.RemoveAll(stage) // a no-op once renamed
	if err := os.Chmod(stage, 0o755); err != nil {
		return fmt.Errorf("export: %w", err)
	}

	cfg := hfConfig{
		Architectures: []string{"GPT2LMHeadModel"}, ModelType: "gpt2",
		VocabSize: m.Vocab, NPositions: m.SeqLen, NCtx: m.SeqLen, NEmbd: m.Width, NLayer: m.Layers, NHead: m.Heads,
		ActivationFunction: HFActivation, LayerNormEpsilon: hfLayerNormEps, InitializerRange: 0.02,
		ScaleAttnWeights: true, TieWordEmbeddings: true, UseCache: true,
		BOSTokenID: int(eot), EOSTokenID: int(eot), TorchDType: "float32",
	}
	id := strconv.Itoa(int(eot))
	files := []struct {
		name string
		v    any
	}{
		{HFConfigFile, cfg},
		{HFGenerationFile, map[string]any{"bos_token_id": eot, "eos_token_id": eot}},
		{HFSpecialTokensFile, map[string]string{"bos_token": data.EOT, "eos_token": data.EOT, "unk_token": data.EOT}},
		{HFTokenizerConfigFile, map[string]any{
			"tokenizer_class": "GPT2Tokenizer", "model_max_length": m.SeqLen,
			"bos_token": data.EOT, "eos_token": data.EOT, "unk_token": data.EOT,
			"add_prefix_space": false, "add_bos_token": false, "errors": "replace", "clean_up_tokenization_spaces": false,
			"added_tokens_decoder": map[string]any{id: map[string]any{
				"content": data.EOT, "special": true, "normalized": true, "lstrip": false, "rstrip": false, "single_word": false,
			}},
		}},
	}
	for _, f := range files {
		b, err := json.MarshalIndent(f.v, "", "  ")
		if err != nil {
			return fmt.Errorf("export: %s: %w", f.name, err)
		}
		if err := os.WriteFile(filepath.Join(stage, f.name), append(b, '\n'), 0o644); err != nil {
			return fmt.Errorf("export: %w", err)
		}
	}
	st, err := EncodeSafetensors(tensors, map[string]string{"format": "pt"})
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if err := os.WriteFile(filepath.Join(stage, HFWeightsFile), st, 0o644); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	ref, err := t.reference(tok.Encode([]byte(ReferenceText)))
	if err != nil {
		return fmt.Errorf("export: reference logits: %w", err)
	}
	st, err = EncodeSafetensors(ref, map[string]string{"format": "pt", "text": ReferenceText})
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if err := os.WriteFile(filepath.Join(stage, HFReferenceFile), st, 0o644); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if err := tok.Save(stage); err != nil {
		return fmt.Errorf("export: tokenizer: %w", err)
	}
	if err := os.Remove(outDir); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("export: %w", err) // it was empty when checked
	}
	if err := os.Rename(stage, outDir); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

// checkExportTarget refuses an out folder that holds anything.
func checkExportTarget(outDir string) error {
	ents, err := os.ReadDir(outDir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("export: %w", err)
	case len(ents) > 0:
		return fmt.Errorf("export: %s is not empty; export into a new folder", outDir)
	}
	return nil
}

// hfTensors maps the checkpoint's weights to transformers' GPT-2 state
// dict: Conv1D matrices transposed to [in, out], zero biases added.
func (t *trained) hfTensors() ([]NamedTensor, error) {
	m := t.plan.Model
	d, h := m.Width, m.FFNHidden()
	var out []NamedTensor
	copyAs := func(name string, shape ...int) error {
		if err := t.check(name, shape); err != nil {
			return err
		}
		out = append(out, NamedTensor{Name: name, Shape: shape, Data: t.weights[name]})
		return nil
	}
	// conv1D adds a Linear weight [rows, cols] as a Conv1D weight [cols, rows] and its zero bias.
	conv1D := func(prefix string, rows, cols int) error {
		name := prefix + ".weight"
		if err := t.check(name, []int{rows, cols}); err != nil {
			return err
		}
		w := t.weights[name]
		tr := make([]float32, len(w))
		for r := 0; r < rows; r++ {
			for c := 0; c < cols; c++ {
				tr[c*rows+r] = w[r*cols+c]
			}
		}
		out = append(out,
			NamedTensor{Name: name, Shape: []int{cols, rows}, Data: tr},
			NamedTensor{Name: prefix + ".bias", Shape: []int{rows}, Data: make([]float32, rows)})
		return nil
	}
	if err := copyAs("transformer.wte.weight", m.Vocab, d); err != nil {
		return nil, err
	}
	if err := copyAs("transformer.wpe.weight", m.SeqLen, d); err != nil {
		return nil, err
	}
	for i := 0; i < m.Layers; i++ {
		p := fmt.Sprintf("transformer.h.%d.", i)
		for _, err := range []error{
			copyAs(p+"ln_1.weight", d), copyAs(p+"ln_1.bias", d),
			conv1D(p+"attn.c_attn", 3*d, d), conv1D(p+"attn.c_proj", d, d),
			copyAs(p+"ln_2.weight", d), copyAs(p+"ln_2.bias", d),
			conv1D(p+"mlp.c_fc", h, d), conv1D(p+"mlp.c_proj", d, h),
		} {
			if err != nil {
				return nil, err
			}
		}
	}
	if err := copyAs("transformer.ln_f.weight", d); err != nil {
		return nil, err
	}
	if err := copyAs("transformer.ln_f.bias", d); err != nil {
		return nil, err
	}
	if len(out) != len(t.weights)+4*m.Layers {
		return nil, fmt.Errorf("checkpoint %s holds %d tensors; a %s model has %d", t.ckpt, len(t.weights), m, len(out)-4*m.Layers)
	}
	return out, nil
}

// reference returns ids (cropped to the context) and the model's logits
// for them, computed on the CPU.
func (t *trained) reference(ids []uint32) ([]NamedTensor, error) {
	ids = ids[:min(len(ids), t.plan.Model.SeqLen)]
	in := make([]int32, len(ids))
	fids := make([]float32, len(ids))
	for i, id := range ids {
		in[i], fids[i] = int32(id), float32(id)
	}
	dev := cpu.New()
	m, err := t.model(dev)
	if err != nil {
		return nil, err
	}
	defer m.Free()
	g := tensor.NewGraph(dev)
	g.SetGradEnabled(false)
	defer g.Reset()
	x, err := tensor.FromInt32(dev, in, 1, len(in))
	if err != nil {
		return nil, err
	}
	defer x.Free()
	logits, err := m.Logits(g, x)
	if err != nil {
		return nil, err
	}
	v, err := logits.Float32s()
	if err != nil {
		return nil, err
	}
	return []NamedTensor{
		{Name: "input_ids", Shape: []int{1, len(ids)}, Data: fids},
		{Name: "logits", Shape: []int{len(ids), t.plan.Model.Vocab}, Data: v},
	}, nil
}

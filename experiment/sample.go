package experiment

import (
	"context"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/empirical-scaling/harness/data"
	"github.com/empirical-scaling/harness/kernels/cpu"
	"github.com/empirical-scaling/harness/nn"
	"github.com/empirical-scaling/harness/tensor"
	"github.com/empirical-scaling/harness/tokenizer"
)

// Sampling defaults (nanoGPT's sample.py has the same temperature and top-k).
const (
	DefaultSampleTokens      = 200
	DefaultSampleTemperature = 0.8
	DefaultSampleTopK        = 200
)

// SampleSeparator is the line Sample writes between two samples.
const SampleSeparator = "---------------"

// SampleOptions shape the text Sample generates. Zero values mean the
// defaults.
type SampleOptions struct {
	// Prompt is the text every sample continues (and starts with); ""
	// starts from <|endoftext|>, the token that begins every document.
	Prompt string
	// Tokens is how many tokens each sample draws at most; a sample ends
	// earlier when it draws <|endoftext|> (default DefaultSampleTokens).
	Tokens int
	// Temperature divides the logits before the softmax: below 1 sharper,
	// above 1 flatter (default DefaultSampleTemperature).
	Temperature float64
	// TopK keeps the K most likely tokens at each step (ties with the K-th
	// kept too); 0 is the default DefaultSampleTopK and a negative value
	// keeps every token.
	TopK int
	// Seed seeds the draws: the same seed, run and options give the same
	// text on the CPU.
	Seed uint64
	// Count is the number of samples (default 1), drawn one after the
	// other from one stream of random numbers.
	Count int
	// Device computes the logits (nil: the CPU).
	Device tensor.Device
	// Run says where the run's tokenizer is.
	Run TrainedOptions
	// Announce, when set, receives one line naming the checkpoint, the
	// model and the tokenizer before the first sample.
	Announce io.Writer
}

// withDefaults fills the zero fields and rejects values out of range.
func (o SampleOptions) withDefaults() (SampleOptions, error) {
	if o.Tokens == 0 {
		o.Tokens = DefaultSampleTokens
	}
	if o.Temperature == 0 {
		o.Temperature = DefaultSampleTemperature
	}
	if o.TopK == 0 {
		o.TopK = DefaultSampleTopK
	}
	if o.Count == 0 {
		o.Count = 1
	}
	switch {
	case o.Tokens < 1:
		return o, fmt.Errorf("sample: %d tokens: want at least 1", o.Tokens)
	case !(o.Temperature > 0) || math.IsInf(o.Temperature, 0):
		return o, fmt.Errorf("sample: temperature %v: want a finite value above 0", o.Temperature)
	case o.Count < 1:
		return o, fmt.Errorf("sample: %d samples: want at least 1", o.Count)
	}
	return o, nil
}

// Sample draws opts.Count samples from the newest checkpoint of the run
// in runDir and writes each to w as it is generated, token by token (a
// character split between tokens is written once complete), the prompt
// first; each sample ends with a newline, and a SampleSeparator line
// comes between two samples.
//
// It is nanoGPT's sample.py: the context is the last SeqLen tokens (the
// model's context length), the next token is drawn from the softmax of the
// last position's logits divided by the temperature, restricted to the top
// K, by a seeded generator; a sample stops at <|endoftext|> (not written)
// or after opts.Tokens tokens. Every step recomputes the whole context
// through nn.Model.Logits, without a key-value cache: simple, and fast
// enough for the models this harness trains on a CPU (the cost per token
// is one forward pass over at most SeqLen tokens).
//
// Errors wrap ErrNoCheckpoint for a run without a checkpoint and
// ErrNoTokenizer when the run's tokenizer cannot be found. Cancelling ctx
// stops between two tokens and returns ctx's error.
func Sample(ctx context.Context, w io.Writer, runDir string, opts SampleOptions) error {
	opts, err := opts.withDefaults()
	if err != nil {
		return err
	}
	t, err := loadTrained(runDir)
	if err != nil {
		return fmt.Errorf("sample: %w", err)
	}
	tok, tokDir, err := t.tokenizer(opts.Run)
	if err != nil {
		return fmt.Errorf("sample: %w", err)
	}
	eot, _ := tok.SpecialID(data.EOT) // data.LoadTokenizer always has it
	prompt := []int32{int32(eot)}
	if opts.Prompt != "" {
		prompt = prompt[:0]
		for _, id := range tok.Encode([]byte(opts.Prompt)) {
			prompt = append(prompt, int32(id))
		}
	}
	dev := opts.Device
	if dev == nil {
		dev = cpu.New()
	}
	m, err := t.model(dev)
	if err != nil {
		return fmt.Errorf("sample: %w", err)
	}
	defer m.Free()
	if opts.Announce != nil {
		fmt.Fprintf(opts.Announce, "sampling %s: checkpoint step %d, model %s (context %d), tokenizer %s, device %s\n",
			runDir, t.step, t.plan.Model, t.plan.Model.SeqLen, tokDir, dev.Name())
	}
	s := &sampler{model: m, dev: dev, tok: tok, eot: eot, rng: nn.NewRNG(opts.Seed), opts: opts}
	for i := 0; i < opts.Count; i++ {
		if i > 0 {
			if _, err := io.WriteString(w, SampleSeparator+"\n"); err != nil {
				return fmt.Errorf("sample: %w", err)
			}
		}
		if err := s.one(ctx, w, prompt); err != nil {
			return fmt.Errorf("sample: %w", err)
		}
	}
	return nil
}

// SampleText is Sample writing to a string: the samples as Sample writes
// them (for one sample, its text and a newline).
func SampleText(ctx context.Context, runDir string, opts SampleOptions) (string, error) {
	var b strings.Builder
	err := Sample(ctx, &b, runDir, opts)
	return b.String(), err
}

// sampler draws samples from one loaded model.
type sampler struct {
	model *nn.Model
	dev   tensor.Device
	tok   *tokenizer.Tokenizer
	eot   uint32
	rng   *nn.RNG
	opts  SampleOptions

	probs []float64 // scratch of the vocabulary's size
	order []float64
}

// one generates one sample after prompt and writes it to w.
func (s *sampler) one(ctx context.Context, w io.Writer, prompt []int32) error {
	out := &textStream{w: w, tok: s.tok}
	if s.opts.Prompt != "" {
		if _, err := io.WriteString(w, s.opts.Prompt); err != nil {
			return err
		}
	}
	ids := slices.Clone(prompt)
	g := tensor.NewGraph(s.dev)
	g.SetGradEnabled(false)
	defer g.Reset()
	T := s.model.Config.SeqLen
	for n := 0; n < s.opts.Tokens; n++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		window := ids[max(0, len(ids)-T):]
		logits, err := s.lastLogits(g, window)
		if err != nil {
			return err
		}
		next := s.draw(logits)
		if next == s.eot {
			break
		}
		ids = append(ids, int32(next))
		if err := out.add(next); err != nil {
			return err
		}
	}
	if err := out.flush(); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// lastLogits runs the model on one sequence and returns the logits of its
// last position.
func (s *sampler) lastLogits(g *tensor.Graph, window []int32) ([]float32, error) {
	g.Reset()
	ids, err := tensor.FromInt32(s.dev, window, 1, len(window))
	if err != nil {
		return nil, err
	}
	defer ids.Free()
	logits, err := s.model.Logits(g, ids)
	if err != nil {
		return nil, err
	}
	all, err := logits.Float32s()
	if err != nil {
		return nil, err
	}
	V := s.model.Config.Vocab
	return all[len(all)-V:], nil
}

// draw picks the next token from logits: divided by the temperature,
// cut to the top K, softmax, one uniform draw against the cumulative sum.
func (s *sampler) draw(logits []float32) uint32 {
	V := len(logits)
	if s.probs == nil {
		s.probs, s.order = make([]float64, V), make([]float64, V)
	}
	p := s.probs
	for i, v := range logits {
		p[i] = float64(v) / s.opts.Temperature
	}
	cut := math.Inf(-1)
	if k := s.opts.TopK; k > 0 && k < V {
		copy(s.order, p)
		slices.Sort(s.order)
		cut = s.order[V-k] // the K-th largest
	}
	hi := math.Inf(-1)
	for _, v := range p {
		if v >= cut {
			hi = max(hi, v)
		}
	}
	sum := 0.0
	for i, v := range p {
		if v < cut {
			p[i] = 0
			continue
		}
		p[i] = math.Exp(v - hi)
		sum += p[i]
	}
	u := s.rng.Float64() * sum
	last := 0
	for i, v := range p {
		if v == 0 {
			continue
		}
		last = i
		if u < v {
			return uint32(i)
		}
		u -= v
	}
	return uint32(last) // rounding left u just above the total
}

// textStream writes the text of tokens as they come, holding back the
// bytes of a character that the next token may complete, so that the
// written text is the tokenizer's DecodeString of all the tokens.
type textStream struct {
	w       io.Writer
	tok     *tokenizer.Tokenizer
	pending []uint32
	bytes   []byte
}

func (t *textStream) add(id uint32) error {
	b, err := t.tok.TokenBytes(id)
	if err != nil {
		return err
	}
	t.pending = append(t.pending, id)
	t.bytes = append(t.bytes, b...)
	if incompleteTail(t.bytes) {
		return nil
	}
	return t.flush()
}

func (t *textStream) flush() error {
	if len(t.pending) == 0 {
		return nil
	}
	_, err := io.WriteString(t.w, t.tok.DecodeString(t.pending))
	t.pending, t.bytes = t.pending[:0], t.bytes[:0]
	return err
}

// incompleteTail reports whether b ends with the start of a UTF-8
// character that more bytes could complete.
func incompleteTail(b []byte) bool {
	for k := 1; k <= 3 && k <= len(b); k++ {
		if c := b[len(b)-k]; c&0xC0 != 0x80 { // not a continuation byte
			return !utf8.FullRune(b[len(b)-k:])
		}
	}
	return false
}

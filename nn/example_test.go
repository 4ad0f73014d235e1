package nn_test

import (
	"fmt"

	"github.com/empirical-scaling/harness/kernels/cpu"
	"github.com/empirical-scaling/harness/nn"
	"github.com/empirical-scaling/harness/optim"
	"github.com/empirical-scaling/harness/tensor"
)

// Build a small GPT on the CPU device and take training steps on one batch:
// forward to the loss, backward, AdamW. The loss starts near ln(vocab) and
// falls as the model memorises the batch.
func Example() {
	const vocab, seq, batch = 64, 16, 4
	cfg, err := nn.ForParams(20_000, vocab, seq, nn.SwiGLU)
	if err != nil {
		panic(err)
	}
	fmt.Println(cfg, "N =", cfg.Params().NonEmbedding)

	dev := cpu.New()
	m, err := nn.New(dev, cfg, 1)
	if err != nil {
		panic(err)
	}
	defer m.Free()
	var params []optim.Param
	for _, p := range m.Params() {
		params = append(params, optim.Param{Name: p.Name, T: p.T, Decay: p.Decay})
	}
	opt, err := optim.NewAdamW(dev, params, optim.Hyper{Beta1: 0.9, Beta2: 0.95, Eps: 1e-8, WeightDecay: 0.1, ClipNorm: 1})
	if err != nil {
		panic(err)
	}
	defer opt.Free()

	// A batch whose target is the next token of a repeating sequence.
	in, tg := make([]int32, batch*seq), make([]int32, batch*seq)
	for i := range in {
		in[i], tg[i] = int32(i%vocab), int32((i+1)%vocab)
	}
	ids, _ := tensor.FromInt32(dev, in, batch, seq)
	targets, _ := tensor.FromInt32(dev, tg, batch, seq)

	g := tensor.NewGraph(dev)
	for step := 0; step < 30; step++ {
		if err := m.ZeroGrad(); err != nil {
			panic(err)
		}
		g.Reset() // hands the previous step's buffers back to the device
		loss, err := m.Loss(g, ids, targets, 1)
		if err != nil {
			panic(err)
		}
		l, _ := loss.Item()
		if step == 0 || step == 29 {
			fmt.Printf("step %d: loss %.1f\n", step, l)
		}
		if err := g.Backward(loss); err != nil {
			panic(err)
		}
		if _, err := opt.Step(3e-3); err != nil {
			panic(err)
		}
	}
	// Output:
	// L1 d48 h3 swiglu N = 27936
	// step 0: loss 4.2
	// step 29: loss 0.8
}

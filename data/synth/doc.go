// Package synth generates the harness's built-in training text. Both
// generators are pure functions of their seed, identical on every
// machine, unlimited in length and fast (hundreds of MB per CPU-second).
//
// # The knowledge chronicle (the "synthetic" source)
//
// A World is K people (Knobs.Entities, default 2^19), each with a name
// and a dozen facts drawn from the world's seed: home town, birth year,
// job, a pet and its name, favourite food and colour, instrument,
// pastime, a best friend (another person), a three-step morning routine
// and a counting stride (whose sequence "4, 8, 12, 16, 20" is a small
// procedure once the stride is known). A Chronicle writes one short
// biography per document:
//
//	Tina Reedby was born in Rivermouth in 1946. She worked as a gardener.
//	She had a duckling called Sparky. She loved potatoes and the color
//	green. ... She counted by fours: 4, 8, 12, 16, 20.
//
// Each document is about one person, drawn with Zipf probability
// p_k = k^-s / H(K, s) by popularity rank k (Knobs.Zipf = s, default
// 1.5), and nothing else in it is drawn: every document about a person is
// the same text. What a model can learn is therefore a sum of
// independent pieces of knowledge, "quanta" (Michaud et al. 2023, "The
// Quantization Model of Neural Scaling"), one per person, each worth the
// same number of nats (about 60 for a person the model has never met)
// and used with Zipf frequencies, plus the shared grammar every model
// learns first. What no model can know is who the next document is about
// (H(p) ≈ 3.2 nats per document at s = 1.5, about 0.04 nats per token)
// and, in a training window that starts inside a document, the facts
// told before the model can tell whose document it is.
//
// The design follows what the measurements showed (README): names are
// told once and pronouns carry the subject, because small models pay
// dearly for copying a repeated full name; the fixed order leaves no
// entropy but the subject's; and the grids train it with a vocabulary
// (2,048) in which 99% of the chronicle's words are one token, because
// a small model that must spell rare words is still learning spelling,
// not facts.
//
// # Why the loss is a power law, and its exponent
//
// Write s = α + 1. A model that knows the n most popular people has
// reducible loss proportional to the probability mass it does not know:
//
//	L(n) − E ∝ Σ_{k>n} k^−(α+1) ∝ n^−α.
//
// Capacity limited (unlimited data, each person costs a fixed number of
// parameters, n ∝ N): L − E ∝ N^−α. Data limited (Hutter 2021, "Learning
// curve theory": a person is learnt once seen m times, and person k is
// seen D·p_k/ℓ times in D tokens of documents of ℓ tokens, so the known
// set is k ≤ n(D) ∝ D^{1/(α+1)}): L − E ∝ D^−α/(α+1). The model learns
// min(n_capacity, n_data) people. On a grid with D = 20·N, n_data grows
// like N^{1/(α+1)}, slower than n_capacity ∝ N, so above the smallest
// sizes the data limit binds and
//
//	L − E ∝ N^−α/(α+1) = C^−α/(2(α+1)),   with C = 6·N·D ∝ N².
//
// The default s = 1.5 predicts 1/3 in N and 1/6 in C at a fixed
// tokens-per-parameter ratio (0.5 and 0.25 for s = 2; 0.2 and 0.1 for
// s = 1.25); Knobs.Predicted returns them. Two assumptions carry the
// prediction, and both can fail in a real network: that the exposures m
// a person needs do not depend on the model's size (larger models are
// known to learn from fewer examples, which steepens the law: with
// m ∝ N^−β the exponent in N becomes (1+β)·α/(α+1)), and that a person
// is learnt all at once (if the loss on a person falls gradually, as
// j^−γ after j exposures, the exponent is the smaller of γ and
// α/(α+1)). The law describes the reducible loss L − E, so it is the
// saturating form L = E + A·N^−α that can follow the chronicle, and a
// log-linear fit of the whole loss measures a smaller, drifting slope.
//
// Measured on the CPU (GeLU, the config builder's shapes, one seed, 20
// tokens per parameter, about 600 steps, ctx 128, vocabulary 2,048,
// learning rate 1.2e-2; the README has the figures and commands): from
// 28K to 302K non-embedding parameters the saturating law holds (fitted
// on 28K to 222K it predicts 302K within 0.4–1.3%), with a floor fitted
// at E ≈ 0.11 nats per token and b ≈ 0.5 in C (1.0 in N, three times
// the predicted slope of L − E). Above that the law bends: the 1.33M run
// lands 6.4% below the law fitted on 28K–302K, because that E is too high
// (the chronicle's own floor, H(p) per token plus the training windows
// that start inside a document, is nearer 0.06) and the slow Zipf tail
// only shows at the larger sizes. The Zipf knob moves the log-linear
// exponent of the whole loss in the predicted order: on 28K–222K with two
// seeds, b = 0.09, 0.15 and 0.16 in C at s = 1.25, 1.5 and 2 (predicted
// for L − E: 0.1, 0.17, 0.25), and s = 1.5 and 2 both differ from 1.25
// with paired bootstrap intervals that exclude zero (1.5 against 2 is
// not resolved). The saturating law's b (about 0.5) does not move with
// the knob.
//
// Training and validation streams share one World (NewWorld from the
// data seed) and differ in the documents drawn (World.Stream from two
// seeds), so validation loss measures what was learnt about the world.
// The Zipf table is computed with detPow, which uses only basic IEEE
// operations, so it is bit-identical on every machine.
//
// # The stories (the "synthetic-v1" source)
//
// Generator writes simple English children's stories: named characters,
// dialogue and multi-sentence plots that refer back to what they
// introduced, from a lexicon of well over 1,500 words and eight plots. It
// is kept so that results made on it reproduce; models above about 28K
// non-embedding parameters exhaust its structure and fall below the
// small models' power law.
package synth

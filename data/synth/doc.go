// Package synth generates the harness's built-in training text. Both
// generators are pure functions of their seed, identical on every
// machine, unlimited in length and fast (hundreds of MB per CPU-second).
//
// # The knowledge chronicle (the "synthetic" source)
//
// A World is K people (Knobs.Entities, default 2^19), each with a name
// and a dozen facts drawn from the world's seed: job, home town, a pet
// and its name, favourite food, colour, instrument and pastime, a best
// friend (another person, whose job and town are then told too: a
// two-step relation), a three-step morning routine, a counting stride
// (whose sequence "4, 8, 12, 16, 20" is a small procedure once the
// stride is known), and the person's own wording of each sentence. A
// Chronicle writes short prose documents:
//
//	Tina Reedby lived in Rivermouth and worked as a gardener. Tina had a
//	duckling called Sparky. Her favorite food was potato. ... Tina often
//	visited her friend Quinn Goldthwaite in Riverstead. ...
//
// Each document is about one person, drawn with Zipf probability
// p_k = k^-s / H(K, s) by popularity rank k (Knobs.Zipf = s, default
// 1.5); each fact is told three times in four, so documents about the
// same person differ. What a document adds to a model's loss is therefore
// a sum of independent pieces of knowledge, "quanta" (Michaud et al.
// 2023, "The Quantization Model of Neural Scaling"), each worth about the
// same number of nats and used with Zipf frequencies, plus a little that
// no model can know (which facts are told, the closing sentence, the
// weekday) and the shared grammar every model learns first.
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
// s = 1.25); Knobs.Predicted returns them. The law holds while n stays
// far below K (2^19 people: a run would need of order 10^11 documents to
// meet them all at s = 1.5) and while the model has room for what it has
// seen (facts cost of order a few parameters per bit). It describes the
// reducible loss L − E; a log-linear fit L = a·C^−b of the whole loss
// measures a smaller b, the more so the larger E's share.
//
// Measured on the CPU (the README has the figures), the prediction holds
// in direction, not in size, at small scale: from 28K to 111K
// non-embedding parameters L − E falls like N^−1.0 (E, the entropy of the
// generator's random choices, about 0.086 nats per token, is what a
// saturating fit finds), and a smaller s gives a smaller exponent; the
// slope bends towards the predicted 1/3 above about 100K parameters
// (0.4–0.55 in N from 111K to 302K, one seed).
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

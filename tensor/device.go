package tensor

// Buffer is a block of device memory holding Len elements of one DType.
// Only the Device that allocated it may read or write it.
type Buffer interface {
	Len() int
	DType() DType
}

// MemStats counts a device's memory. A training loop that reuses its
// buffers keeps SystemAllocs constant after the first step.
type MemStats struct {
	SystemAllocs  int64 // allocations that went to the system (not served from the cache)
	LiveBytes     int64 // bytes in buffers handed out and not freed
	ReservedBytes int64 // bytes held by the device, cached ones included
}

// MatMulShape describes C[i] (=|+=) op(A[i])·op(B[i]) for i < Batch, where
// op(X) is X or Xᵀ, op(A) is M×K, op(B) is K×N and C is M×N, all row-major
// and contiguous. StrideA, StrideB and StrideC are the element distances
// between consecutive batch items; 0 broadcasts one matrix to every item.
type MatMulShape struct {
	Batch, M, N, K            int
	TransA, TransB            bool
	Accumulate                bool // C += op(A)·op(B) instead of C = op(A)·op(B)
	StrideA, StrideB, StrideC int
}

// EmbeddingShape describes the token plus position embedding
// out[b,t,:] = wte[ids[b,t],:] + wpe[t,:], with wte Vocab×Width and wpe at
// least SeqLen×Width.
type EmbeddingShape struct {
	Batch, SeqLen, Vocab, Width int
}

// AttentionShape describes causal multi-head self-attention. qkv is
// [Batch·SeqLen, 3·Heads·HeadDim]: the queries, keys and values of head h
// start at columns h·HeadDim, C+h·HeadDim and 2C+h·HeadDim (C = Heads·HeadDim).
// The output is [Batch·SeqLen, C] with head h at columns h·HeadDim; lse is
// the float32 log-sum-exp of each score row, [Batch, Heads, SeqLen]. Scores
// are scaled by 1/sqrt(HeadDim).
type AttentionShape struct {
	Batch, SeqLen, Heads, HeadDim int
}

// AdamWParams are the hyper-parameters of one AdamW update.
type AdamWParams struct {
	LR, Beta1, Beta2, Eps, WeightDecay float32
	Step                               int     // 1-based step, for bias correction
	GradScale                          float32 // multiplies the gradient first (clipping, loss scaling); 1 for none
}

// Device lists every operation the engine needs. A backend implements all
// of them on its own buffers; the conformance suite in tensor/devicetest
// checks every implementation against a float64 reference.
//
// Conventions: every backward op ACCUMULATES into its gradient outputs
// (dx += ...), so gradients of values used twice and gradients over
// micro-batches add up without extra work. Shapes are validated by the
// Graph before a device is called; devices check buffer lengths and dtypes
// and return errors rather than panic.
type Device interface {
	// Name identifies the device, e.g. "cpu" or "cuda:0 (NVIDIA H100)".
	Name() string

	// Alloc returns a buffer of n elements; its contents are unspecified.
	Alloc(dt DType, n int) (Buffer, error)
	// Free returns a buffer to the device (which may cache it).
	Free(b Buffer)
	// MemStats reports the device's memory counters.
	MemStats() MemStats
	// Sync waits until all queued work is done.
	Sync() error

	// Write copies host values into dst, converting to dst's float dtype.
	Write(dst Buffer, src []float32) error
	// WriteInt32 copies host integers into an Int32 buffer.
	WriteInt32(dst Buffer, src []int32) error
	// Read copies src (a float buffer) to the host as float32.
	Read(dst []float32, src Buffer) error

	// Fill sets every element of dst to v.
	Fill(dst Buffer, v float32) error
	// Copy copies src into dst (same length), casting between float dtypes.
	Copy(dst, src Buffer) error
	// Add computes dst = a + b elementwise.
	Add(dst, a, b Buffer) error
	// Accumulate computes dst += alpha·src elementwise.
	Accumulate(dst, src Buffer, alpha float32) error

	// MatMul computes c (=|+=) op(a)·op(b), see MatMulShape.
	MatMul(c, a, b Buffer, s MatMulShape) error

	// Embedding computes out = wte[ids] + wpe[position], see EmbeddingShape.
	// ids must lie in [0, Vocab).
	Embedding(out, wte, wpe, ids Buffer, s EmbeddingShape) error
	// EmbeddingBackward scatter-adds dout into dwte (by id) and dwpe (by position).
	EmbeddingBackward(dwte, dwpe, dout, ids Buffer, s EmbeddingShape) error

	// LayerNorm normalises each of rows rows of x (cols wide) and applies the
	// gain w and bias b; it saves each row's mean and 1/std (float32).
	LayerNorm(out, mean, rstd, x, w, b Buffer, rows, cols int) error
	// LayerNormBackward accumulates dx, dw and db.
	LayerNormBackward(dx, dw, db, dout, x, w, mean, rstd Buffer, rows, cols int) error

	// GeLU applies the tanh approximation of GPT-2 elementwise.
	GeLU(out, x Buffer) error
	// GeLUBackward accumulates dx from the input x and dout.
	GeLUBackward(dx, x, dout Buffer) error

	// SwiGLU computes out[r,j] = SiLU(x[r,j])·x[r,hidden+j] for x of shape
	// rows×(2·hidden) (gate half first, then the linear half).
	SwiGLU(out, x Buffer, rows, hidden int) error
	// SwiGLUBackward accumulates dx (rows×2·hidden) from x and dout.
	SwiGLUBackward(dx, x, dout Buffer, rows, hidden int) error

	// Attention computes causal softmax(q·kᵀ/sqrt(d))·v for every batch item
	// and head in one fused op and saves the per-row log-sum-exp.
	Attention(out, lse, qkv Buffer, s AttentionShape) error
	// AttentionBackward accumulates dqkv from dout, recomputing the scores
	// from qkv, out and lse instead of storing them.
	AttentionBackward(dqkv, dout, qkv, out, lse Buffer, s AttentionShape) error

	// CrossEntropy writes the mean over rows of −log softmax(logits[r])[targets[r]]
	// into loss (one float32). When writeGrad is set it overwrites logits
	// with their gradient, gradScale·(softmax − onehot)/rows.
	CrossEntropy(loss, logits, targets Buffer, rows, vocab int, gradScale float32, writeGrad bool) error

	// AdamW updates param in place from grad and the float32 moments m and v.
	// When master is non-nil it holds the float32 master weights, which are
	// updated and then cast into param (a BFloat16 working copy) in the same pass.
	AdamW(p AdamWParams, param, grad, m, v, master Buffer) error
	// SumSquares returns the sum of squares of every element of every buffer
	// (the squared global gradient norm), accumulated in float64 where the
	// device can.
	SumSquares(xs []Buffer) (float64, error)
}

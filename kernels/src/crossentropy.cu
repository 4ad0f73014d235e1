// crossentropy.cu: the fused classifier — softmax, cross-entropy and the
// logits' gradient in one kernel, written over the logits in place.
//
// One block per row, read in 16-byte packs after an unaligned head (rows of
// an odd vocabulary start anywhere). Pass 1 reads the row once with an online softmax
// (running max m and running sum s of exp(x − m), combined across threads
// in a fixed order), giving lse = m + log(s). The row's loss lse − x[target]
// goes to losses[row]. Pass 2, only when a gradient is wanted, reads the row
// a second time and overwrites it with
//     gradScale·(exp(x − lse) − [c == target]) / rows.
// Probabilities are never stored. A second launch, ce_mean, adds the
// per-row losses in a fixed order (in float64) into the mean, so the loss is
// bit-identical from run to run.
//
// A target outside [0, vocab) gives a NaN loss for its row (and no gradient
// term for the one-hot), so a bad id cannot pass silently.
#include "common.cuh"
#include <math.h>

__device__ __forceinline__ void softmax_combine(float& m, float& s, float m2, float s2) {
    float mn = fmaxf(m, m2);
    if (mn == -INFINITY) return;  // both empty
    s = s * expf(m - mn) + s2 * expf(m2 - mn);
    m = mn;
}

// Row walks. A row of an odd vocabulary starts at any 2- or 4-byte
// boundary, so each walk takes the few elements before the first 16-byte
// boundary one by one, the middle in 16-byte packs, and the tail one by one.
// The block's threads share every part; each thread sees its elements in a
// fixed order, so the reductions stay deterministic.
template <typename T> __device__ __forceinline__ int head_len(const T* x, int n) {
    int h = (int)(((16 - (reinterpret_cast<uintptr_t>(x) & 15)) & 15) / sizeof(T));
    return h < n ? h : n;
}

// read_row calls f(c, x[c]) for this thread's share of the row.
template <typename T, typename F> __device__ __forceinline__ void read_row(const T* x, int n, F f) {
    constexpr int N = Pack<T>::N;
    const int head = head_len(x, n), nvec = (n - head) / N;
    for (int c = threadIdx.x; c < head; c += blockDim.x) f(c, to_f32(x[c]));
    for (int i = threadIdx.x; i < nvec; i += blockDim.x) {
        Pack<T> p = load_pack(x + head + i * N);
#pragma unroll
        for (int k = 0; k < N; k++) f(head + i * N + k, to_f32(p.v[k]));
    }
    for (int c = head + nvec * N + threadIdx.x; c < n; c += blockDim.x) f(c, to_f32(x[c]));
}

// map_row replaces x[c] with g(c, x[c]) for this thread's share of the row.
template <typename T, typename G> __device__ __forceinline__ void map_row(T* x, int n, G g) {
    constexpr int N = Pack<T>::N;
    const int head = head_len(x, n), nvec = (n - head) / N;
    for (int c = threadIdx.x; c < head; c += blockDim.x) x[c] = from_f32<T>(g(c, to_f32(x[c])));
    for (int i = threadIdx.x; i < nvec; i += blockDim.x) {
        Pack<T> p = load_pack(x + head + i * N);
#pragma unroll
        for (int k = 0; k < N; k++) p.v[k] = from_f32<T>(g(head + i * N + k, to_f32(p.v[k])));
        store_pack(x + head + i * N, p);
    }
    for (int c = head + nvec * N + threadIdx.x; c < n; c += blockDim.x) x[c] = from_f32<T>(g(c, to_f32(x[c])));
}

template <typename T>
__device__ void ce_fwd(float* losses, T* logits, const int* targets, int rows, int vocab, float grad_scale, int write_grad) {
    __shared__ float sm[32], ss[32];
    const int64_t row = blockIdx.x;
    if (row >= rows) return;
    T* x = logits + row * vocab;
    const int tgt = targets[row];
    const bool valid = tgt >= 0 && tgt < vocab;
    const float xt = valid ? to_f32(x[tgt]) : 0.f;  // read before anyone overwrites it

    float m = -INFINITY, s = 0.f;
    read_row(x, vocab, [&](int, float v) {
        if (v > m) {
            s = s * expf(m - v) + 1.f;
            m = v;
        } else {
            s += expf(v - m);
        }
    });
    // Warp then block combination, fixed order.
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
        float m2 = __shfl_xor_sync(0xffffffffu, m, o), s2 = __shfl_xor_sync(0xffffffffu, s, o);
        softmax_combine(m, s, m2, s2);
    }
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nwarps = blockDim.x >> 5;
    if (lane == 0) {
        sm[warp] = m;
        ss[warp] = s;
    }
    __syncthreads();  // also orders the read of x[tgt] before pass 2's writes
    m = (lane < nwarps) ? sm[lane] : -INFINITY;
    s = (lane < nwarps) ? ss[lane] : 0.f;
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
        float m2 = __shfl_xor_sync(0xffffffffu, m, o), s2 = __shfl_xor_sync(0xffffffffu, s, o);
        softmax_combine(m, s, m2, s2);
    }
    const float lse = m + logf(s);
    if (threadIdx.x == 0) losses[row] = valid ? lse - xt : NAN;
    if (!write_grad) return;
    const float k = grad_scale / rows;
    map_row(x, vocab, [&](int c, float v) { return k * (expf(v - lse) - (c == tgt ? 1.f : 0.f)); });
}

// ce_mean: one block; loss[0] = mean(losses), summed in float64 in a fixed order.
__device__ void ce_mean(float* loss, const float* losses, int rows) {
    __shared__ double scratch[32];
    double s = 0.0;
    for (int i = threadIdx.x; i < rows; i += blockDim.x) s += (double)losses[i];
    s = block_sum(s, scratch);
    if (threadIdx.x == 0) loss[0] = (float)(s / rows);
}

extern "C" {
__global__ void crossentropy_f32(float* losses, float* logits, const int* targets, int rows, int vocab, float grad_scale, int write_grad) {
    ce_fwd(losses, logits, targets, rows, vocab, grad_scale, write_grad);
}
__global__ void crossentropy_bf16(float* losses, bf16* logits, const int* targets, int rows, int vocab, float grad_scale, int write_grad) {
    ce_fwd(losses, logits, targets, rows, vocab, grad_scale, write_grad);
}
__global__ void crossentropy_mean(float* loss, const float* losses, int rows) { ce_mean(loss, losses, rows); }
}

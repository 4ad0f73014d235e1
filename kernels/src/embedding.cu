// embedding.cu: token + position embedding, forward and a deterministic
// backward.
//
// Forward: out[b,t,c] = wte[ids[b,t], c] + wpe[t, c]. An id outside
// [0, vocab) writes NaN into its row instead of reading out of bounds.
//
// Backward, without atomics, so the gradients are bit-identical run to run:
//  * dwpe[t,c] += Σ_b dout[b,t,c]: one thread per (t, c) adds over b in order.
//  * dwte: "first occurrence owns the row". Block i looks at token position
//    i. It scans the ids before i; if any equals ids[i], another block owns
//    that vocabulary row and block i leaves. Otherwise block i scans the
//    positions j ≥ i, collects those with ids[j] = ids[i] in increasing j
//    (a block-wide ordered compaction per chunk of blockDim ids), sums their
//    dout rows in that order in shared memory, and adds the total into
//    dwte[ids[i]] once. Every vocabulary row has exactly one writer and a
//    fixed summation order. Cost: O(positions²/blockDim) id comparisons,
//    which is small next to the O(positions·width) gradient traffic at
//    training shapes (a few thousand positions per step).
#include "common.cuh"

template <typename T>
__device__ void emb_fwd(T* out, const T* wte, const T* wpe, const int* ids, int batch, int seq, int vocab, int width) {
    GRID_STRIDE(i, (int64_t)batch * seq * width) {
        int64_t bt = i / width;
        int c = i % width, t = bt % seq;
        int id = ids[bt];
        float v = (id >= 0 && id < vocab) ? to_f32(wte[(int64_t)id * width + c]) + to_f32(wpe[(int64_t)t * width + c]) : NAN;
        out[i] = from_f32<T>(v);
    }
}

template <typename T>
__device__ void emb_bwd_wpe(T* dwpe, const T* dout, int batch, int seq, int width) {
    GRID_STRIDE(i, (int64_t)seq * width) {
        int t = i / width, c = i % width;
        float s = 0.f;
        for (int b = 0; b < batch; b++) s += to_f32(dout[((int64_t)b * seq + t) * width + c]);
        dwpe[i] = from_f32<T>(to_f32(dwpe[i]) + s);
    }
}

// One block per token position; dynamic shared memory: width floats.
template <typename T>
__device__ void emb_bwd_wte(T* dwte, const T* dout, const int* ids, int positions, int vocab, int width) {
    extern __shared__ float acc[];
    __shared__ int list[1024];
    __shared__ int warp_count[32];
    const int i = blockIdx.x;
    const int id = ids[i];
    if (id < 0 || id >= vocab) return;
    // Phase A: does an earlier position hold the same id?
    for (int base = 0; base < i; base += blockDim.x) {
        int j = base + threadIdx.x;
        if (__syncthreads_or(j < i && ids[j] == id)) return;  // uniform across the block
    }
    for (int c = threadIdx.x; c < width; c += blockDim.x) acc[c] = 0.f;
    // Phase B: ordered compaction of matches j ≥ i, chunk by chunk.
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nwarps = (blockDim.x + 31) >> 5;
    for (int base = i; base < positions; base += blockDim.x) {
        int j = base + threadIdx.x;
        bool hit = j < positions && ids[j] == id;
        unsigned mask = __ballot_sync(0xffffffffu, hit);
        if (lane == 0) warp_count[warp] = __popc(mask);
        __syncthreads();
        int offset = 0, total = 0;
        for (int w = 0; w < nwarps; w++) {
            if (w < warp) offset += warp_count[w];
            total += warp_count[w];
        }
        if (hit) list[offset + __popc(mask & ((1u << lane) - 1u))] = j;
        __syncthreads();
        for (int k = 0; k < total; k++) {
            const T* g = dout + (int64_t)list[k] * width;
            for (int c = threadIdx.x; c < width; c += blockDim.x) acc[c] += to_f32(g[c]);
        }
        __syncthreads();  // list and warp_count are rewritten by the next chunk
    }
    T* row = dwte + (int64_t)id * width;
    for (int c = threadIdx.x; c < width; c += blockDim.x) row[c] = from_f32<T>(to_f32(row[c]) + acc[c]);
}

extern "C" {
__global__ void embedding_fwd_f32(float* out, const float* wte, const float* wpe, const int* ids, int batch, int seq, int vocab, int width) {
    emb_fwd(out, wte, wpe, ids, batch, seq, vocab, width);
}
__global__ void embedding_fwd_bf16(bf16* out, const bf16* wte, const bf16* wpe, const int* ids, int batch, int seq, int vocab, int width) {
    emb_fwd(out, wte, wpe, ids, batch, seq, vocab, width);
}
__global__ void embedding_bwd_wpe_f32(float* dwpe, const float* dout, int batch, int seq, int width) { emb_bwd_wpe(dwpe, dout, batch, seq, width); }
__global__ void embedding_bwd_wpe_bf16(bf16* dwpe, const bf16* dout, int batch, int seq, int width) { emb_bwd_wpe(dwpe, dout, batch, seq, width); }
__global__ void embedding_bwd_wte_f32(float* dwte, const float* dout, const int* ids, int positions, int vocab, int width) {
    emb_bwd_wte(dwte, dout, ids, positions, vocab, width);
}
__global__ void embedding_bwd_wte_bf16(bf16* dwte, const bf16* dout, const int* ids, int positions, int vocab, int width) {
    emb_bwd_wte(dwte, dout, ids, positions, vocab, width);
}
}

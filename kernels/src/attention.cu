// attention.cu: a plain, correct causal multi-head attention, forward and
// backward. It is the reference the fast fused kernel (flash_attention.cu,
// its own issue) is checked against; it favours clarity over speed.
//
// Layout (tensor.AttentionShape): qkv is [B·T, 3C], C = H·D; the query,
// key and value of head h for row (b, t) start at columns h·D, C + h·D and
// 2C + h·D. out is [B·T, C]; lse is float32 [B, H, T]. scale = 1/sqrt(D).
//
// One warp per (b, h, row). Lane l holds the elements d = l + 32·k of a
// head vector (k < D_MAX/32, unrolled, so they stay in registers); dot
// products are warp sums.
//
// Forward (warp per query row i): an online softmax over keys j ≤ i,
//   o_i = Σ_j softmax_j(s_ij)·v_j,  lse_i = m + log(l).
// Backward, recomputing the probabilities p_ij = exp(s_ij − lse_i):
//   attn_bwd_delta: Δ_i = dO_i · O_i
//   attn_bwd_dq:    warp per query row i:  dq_i += scale·Σ_{j≤i} ds_ij·k_j
//   attn_bwd_dkv:   warp per key row j:    dk_j += scale·Σ_{i≥j} ds_ij·q_i,
//                                          dv_j += Σ_{i≥j} p_ij·dO_i
//   with ds_ij = p_ij·(dO_i·v_j − Δ_i). Each output has one writer: no atomics.
#include "common.cuh"
#include <math.h>

#define D_MAX 256
#define KMAX (D_MAX / 32)

struct Geo {
    int B, T, H, D;
    __device__ int64_t qkv_row(int b, int t) const { return ((int64_t)b * T + t) * 3 * H * D; }
    __device__ int64_t out_row(int b, int t) const { return ((int64_t)b * T + t) * H * D; }
};

// Decode the warp's (b, h, t) from a flat index over B·H·T.
__device__ __forceinline__ bool warp_task(const Geo& g, int& b, int& h, int& t) {
    int64_t w = (int64_t)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    if (w >= (int64_t)g.B * g.H * g.T) return false;
    t = w % g.T;
    h = (w / g.T) % g.H;
    b = w / ((int64_t)g.T * g.H);
    return true;
}

template <typename T> __device__ __forceinline__ void load_vec(float (&r)[KMAX], const T* p, int D, int lane) {
#pragma unroll
    for (int k = 0; k < KMAX; k++) {
        int d = lane + 32 * k;
        r[k] = d < D ? to_f32(p[d]) : 0.f;
    }
}

__device__ __forceinline__ float dot(const float (&a)[KMAX], const float (&b)[KMAX]) {
    float s = 0.f;
#pragma unroll
    for (int k = 0; k < KMAX; k++) s += a[k] * b[k];
    return warp_sum(s);
}

template <typename T> __device__ void attn_fwd(T* out, float* lse, const T* qkv, Geo g) {
    int b, h, i;
    if (!warp_task(g, b, h, i)) return;
    const int lane = threadIdx.x & 31, C = g.H * g.D;
    const float scale = rsqrtf((float)g.D);
    float q[KMAX], o[KMAX], kv[KMAX];
    load_vec(q, qkv + g.qkv_row(b, i) + h * g.D, g.D, lane);
#pragma unroll
    for (int k = 0; k < KMAX; k++) o[k] = 0.f;
    float m = -INFINITY, l = 0.f;
    for (int j = 0; j <= i; j++) {
        const T* row = qkv + g.qkv_row(b, j);
        load_vec(kv, row + C + h * g.D, g.D, lane);
        float s = dot(q, kv) * scale;
        float mn = fmaxf(m, s);
        float corr = expf(m - mn), p = expf(s - mn);
        l = l * corr + p;
        load_vec(kv, row + 2 * C + h * g.D, g.D, lane);
#pragma unroll
        for (int k = 0; k < KMAX; k++) o[k] = o[k] * corr + p * kv[k];
        m = mn;
    }
    T* orow = out + g.out_row(b, i) + h * g.D;
#pragma unroll
    for (int k = 0; k < KMAX; k++) {
        int d = lane + 32 * k;
        if (d < g.D) orow[d] = from_f32<T>(o[k] / l);
    }
    if (lane == 0) lse[((int64_t)b * g.H + h) * g.T + i] = m + logf(l);
}

template <typename T> __device__ void attn_bwd_delta(float* delta, const T* dout, const T* out, Geo g) {
    int b, h, i;
    if (!warp_task(g, b, h, i)) return;
    const int lane = threadIdx.x & 31;
    float a[KMAX], c[KMAX];
    load_vec(a, dout + g.out_row(b, i) + h * g.D, g.D, lane);
    load_vec(c, out + g.out_row(b, i) + h * g.D, g.D, lane);
    float s = dot(a, c);
    if (lane == 0) delta[((int64_t)b * g.H + h) * g.T + i] = s;
}

template <typename T>
__device__ void attn_bwd_dq(T* dqkv, const T* dout, const T* qkv, const float* lse, const float* delta, Geo g) {
    int b, h, i;
    if (!warp_task(g, b, h, i)) return;
    const int lane = threadIdx.x & 31, C = g.H * g.D;
    const float scale = rsqrtf((float)g.D);
    const int64_t stat = ((int64_t)b * g.H + h) * g.T + i;
    const float L = lse[stat], Di = delta[stat];
    float q[KMAX], dO[KMAX], kv[KMAX], dq[KMAX];
    load_vec(q, qkv + g.qkv_row(b, i) + h * g.D, g.D, lane);
    load_vec(dO, dout + g.out_row(b, i) + h * g.D, g.D, lane);
#pragma unroll
    for (int k = 0; k < KMAX; k++) dq[k] = 0.f;
    for (int j = 0; j <= i; j++) {
        const T* row = qkv + g.qkv_row(b, j);
        load_vec(kv, row + C + h * g.D, g.D, lane);
        float p = expf(dot(q, kv) * scale - L);
        float kk[KMAX];
#pragma unroll
        for (int k = 0; k < KMAX; k++) kk[k] = kv[k];
        load_vec(kv, row + 2 * C + h * g.D, g.D, lane);
        float ds = p * (dot(dO, kv) - Di);
#pragma unroll
        for (int k = 0; k < KMAX; k++) dq[k] += ds * kk[k];
    }
    T* d = dqkv + g.qkv_row(b, i) + h * g.D;
#pragma unroll
    for (int k = 0; k < KMAX; k++) {
        int e = lane + 32 * k;
        if (e < g.D) d[e] = from_f32<T>(to_f32(d[e]) + scale * dq[k]);
    }
}

template <typename T>
__device__ void attn_bwd_dkv(T* dqkv, const T* dout, const T* qkv, const float* lse, const float* delta, Geo g) {
    int b, h, j;
    if (!warp_task(g, b, h, j)) return;
    const int lane = threadIdx.x & 31, C = g.H * g.D;
    const float scale = rsqrtf((float)g.D);
    float kk[KMAX], vv[KMAX], q[KMAX], dO[KMAX], dk[KMAX], dv[KMAX];
    const T* rowj = qkv + g.qkv_row(b, j);
    load_vec(kk, rowj + C + h * g.D, g.D, lane);
    load_vec(vv, rowj + 2 * C + h * g.D, g.D, lane);
#pragma unroll
    for (int k = 0; k < KMAX; k++) dk[k] = dv[k] = 0.f;
    for (int i = j; i < g.T; i++) {
        const int64_t stat = ((int64_t)b * g.H + h) * g.T + i;
        load_vec(q, qkv + g.qkv_row(b, i) + h * g.D, g.D, lane);
        load_vec(dO, dout + g.out_row(b, i) + h * g.D, g.D, lane);
        float p = expf(dot(q, kk) * scale - lse[stat]);
        float ds = p * (dot(dO, vv) - delta[stat]);
#pragma unroll
        for (int k = 0; k < KMAX; k++) {
            dv[k] += p * dO[k];
            dk[k] += ds * q[k];
        }
    }
    T* d = dqkv + g.qkv_row(b, j) + h * g.D;
#pragma unroll
    for (int k = 0; k < KMAX; k++) {
        int e = lane + 32 * k;
        if (e < g.D) {
            d[C + e] = from_f32<T>(to_f32(d[C + e]) + scale * dk[k]);
            d[2 * C + e] = from_f32<T>(to_f32(d[2 * C + e]) + dv[k]);
        }
    }
}

#define GEO_ARGS int B, int T, int H, int D
#define GEO Geo{B, T, H, D}

extern "C" {
__global__ void attention_fwd_f32(float* out, float* lse, const float* qkv, GEO_ARGS) { attn_fwd(out, lse, qkv, GEO); }
__global__ void attention_fwd_bf16(bf16* out, float* lse, const bf16* qkv, GEO_ARGS) { attn_fwd(out, lse, qkv, GEO); }
__global__ void attention_bwd_delta_f32(float* delta, const float* dout, const float* out, GEO_ARGS) { attn_bwd_delta(delta, dout, out, GEO); }
__global__ void attention_bwd_delta_bf16(float* delta, const bf16* dout, const bf16* out, GEO_ARGS) { attn_bwd_delta(delta, dout, out, GEO); }
__global__ void attention_bwd_dq_f32(float* dqkv, const float* dout, const float* qkv, const float* lse, const float* delta, GEO_ARGS) {
    attn_bwd_dq(dqkv, dout, qkv, lse, delta, GEO);
}
__global__ void attention_bwd_dq_bf16(bf16* dqkv, const bf16* dout, const bf16* qkv, const float* lse, const float* delta, GEO_ARGS) {
    attn_bwd_dq(dqkv, dout, qkv, lse, delta, GEO);
}
__global__ void attention_bwd_dkv_f32(float* dqkv, const float* dout, const float* qkv, const float* lse, const float* delta, GEO_ARGS) {
    attn_bwd_dkv(dqkv, dout, qkv, lse, delta, GEO);
}
__global__ void attention_bwd_dkv_bf16(bf16* dqkv, const bf16* dout, const bf16* qkv, const float* lse, const float* delta, GEO_ARGS) {
    attn_bwd_dkv(dqkv, dout, qkv, lse, delta, GEO);
}
}

// gelu.cu: GPT-2's tanh-approximated GeLU, forward and backward.
//
//   gelu(x)  = 0.5·x·(1 + tanh(u)),  u = sqrt(2/pi)·(x + 0.044715·x³)
//   gelu'(x) = 0.5·(1 + tanh(u)) + 0.5·x·(1 − tanh²(u))·sqrt(2/pi)·(1 + 3·0.044715·x²)
//
// One pass each; 16-byte packs when the pointers allow. The backward
// ACCUMULATES into dx, as every backward op of the engine does.
#include "common.cuh"

#define GELU_K 0.7978845608028654f  // sqrt(2/pi)
#define GELU_C 0.044715f

__device__ __forceinline__ float gelu_f(float x) {
    float u = GELU_K * (x + GELU_C * x * x * x);
    return 0.5f * x * (1.0f + tanhf(u));
}

__device__ __forceinline__ float gelu_grad(float x) {
    float u = GELU_K * (x + GELU_C * x * x * x);
    float t = tanhf(u);
    return 0.5f * (1.0f + t) + 0.5f * x * (1.0f - t * t) * GELU_K * (1.0f + 3.0f * GELU_C * x * x);
}

template <typename T> __device__ void gelu_fwd(T* out, const T* x, int n) {
    constexpr int N = Pack<T>::N;
    int nvec = (aligned16(out) && aligned16(x)) ? n / N : 0;
    GRID_STRIDE(i, nvec) {
        Pack<T> a = load_pack(x + i * N), r;
#pragma unroll
        for (int k = 0; k < N; k++) r.v[k] = from_f32<T>(gelu_f(to_f32(a.v[k])));
        store_pack(out + i * N, r);
    }
    GRID_STRIDE(i, n - nvec * N) {
        int64_t j = nvec * N + i;
        out[j] = from_f32<T>(gelu_f(to_f32(x[j])));
    }
}

template <typename T> __device__ void gelu_bwd(T* dx, const T* x, const T* dout, int n) {
    constexpr int N = Pack<T>::N;
    int nvec = (aligned16(dx) && aligned16(x) && aligned16(dout)) ? n / N : 0;
    GRID_STRIDE(i, nvec) {
        Pack<T> a = load_pack(x + i * N), g = load_pack(dout + i * N), d = load_pack(dx + i * N);
#pragma unroll
        for (int k = 0; k < N; k++)
            d.v[k] = from_f32<T>(to_f32(d.v[k]) + to_f32(g.v[k]) * gelu_grad(to_f32(a.v[k])));
        store_pack(dx + i * N, d);
    }
    GRID_STRIDE(i, n - nvec * N) {
        int64_t j = nvec * N + i;
        dx[j] = from_f32<T>(to_f32(dx[j]) + to_f32(dout[j]) * gelu_grad(to_f32(x[j])));
    }
}

extern "C" {
__global__ void gelu_fwd_f32(float* out, const float* x, int n) { gelu_fwd(out, x, n); }
__global__ void gelu_fwd_bf16(bf16* out, const bf16* x, int n) { gelu_fwd(out, x, n); }
__global__ void gelu_bwd_f32(float* dx, const float* x, const float* dout, int n) { gelu_bwd(dx, x, dout, n); }
__global__ void gelu_bwd_bf16(bf16* dx, const bf16* x, const bf16* dout, int n) { gelu_bwd(dx, x, dout, n); }
}

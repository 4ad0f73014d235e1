// elementwise.cu: fill, copy/cast, residual add and accumulate.
//
// Memory-bound one-pass kernels. When every pointer is 16-byte aligned the
// bulk moves in 16-byte packs (4 floats or 8 bf16 per thread per step);
// the remaining tail, and any misaligned call, goes element by element.
#include "common.cuh"

// fill: dst[i] = v.
template <typename T> __device__ void fill(T* dst, float v, int n) {
    const T x = from_f32<T>(v);
    constexpr int N = Pack<T>::N;
    int nvec = aligned16(dst) ? n / N : 0;
    Pack<T> p;
#pragma unroll
    for (int k = 0; k < N; k++) p.v[k] = x;
    GRID_STRIDE(i, nvec) store_pack(dst + i * N, p);
    GRID_STRIDE(i, n - nvec * N) dst[nvec * N + i] = x;
}

// copy: dst[i] = src[i], converting between float32 and bfloat16.
template <typename D, typename S> __device__ void copy(D* dst, const S* src, int n) {
    GRID_STRIDE(i, n) dst[i] = from_f32<D>(to_f32(src[i]));
}

// Same-type copy moves 16-byte packs.
template <typename T> __device__ void copy_same(T* dst, const T* src, int n) {
    constexpr int N = Pack<T>::N;
    int nvec = (aligned16(dst) && aligned16(src)) ? n / N : 0;
    GRID_STRIDE(i, nvec) store_pack(dst + i * N, load_pack(src + i * N));
    GRID_STRIDE(i, n - nvec * N) dst[nvec * N + i] = src[nvec * N + i];
}

// add: dst = a + b (the residual connection). dst may alias a or b.
template <typename T> __device__ void add(T* dst, const T* a, const T* b, int n) {
    constexpr int N = Pack<T>::N;
    int nvec = (aligned16(dst) && aligned16(a) && aligned16(b)) ? n / N : 0;
    GRID_STRIDE(i, nvec) {
        Pack<T> x = load_pack(a + i * N), y = load_pack(b + i * N), r;
#pragma unroll
        for (int k = 0; k < N; k++) r.v[k] = from_f32<T>(to_f32(x.v[k]) + to_f32(y.v[k]));
        store_pack(dst + i * N, r);
    }
    GRID_STRIDE(i, n - nvec * N) {
        int64_t j = nvec * N + i;
        dst[j] = from_f32<T>(to_f32(a[j]) + to_f32(b[j]));
    }
}

// accumulate: dst += alpha * src (gradient accumulation; types may differ).
template <typename D, typename S> __device__ void accumulate(D* dst, const S* src, float alpha, int n) {
    GRID_STRIDE(i, n) dst[i] = from_f32<D>(to_f32(dst[i]) + alpha * to_f32(src[i]));
}

template <typename T> __device__ void accumulate_same(T* dst, const T* src, float alpha, int n) {
    constexpr int N = Pack<T>::N;
    int nvec = (aligned16(dst) && aligned16(src)) ? n / N : 0;
    GRID_STRIDE(i, nvec) {
        Pack<T> d = load_pack(dst + i * N), s = load_pack(src + i * N);
#pragma unroll
        for (int k = 0; k < N; k++) d.v[k] = from_f32<T>(to_f32(d.v[k]) + alpha * to_f32(s.v[k]));
        store_pack(dst + i * N, d);
    }
    GRID_STRIDE(i, n - nvec * N) {
        int64_t j = nvec * N + i;
        dst[j] = from_f32<T>(to_f32(dst[j]) + alpha * to_f32(src[j]));
    }
}

extern "C" {
__global__ void fill_f32(float* dst, float v, int n) { fill(dst, v, n); }
__global__ void fill_bf16(bf16* dst, float v, int n) { fill(dst, v, n); }

__global__ void copy_f32_f32(float* dst, const float* src, int n) { copy_same(dst, src, n); }
__global__ void copy_bf16_bf16(bf16* dst, const bf16* src, int n) { copy_same(dst, src, n); }
__global__ void copy_f32_bf16(float* dst, const bf16* src, int n) { copy(dst, src, n); }
__global__ void copy_bf16_f32(bf16* dst, const float* src, int n) { copy(dst, src, n); }

__global__ void add_f32(float* dst, const float* a, const float* b, int n) { add(dst, a, b, n); }
__global__ void add_bf16(bf16* dst, const bf16* a, const bf16* b, int n) { add(dst, a, b, n); }

__global__ void accumulate_f32_f32(float* dst, const float* src, float alpha, int n) { accumulate_same(dst, src, alpha, n); }
__global__ void accumulate_bf16_bf16(bf16* dst, const bf16* src, float alpha, int n) { accumulate_same(dst, src, alpha, n); }
__global__ void accumulate_f32_bf16(float* dst, const bf16* src, float alpha, int n) { accumulate(dst, src, alpha, n); }
__global__ void accumulate_bf16_f32(bf16* dst, const float* src, float alpha, int n) { accumulate(dst, src, alpha, n); }
}

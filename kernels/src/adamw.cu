// adamw.cu: the fused mixed-precision AdamW update, one pass over the
// parameters.
//
// Per element, with g = gradScale·grad (clipping / loss-scale fused in):
//   m = β1·m + (1 − β1)·g
//   v = β2·v + (1 − β2)·g²
//   w = w − lr·( (m/bc1) / (sqrt(v/bc2) + eps) + wd·w )      (decoupled decay)
// where bc1 = 1 − β1^step and bc2 = 1 − β2^step come from the launcher
// (computed in float64 on the host). w is the float32 master weight when a
// master buffer is given — then the bf16 (or f32) working copy `param` is
// written from it in the same pass — and otherwise the parameter itself.
#include "common.cuh"

// Four consecutive elements at a time: a float4 (16 bytes) for float32, a
// uint2 (8 bytes) for bf16. The pointer must be aligned to 4 elements.
__device__ __forceinline__ void load4(const float* p, float (&r)[4]) {
    float4 v = *reinterpret_cast<const float4*>(p);
    r[0] = v.x, r[1] = v.y, r[2] = v.z, r[3] = v.w;
}
__device__ __forceinline__ void load4(const bf16* p, float (&r)[4]) {
    uint2 u = *reinterpret_cast<const uint2*>(p);
    float2 a = __bfloat1622float2(*reinterpret_cast<__nv_bfloat162*>(&u.x));
    float2 b = __bfloat1622float2(*reinterpret_cast<__nv_bfloat162*>(&u.y));
    r[0] = a.x, r[1] = a.y, r[2] = b.x, r[3] = b.y;
}
__device__ __forceinline__ void store4(float* p, const float (&r)[4]) {
    *reinterpret_cast<float4*>(p) = make_float4(r[0], r[1], r[2], r[3]);
}
__device__ __forceinline__ void store4(bf16* p, const float (&r)[4]) {
    __nv_bfloat162 a = __floats2bfloat162_rn(r[0], r[1]), b = __floats2bfloat162_rn(r[2], r[3]);
    uint2 u;
    u.x = *reinterpret_cast<unsigned*>(&a);
    u.y = *reinterpret_cast<unsigned*>(&b);
    *reinterpret_cast<uint2*>(p) = u;
}
template <typename T> __device__ __forceinline__ bool aligned4(const T* p) {
    return (reinterpret_cast<uintptr_t>(p) % (4 * sizeof(T))) == 0;
}

struct AdamHyper {
    float lr, b1, b2, eps, wd, bc1, bc2, grad_scale;
};

// update applies one element's step; w is the weight read (master or param).
__device__ __forceinline__ float update(const AdamHyper& h, float g, float& m, float& v, float w) {
    g *= h.grad_scale;
    m = h.b1 * m + (1.f - h.b1) * g;
    v = h.b2 * v + (1.f - h.b2) * g * g;
    return w - h.lr * ((m / h.bc1) / (sqrtf(v / h.bc2) + h.eps) + h.wd * w);
}

template <typename P, typename G>
__device__ void adamw(P* param, const G* grad, float* m, float* v, float* master, AdamHyper h, int n) {
    // Bulk: four elements per thread per step (vector loads and stores).
    const bool vec = aligned4(param) && aligned4(grad) && aligned4(m) && aligned4(v) && (!master || aligned4(master));
    const int nvec = vec ? n / 4 : 0;
    GRID_STRIDE(i, nvec) {
        const int64_t j = 4 * i;
        float g[4], mm[4], vv[4], w[4];
        load4(grad + j, g);
        load4(m + j, mm);
        load4(v + j, vv);
        if (master) load4(master + j, w);
        else load4(param + j, w);
#pragma unroll
        for (int k = 0; k < 4; k++) w[k] = update(h, g[k], mm[k], vv[k], w[k]);
        store4(m + j, mm);
        store4(v + j, vv);
        if (master) store4(master + j, w);
        store4(param + j, w);
    }
    // Tail (and every element when a pointer is misaligned).
    GRID_STRIDE(i, n - 4 * nvec) {
        const int64_t j = 4 * nvec + i;
        float mi = m[j], vi = v[j];
        float w = update(h, to_f32(grad[j]), mi, vi, master ? master[j] : to_f32(param[j]));
        m[j] = mi;
        v[j] = vi;
        if (master) master[j] = w;
        param[j] = from_f32<P>(w);
    }
}

#define ADAMW_ARGS float *m, float *v, float *master, float lr, float b1, float b2, float eps, float wd, float bc1, float bc2, float grad_scale, int n
#define ADAMW_CALL m, v, master, AdamHyper{lr, b1, b2, eps, wd, bc1, bc2, grad_scale}, n

extern "C" {
__global__ void adamw_f32_f32(float* param, const float* grad, ADAMW_ARGS) { adamw(param, grad, ADAMW_CALL); }
__global__ void adamw_bf16_bf16(bf16* param, const bf16* grad, ADAMW_ARGS) { adamw(param, grad, ADAMW_CALL); }
__global__ void adamw_bf16_f32(bf16* param, const float* grad, ADAMW_ARGS) { adamw(param, grad, ADAMW_CALL); }
__global__ void adamw_f32_bf16(float* param, const bf16* grad, ADAMW_ARGS) { adamw(param, grad, ADAMW_CALL); }
}

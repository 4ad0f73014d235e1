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

template <typename P, typename G>
__device__ void adamw(P* param, const G* grad, float* m, float* v, float* master, float lr, float b1, float b2,
                      float eps, float wd, float bc1, float bc2, float grad_scale, int n) {
    GRID_STRIDE(i, n) {
        float g = grad_scale * to_f32(grad[i]);
        float mi = b1 * m[i] + (1.f - b1) * g;
        float vi = b2 * v[i] + (1.f - b2) * g * g;
        m[i] = mi;
        v[i] = vi;
        float w = master ? master[i] : to_f32(param[i]);
        w -= lr * ((mi / bc1) / (sqrtf(vi / bc2) + eps) + wd * w);
        if (master) master[i] = w;
        param[i] = from_f32<P>(w);
    }
}

#define ADAMW_ARGS float *m, float *v, float *master, float lr, float b1, float b2, float eps, float wd, float bc1, float bc2, float grad_scale, int n
#define ADAMW_CALL m, v, master, lr, b1, b2, eps, wd, bc1, bc2, grad_scale, n

extern "C" {
__global__ void adamw_f32_f32(float* param, const float* grad, ADAMW_ARGS) { adamw(param, grad, ADAMW_CALL); }
__global__ void adamw_bf16_bf16(bf16* param, const bf16* grad, ADAMW_ARGS) { adamw(param, grad, ADAMW_CALL); }
__global__ void adamw_bf16_f32(bf16* param, const float* grad, ADAMW_ARGS) { adamw(param, grad, ADAMW_CALL); }
__global__ void adamw_f32_bf16(float* param, const bf16* grad, ADAMW_ARGS) { adamw(param, grad, ADAMW_CALL); }
}

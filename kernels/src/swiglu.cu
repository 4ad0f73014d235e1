// swiglu.cu: the SwiGLU gate, forward and backward, each one fused pass.
//
// x is rows×(2·hidden): the gate half g = x[r, 0:hidden] first, then the
// linear half u = x[r, hidden:2·hidden].
//
//   out[r,j] = silu(g)·u,            silu(g) = g·σ(g)
//   dg      += dout·u·σ(g)·(1 + g·(1 − σ(g)))
//   du      += dout·silu(g)
//
// A thread handles a run of Pack<T>::N consecutive columns of one row when
// hidden is a multiple of the pack width and the pointers are aligned
// (always true for buffers from the device's allocator); otherwise it falls
// back to one column at a time.
#include "common.cuh"

__device__ __forceinline__ float sigmoid_f(float g) { return 1.0f / (1.0f + expf(-g)); }

template <typename T> __device__ void swiglu_fwd(T* out, const T* x, int rows, int hidden) {
    constexpr int N = Pack<T>::N;
    const bool vec = (hidden % N == 0) && aligned16(out) && aligned16(x);
    if (vec) {
        const int per_row = hidden / N;
        GRID_STRIDE(i, (int64_t)rows * per_row) {
            int64_t r = i / per_row, c = (i % per_row) * N;
            Pack<T> g = load_pack(x + r * 2 * hidden + c), u = load_pack(x + r * 2 * hidden + hidden + c), o;
#pragma unroll
            for (int k = 0; k < N; k++) {
                float gv = to_f32(g.v[k]);
                o.v[k] = from_f32<T>(gv * sigmoid_f(gv) * to_f32(u.v[k]));
            }
            store_pack(out + r * hidden + c, o);
        }
        return;
    }
    GRID_STRIDE(i, (int64_t)rows * hidden) {
        int64_t r = i / hidden, c = i % hidden;
        float gv = to_f32(x[r * 2 * hidden + c]), uv = to_f32(x[r * 2 * hidden + hidden + c]);
        out[i] = from_f32<T>(gv * sigmoid_f(gv) * uv);
    }
}

__device__ __forceinline__ void swiglu_grad(float g, float u, float d, float* dg, float* du) {
    float s = sigmoid_f(g);
    *dg = d * u * s * (1.0f + g * (1.0f - s));
    *du = d * g * s;
}

template <typename T> __device__ void swiglu_bwd(T* dx, const T* x, const T* dout, int rows, int hidden) {
    constexpr int N = Pack<T>::N;
    const bool vec = (hidden % N == 0) && aligned16(dx) && aligned16(x) && aligned16(dout);
    if (vec) {
        const int per_row = hidden / N;
        GRID_STRIDE(i, (int64_t)rows * per_row) {
            int64_t r = i / per_row, c = (i % per_row) * N;
            const int64_t gi = r * 2 * hidden + c, ui = gi + hidden;
            Pack<T> g = load_pack(x + gi), u = load_pack(x + ui), d = load_pack(dout + r * hidden + c);
            Pack<T> dg = load_pack(dx + gi), du = load_pack(dx + ui);
#pragma unroll
            for (int k = 0; k < N; k++) {
                float a, b;
                swiglu_grad(to_f32(g.v[k]), to_f32(u.v[k]), to_f32(d.v[k]), &a, &b);
                dg.v[k] = from_f32<T>(to_f32(dg.v[k]) + a);
                du.v[k] = from_f32<T>(to_f32(du.v[k]) + b);
            }
            store_pack(dx + gi, dg);
            store_pack(dx + ui, du);
        }
        return;
    }
    GRID_STRIDE(i, (int64_t)rows * hidden) {
        int64_t r = i / hidden, c = i % hidden;
        const int64_t gi = r * 2 * hidden + c, ui = gi + hidden;
        float a, b;
        swiglu_grad(to_f32(x[gi]), to_f32(x[ui]), to_f32(dout[i]), &a, &b);
        dx[gi] = from_f32<T>(to_f32(dx[gi]) + a);
        dx[ui] = from_f32<T>(to_f32(dx[ui]) + b);
    }
}

extern "C" {
__global__ void swiglu_fwd_f32(float* out, const float* x, int rows, int hidden) { swiglu_fwd(out, x, rows, hidden); }
__global__ void swiglu_fwd_bf16(bf16* out, const bf16* x, int rows, int hidden) { swiglu_fwd(out, x, rows, hidden); }
__global__ void swiglu_bwd_f32(float* dx, const float* x, const float* dout, int rows, int hidden) { swiglu_bwd(dx, x, dout, rows, hidden); }
__global__ void swiglu_bwd_bf16(bf16* dx, const bf16* x, const bf16* dout, int rows, int hidden) { swiglu_bwd(dx, x, dout, rows, hidden); }
}

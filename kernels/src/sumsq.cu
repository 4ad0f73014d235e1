// sumsq.cu: the sum of squares of many buffers (the squared global gradient
// norm), deterministic and in float64.
//
// sumsq_partial: a fixed grid (its size chosen by the launcher from the
// element count only) walks one buffer; each block adds its threads' float64
// sums in a fixed order into partial[blockIdx.x]. The launcher gives every
// buffer its own slice of partial. sumsq_final then adds all partials in
// index order in one block. No atomics, so equal inputs give equal bits.
#include "common.cuh"

template <typename T> __device__ void sumsq_partial(double* partial, const T* x, int n) {
    __shared__ double scratch[32];
    double s = 0.0;
    GRID_STRIDE(i, n) {
        double v = (double)to_f32(x[i]);
        s += v * v;
    }
    s = block_sum(s, scratch);
    if (threadIdx.x == 0) partial[blockIdx.x] = s;
}

extern "C" {
__global__ void sumsq_partial_f32(double* partial, const float* x, int n) { sumsq_partial(partial, x, n); }
__global__ void sumsq_partial_bf16(double* partial, const bf16* x, int n) { sumsq_partial(partial, x, n); }

__global__ void sumsq_final(double* out, const double* partial, int count) {
    __shared__ double scratch[32];
    double s = 0.0;
    for (int i = threadIdx.x; i < count; i += blockDim.x) s += partial[i];
    s = block_sum(s, scratch);
    if (threadIdx.x == 0) out[0] = s;
}
}

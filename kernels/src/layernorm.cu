// layernorm.cu: LayerNorm forward and backward with float32 statistics.
//
// Forward: one warp per row, in 16-byte packs when the width allows. The
// warp reads the row once for the mean and once more for the variance (the
// second read hits L1/L2), then writes
// out = (x − mean)·rstd·w + b and saves mean and rstd = 1/sqrt(var + eps)
// as float32, whatever the storage type of x.
//
// Backward, deterministic (no atomics). At widths up to ~1400 columns one
// fused pass (ln_bwd_fused below: dx and per-chunk dw/db partials, rows read
// once) and ln_bwd_final; otherwise, or when dw and db are not wanted,
// these launches:
//   1. ln_bwd_dx:       one warp per row,
//                       dx += rstd·(dŷ − mean(dŷ) − ŷ·mean(dŷ·ŷ)), dŷ = dout·w.
//   2. ln_bwd_partial:  the rows are cut into a fixed number of chunks;
//                       thread (chunk, column) sums dout·ŷ and dout over its
//                       chunk's rows in row order into partial[chunk][column].
//   3. ln_bwd_final:    thread per column sums the chunks in chunk order and
//                       adds the totals into dw and db.
// The chunk count is chosen by the launcher from the row count only, so the
// same shapes give bit-identical gradients on every run.
#include "common.cuh"

#define LN_EPS 1e-5f

// vec_ok reports whether rows of cols elements can be walked in 16-byte
// packs: every row starts 16-byte aligned when cols is a multiple of the
// pack width and the base pointers are aligned.
template <typename T> __device__ __forceinline__ bool vec_ok(int cols, const void* a, const void* b, const void* c, const void* d) {
    return cols % Pack<T>::N == 0 && aligned16(a) && aligned16(b) && aligned16(c) && aligned16(d);
}

template <typename T>
__device__ void ln_fwd(T* out, float* mean, float* rstd, const T* x, const T* w, const T* b, int rows, int cols) {
    constexpr int N = Pack<T>::N;
    const int lane = threadIdx.x & 31;
    const int64_t row = (int64_t)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    if (row >= rows) return;
    const T* xr = x + row * cols;
    T* orow = out + row * cols;
    float m, r;
    if (vec_ok<T>(cols, x, out, w, b)) {
        // Lane l handles packs l, l+32, ...: each warp step moves 512 bytes.
        float s = 0.f;
        for (int c = lane * N; c < cols; c += 32 * N) {
            Pack<T> p = load_pack(xr + c);
#pragma unroll
            for (int k = 0; k < N; k++) s += to_f32(p.v[k]);
        }
        m = warp_sum(s) / cols;
        float v = 0.f;
        for (int c = lane * N; c < cols; c += 32 * N) {
            Pack<T> p = load_pack(xr + c);
#pragma unroll
            for (int k = 0; k < N; k++) {
                float d = to_f32(p.v[k]) - m;
                v += d * d;
            }
        }
        r = rsqrtf(warp_sum(v) / cols + LN_EPS);
        for (int c = lane * N; c < cols; c += 32 * N) {
            Pack<T> p = load_pack(xr + c), pw = load_pack(w + c), pb = load_pack(b + c), o;
#pragma unroll
            for (int k = 0; k < N; k++) o.v[k] = from_f32<T>((to_f32(p.v[k]) - m) * r * to_f32(pw.v[k]) + to_f32(pb.v[k]));
            store_pack(orow + c, o);
        }
    } else {
        float s = 0.f;
        for (int c = lane; c < cols; c += 32) s += to_f32(xr[c]);
        m = warp_sum(s) / cols;
        float v = 0.f;
        for (int c = lane; c < cols; c += 32) {
            float d = to_f32(xr[c]) - m;
            v += d * d;
        }
        r = rsqrtf(warp_sum(v) / cols + LN_EPS);
        for (int c = lane; c < cols; c += 32)
            orow[c] = from_f32<T>((to_f32(xr[c]) - m) * r * to_f32(w[c]) + to_f32(b[c]));
    }
    if (lane == 0) {
        mean[row] = m;
        rstd[row] = r;
    }
}

template <typename T>
__device__ void ln_bwd_dx(T* dx, const T* dout, const T* x, const T* w, const float* mean, const float* rstd, int rows, int cols) {
    constexpr int N = Pack<T>::N;
    const int lane = threadIdx.x & 31;
    const int64_t row = (int64_t)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    if (row >= rows) return;
    const T* xr = x + row * cols;
    const T* gr = dout + row * cols;
    T* dr = dx + row * cols;
    const float m = mean[row], r = rstd[row];
    float sd = 0.f, sdx = 0.f;  // sums of dŷ and dŷ·ŷ
    if (vec_ok<T>(cols, x, dout, dx, w)) {
        for (int c = lane * N; c < cols; c += 32 * N) {
            Pack<T> px = load_pack(xr + c), pg = load_pack(gr + c), pw = load_pack(w + c);
#pragma unroll
            for (int k = 0; k < N; k++) {
                float xh = (to_f32(px.v[k]) - m) * r, dxh = to_f32(pg.v[k]) * to_f32(pw.v[k]);
                sd += dxh;
                sdx += dxh * xh;
            }
        }
        sd = warp_sum(sd) / cols;
        sdx = warp_sum(sdx) / cols;
        for (int c = lane * N; c < cols; c += 32 * N) {
            Pack<T> px = load_pack(xr + c), pg = load_pack(gr + c), pw = load_pack(w + c), pd = load_pack(dr + c);
#pragma unroll
            for (int k = 0; k < N; k++) {
                float xh = (to_f32(px.v[k]) - m) * r, dxh = to_f32(pg.v[k]) * to_f32(pw.v[k]);
                pd.v[k] = from_f32<T>(to_f32(pd.v[k]) + r * (dxh - sd - xh * sdx));
            }
            store_pack(dr + c, pd);
        }
        return;
    }
    for (int c = lane; c < cols; c += 32) {
        float xh = (to_f32(xr[c]) - m) * r;
        float dxh = to_f32(gr[c]) * to_f32(w[c]);
        sd += dxh;
        sdx += dxh * xh;
    }
    sd = warp_sum(sd) / cols;
    sdx = warp_sum(sdx) / cols;
    for (int c = lane; c < cols; c += 32) {
        float xh = (to_f32(xr[c]) - m) * r;
        float dxh = to_f32(gr[c]) * to_f32(w[c]);
        dr[c] = from_f32<T>(to_f32(dr[c]) + r * (dxh - sd - xh * sdx));
    }
}

// ln_bwd_fused: dx and the per-chunk dw/db partial sums in one pass, for
// widths whose per-warp accumulators fit in shared memory. Block b owns the
// rows of chunk b (gridDim.x chunks); warp w takes rows r0+w, r0+w+nwarps,
// ...; each warp adds dout·ŷ and dout into its own shared-memory rows
// (padded by one float per 32 so that the 16-byte-pack lanes hit distinct
// banks), and at the end the block adds its warps in warp order into
// partial[chunk]. Every sum has a fixed order: the result is deterministic.
// Each row is read from device memory once (the second walk over it hits
// L1), against twice for ln_bwd_dx + ln_bwd_partial.
__device__ __forceinline__ int pad32(int c) { return c + (c >> 5); }

template <typename T>
__device__ void ln_bwd_fused(T* dx, float* partial, const T* dout, const T* x, const T* w, const float* mean,
                             const float* rstd, int rows, int cols) {
    extern __shared__ float acc[];  // [warps][2][pad32(cols) + 1]
    constexpr int N = Pack<T>::N;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nwarps = blockDim.x >> 5;
    const int stride = pad32(cols) + 1;
    const int chunks = gridDim.x, chunk = blockIdx.x;
    const int per = (rows + chunks - 1) / chunks;
    const int r0 = chunk * per, r1 = min(rows, r0 + per);
    float* aw = acc + warp * 2 * stride;
    float* ab = aw + stride;
    for (int c = lane; c < cols; c += 32) aw[pad32(c)] = ab[pad32(c)] = 0.f;
    const bool vec = vec_ok<T>(cols, x, dout, w, dx ? (const void*)dx : (const void*)x);
    for (int r = r0 + warp; r < r1; r += nwarps) {
        const T* xr = x + (int64_t)r * cols;
        const T* gr = dout + (int64_t)r * cols;
        T* dr = dx ? dx + (int64_t)r * cols : nullptr;
        const float m = mean[r], rs = rstd[r];
        float sd = 0.f, sdx = 0.f;
        if (vec) {
            for (int c = lane * N; c < cols; c += 32 * N) {
                Pack<T> px = load_pack(xr + c), pg = load_pack(gr + c), pw = load_pack(w + c);
#pragma unroll
                for (int k = 0; k < N; k++) {
                    float xh = (to_f32(px.v[k]) - m) * rs, dxh = to_f32(pg.v[k]) * to_f32(pw.v[k]);
                    sd += dxh;
                    sdx += dxh * xh;
                }
            }
        } else {
            for (int c = lane; c < cols; c += 32) {
                float xh = (to_f32(xr[c]) - m) * rs, dxh = to_f32(gr[c]) * to_f32(w[c]);
                sd += dxh;
                sdx += dxh * xh;
            }
        }
        sd = warp_sum(sd) / cols;
        sdx = warp_sum(sdx) / cols;
        if (vec) {
            for (int c = lane * N; c < cols; c += 32 * N) {
                Pack<T> px = load_pack(xr + c), pg = load_pack(gr + c), pw = load_pack(w + c), pd;
                if (dr) pd = load_pack(dr + c);
#pragma unroll
                for (int k = 0; k < N; k++) {
                    float g = to_f32(pg.v[k]), xh = (to_f32(px.v[k]) - m) * rs;
                    if (dr) pd.v[k] = from_f32<T>(to_f32(pd.v[k]) + rs * (g * to_f32(pw.v[k]) - sd - xh * sdx));
                    aw[pad32(c + k)] += g * xh;
                    ab[pad32(c + k)] += g;
                }
                if (dr) store_pack(dr + c, pd);
            }
        } else {
            for (int c = lane; c < cols; c += 32) {
                float g = to_f32(gr[c]), xh = (to_f32(xr[c]) - m) * rs;
                if (dr) dr[c] = from_f32<T>(to_f32(dr[c]) + rs * (g * to_f32(w[c]) - sd - xh * sdx));
                aw[pad32(c)] += g * xh;
                ab[pad32(c)] += g;
            }
        }
    }
    __syncthreads();
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        float sw = 0.f, sb = 0.f;
        for (int k = 0; k < nwarps; k++) {
            sw += acc[k * 2 * stride + pad32(c)];
            sb += acc[k * 2 * stride + stride + pad32(c)];
        }
        partial[(int64_t)chunk * cols + c] = sw;
        partial[(int64_t)(chunks + chunk) * cols + c] = sb;
    }
}

// grid: (ceil(cols/blockDim.x), chunks). partial is [2][chunks][cols]: the
// dw sums first, then the db sums.
template <typename T>
__device__ void ln_bwd_partial(float* partial, const T* dout, const T* x, const float* mean, const float* rstd, int rows, int cols) {
    const int c = blockIdx.x * blockDim.x + threadIdx.x;
    if (c >= cols) return;
    const int chunks = gridDim.y, chunk = blockIdx.y;
    const int per = (rows + chunks - 1) / chunks;
    const int r0 = chunk * per, r1 = min(rows, r0 + per);
    float sw = 0.f, sb = 0.f;
    for (int r = r0; r < r1; r++) {
        float g = to_f32(dout[(int64_t)r * cols + c]);
        float xh = (to_f32(x[(int64_t)r * cols + c]) - mean[r]) * rstd[r];
        sw += g * xh;
        sb += g;
    }
    partial[(int64_t)chunk * cols + c] = sw;
    partial[(int64_t)(chunks + chunk) * cols + c] = sb;
}

template <typename T>
__device__ void ln_bwd_final(T* dw, T* db, const float* partial, int chunks, int cols) {
    const int c = blockIdx.x * blockDim.x + threadIdx.x;
    if (c >= cols) return;
    float sw = 0.f, sb = 0.f;
    for (int k = 0; k < chunks; k++) {
        sw += partial[(int64_t)k * cols + c];
        sb += partial[(int64_t)(chunks + k) * cols + c];
    }
    if (dw) dw[c] = from_f32<T>(to_f32(dw[c]) + sw);
    if (db) db[c] = from_f32<T>(to_f32(db[c]) + sb);
}

extern "C" {
__global__ void layernorm_fwd_f32(float* out, float* mean, float* rstd, const float* x, const float* w, const float* b, int rows, int cols) {
    ln_fwd(out, mean, rstd, x, w, b, rows, cols);
}
__global__ void layernorm_fwd_bf16(bf16* out, float* mean, float* rstd, const bf16* x, const bf16* w, const bf16* b, int rows, int cols) {
    ln_fwd(out, mean, rstd, x, w, b, rows, cols);
}
__global__ void layernorm_bwd_dx_f32(float* dx, const float* dout, const float* x, const float* w, const float* mean, const float* rstd, int rows, int cols) {
    ln_bwd_dx(dx, dout, x, w, mean, rstd, rows, cols);
}
__global__ void layernorm_bwd_dx_bf16(bf16* dx, const bf16* dout, const bf16* x, const bf16* w, const float* mean, const float* rstd, int rows, int cols) {
    ln_bwd_dx(dx, dout, x, w, mean, rstd, rows, cols);
}
__global__ void layernorm_bwd_fused_f32(float* dx, float* partial, const float* dout, const float* x, const float* w, const float* mean, const float* rstd, int rows, int cols) {
    ln_bwd_fused(dx, partial, dout, x, w, mean, rstd, rows, cols);
}
__global__ void layernorm_bwd_fused_bf16(bf16* dx, float* partial, const bf16* dout, const bf16* x, const bf16* w, const float* mean, const float* rstd, int rows, int cols) {
    ln_bwd_fused(dx, partial, dout, x, w, mean, rstd, rows, cols);
}
__global__ void layernorm_bwd_partial_f32(float* partial, const float* dout, const float* x, const float* mean, const float* rstd, int rows, int cols) {
    ln_bwd_partial(partial, dout, x, mean, rstd, rows, cols);
}
__global__ void layernorm_bwd_partial_bf16(float* partial, const bf16* dout, const bf16* x, const float* mean, const float* rstd, int rows, int cols) {
    ln_bwd_partial(partial, dout, x, mean, rstd, rows, cols);
}
__global__ void layernorm_bwd_final_f32(float* dw, float* db, const float* partial, int chunks, int cols) {
    ln_bwd_final(dw, db, partial, chunks, cols);
}
__global__ void layernorm_bwd_final_bf16(bf16* dw, bf16* db, const float* partial, int chunks, int cols) {
    ln_bwd_final(dw, db, partial, chunks, cols);
}
}

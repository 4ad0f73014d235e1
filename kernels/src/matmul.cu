// matmul.cu: a simple tiled matrix product, used only when cuBLASLt cannot be
// loaded. Correct for every MatMulShape, not fast.
//
//   C[b] (= or +=) op(A[b])·op(B[b]),  op(A) M×K, op(B) K×N, C M×N,
//
// all row-major; op transposes when trans{A,B} is set; stride{A,B,C} are
// the element distances between batch items (0 broadcasts one matrix).
// 16×16 tiles of op(A) and op(B) are staged in shared memory; each thread
// computes one element of C in float32. grid = (ceil(N/16), ceil(M/16), batch).
#include "common.cuh"

#define TILE 16

template <typename T>
__device__ void gemm(T* C, const T* A, const T* B, int M, int N, int K, int transA, int transB, long long strideA,
                     long long strideB, long long strideC, int accumulate) {
    __shared__ float As[TILE][TILE + 1], Bs[TILE][TILE + 1];
    const int bz = blockIdx.z;
    A += bz * strideA;
    B += bz * strideB;
    C += bz * strideC;
    const int row = blockIdx.y * TILE + threadIdx.y, col = blockIdx.x * TILE + threadIdx.x;
    float acc = 0.f;
    for (int k0 = 0; k0 < K; k0 += TILE) {
        int ka = k0 + threadIdx.x, kb = k0 + threadIdx.y;
        float a = 0.f, b = 0.f;
        if (row < M && ka < K) a = to_f32(transA ? A[(int64_t)ka * M + row] : A[(int64_t)row * K + ka]);
        if (col < N && kb < K) b = to_f32(transB ? B[(int64_t)col * K + kb] : B[(int64_t)kb * N + col]);
        As[threadIdx.y][threadIdx.x] = a;
        Bs[threadIdx.y][threadIdx.x] = b;
        __syncthreads();
#pragma unroll
        for (int k = 0; k < TILE; k++) acc += As[threadIdx.y][k] * Bs[k][threadIdx.x];
        __syncthreads();
    }
    if (row < M && col < N) {
        T* c = C + (int64_t)row * N + col;
        *c = from_f32<T>(accumulate ? to_f32(*c) + acc : acc);
    }
}

#define GEMM_ARGS int M, int N, int K, int transA, int transB, long long strideA, long long strideB, long long strideC, int accumulate
#define GEMM_CALL M, N, K, transA, transB, strideA, strideB, strideC, accumulate

extern "C" {
__global__ void gemm_f32(float* C, const float* A, const float* B, GEMM_ARGS) { gemm(C, A, B, GEMM_CALL); }
__global__ void gemm_bf16(bf16* C, const bf16* A, const bf16* B, GEMM_ARGS) { gemm(C, A, B, GEMM_CALL); }
}

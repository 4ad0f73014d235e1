// flash_attention.cu: fused causal multi-head attention, FlashAttention-2
// style, forward and backward, on the tensor cores with mma.sync
// m16n8k16 (bf16 inputs, fp32 accumulation), ldmatrix, and cp.async double
// buffering. Builds for compute_80 and newer (`nvcc -arch=compute_80 -ptx`);
// sm_90a wgmma is not used (nvcc 11.8 cannot emit it).
//
// Contract (tensor.Device.Attention / AttentionBackward):
//   qkv  [B*T, 3*C] bf16, C = H*Dh; q, k, v of head h at columns h*Dh,
//        C + h*Dh, 2*C + h*Dh.
//   out  [B*T, C] (bf16 or f32), head h at columns h*Dh.
//   lse  [B, H, T] f32, natural-log log-sum-exp of each scaled score row.
//   scale = 1/sqrt(Dh). Backward ACCUMULATES into dqkv (bf16 or f32).
// F32 qkv or dout is cast to bf16 first (flash_attn_cast_f32_bf16; the
// backward pre-pass casts dout itself); accumulation is always fp32.
//
// Tiling: a CTA of 4 warps (128 threads) owns kRows = 64*MT rows; warp w
// owns the 16*MT rows from w*16*MT (MT m16 tiles, so each ldmatrix of the
// other operand feeds 2*MT mma). The other operand streams through shared
// memory in tiles of BN rows, two stages deep (cp.async). MT and BN per
// kernel and head dim are in Traits<Dh>. Scores live only in registers;
// never in global memory.
//
// Backward (deterministic, no atomics: the default):
//   1. flash_attn_bwd_pre:  Dsum[b,h,t] = sum_d dO*O (fp32), and dO -> bf16.
//   2. flash_attn_bwd_dkdv: one CTA per key block; loops over the query
//      tiles at or after the diagonal; computes S^T = K Q^T so that each
//      warp owns 16*MT keys and dK, dV stay in its registers; writes
//      dqkv[k,v] += once, in a fixed order.
//   3. flash_attn_bwd_dq:   one CTA per query block; loops over key tiles;
//      recomputes S, P, dP, dS and accumulates dQ in registers.
//   Kernels 2 and 3 write disjoint columns of dqkv. Recomputing S and dP in
//   kernel 3 costs 7 tile matmuls instead of FlashAttention-2's 5 with
//   atomicAdd dQ, in exchange for bit-reproducible gradients.
// Backward, atomic-dQ option (FlashAttention-2's schedule, 5 matmuls, not
// bit-reproducible: float atomics add in a varying order):
//   1. as above; 2'. flash_attn_bwd_dkdv_atomic also stages dS^T in shared
//   memory and adds dQ_tile = dS K for its keys into an fp32 dq_accum
//   [B*T, C] (zeroed first) with atomicAdd; 3'. flash_attn_bwd_dq_finalize:
//   dqkv[q] += scale * dq_accum.
//
// A line-for-line Go port of this file lives in kernels/cuda/flashport; its
// comments cite the "// [Fn]" / "// [Bn]" / "// [Ln]" markers below, and
// its traits table (flashport.TraitsFor) is what the launcher sizes grids
// and shared memory from. Keep all three in step.

#include <cuda_bf16.h>
#include <stdint.h>
#include <string.h>

typedef __nv_bfloat16 bf16;

#ifdef __CUDACC__
#define FLASH_LAUNCH_BOUNDS __launch_bounds__(128)
#else
#define FLASH_LAUNCH_BOUNDS
#endif

namespace flash {

constexpr int kNWarps = 4;
constexpr int kNThreads = kNWarps * 32;
constexpr float kLog2e = 1.4426950408889634f;
static_assert(kNThreads == 128, "FLASH_LAUNCH_BOUNDS says 128 threads");

// [T1] Per head dim: MT (m16 tiles per warp; CTA rows = 64*MT) and BN
// (rows of each streamed tile) of the forward, dQ and dK/dV kernels, chosen
// so that the fp32 accumulators fit in registers without spilling
// (acc_o/acc_dq: MT*Dh/2, acc_dk+acc_dv: MT*Dh, scores: MT*BN/2 per thread).
template <int Dh>
struct Traits;
template <>
struct Traits<32> {
  static constexpr int kFwdMT = 2, kFwdBN = 64, kDqMT = 2, kDqBN = 32, kKvMT = 2, kKvBN = 32;
};
template <>
struct Traits<64> {
  static constexpr int kFwdMT = 2, kFwdBN = 64, kDqMT = 2, kDqBN = 32, kKvMT = 2, kKvBN = 32;
};
template <>
struct Traits<128> {
  static constexpr int kFwdMT = 2, kFwdBN = 32, kDqMT = 1, kDqBN = 64, kKvMT = 1, kKvBN = 64;
};

// Shared-memory tiles are ROWS rows of Dh bf16, each row padded by 8
// elements (16 bytes) so that the 8 row addresses of one ldmatrix phase fall
// in 8 different 16-byte bank groups.
template <int Dh>
struct Smem {
  static constexpr int kStride = Dh + 8;  // elements per smem row
};

// Dynamic shared memory the launcher must request for each kernel (bytes);
// flashport.TraitsFor computes the same numbers.
template <int Dh>
struct SmemBytes {
  using Tr = Traits<Dh>;
  static constexpr int kFwd = (64 * Tr::kFwdMT + 4 * Tr::kFwdBN) * (Dh + 8) * 2;      // Q, K[2], V[2]
  static constexpr int kDq = (2 * 64 * Tr::kDqMT + 4 * Tr::kDqBN) * (Dh + 8) * 2;     // Q, dO, K[2], V[2]
  static constexpr int kDkdv = (2 * 64 * Tr::kKvMT + 4 * Tr::kKvBN) * (Dh + 8) * 2 +  // K, V, Q[2], dO[2]
                               4 * Tr::kKvBN * 4;                                     // lse[2], D[2]
  static constexpr int kDkdvAtomic = kDkdv + 64 * Tr::kKvMT * (Tr::kKvBN + 8) * 2;   // + dS^T
};

#ifdef __CUDACC__

__device__ __forceinline__ uint32_t smem_u32(const void* p) {
  return static_cast<uint32_t>(__cvta_generic_to_shared(p));
}

// 16-byte async copy global -> shared; src_size 0 zero-fills the destination.
__device__ __forceinline__ void cp_async_16(void* smem, const void* gmem, bool valid) {
  int src_size = valid ? 16 : 0;
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(smem_u32(smem)), "l"(gmem),
               "r"(src_size));
}

// 4-byte async copy (row statistics), zero-filled when !valid.
__device__ __forceinline__ void cp_async_4(void* smem, const void* gmem, bool valid) {
  int src_size = valid ? 4 : 0;
  asm volatile("cp.async.ca.shared.global [%0], [%1], 4, %2;\n" ::"r"(smem_u32(smem)), "l"(gmem),
               "r"(src_size));
}

__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::); }

template <int N>
__device__ __forceinline__ void cp_async_wait() {
  asm volatile("cp.async.wait_group %0;\n" ::"n"(N));
}

// Four 8x8 b16 matrices; lanes 8i..8i+7 give the row addresses of matrix i,
// and each lane receives (row lane/4, cols 2*(lane%4)+{0,1}) of each matrix.
__device__ __forceinline__ void ldmatrix_x4(uint32_t (&r)[4], const bf16* p) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(smem_u32(p)));
}

// Same, transposed: each lane receives (rows 2*(lane%4)+{0,1}, col lane/4).
__device__ __forceinline__ void ldmatrix_x4_trans(uint32_t (&r)[4], const bf16* p) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(smem_u32(p)));
}

// d += a(16x16, row) * b(16x8, col), bf16 in, fp32 accumulate.
__device__ __forceinline__ void mma_16816(float (&d)[4], const uint32_t (&a)[4], uint32_t b0,
                                          uint32_t b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
      "{%0,%1,%2,%3};\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

#else  // !__CUDACC__: the CPU emulator of kernels/cuda/emu (g++, a fiber per
       // thread, warps meet at __syncwarp). Same semantics, plain C++; the
       // copies land at once, which cp.async allows.

__device__ __forceinline__ void cp_async_16(void* smem, const void* gmem, bool valid) {
  if (valid) memcpy(smem, gmem, 16);
  else memset(smem, 0, 16);
}

__device__ __forceinline__ void cp_async_4(void* smem, const void* gmem, bool valid) {
  if (valid) memcpy(smem, gmem, 4);
  else memset(smem, 0, 4);
}

__device__ __forceinline__ void cp_async_commit() {}

template <int N>
__device__ __forceinline__ void cp_async_wait() {}

// ldmatrix: every lane publishes its row address, then reads the rows it needs.
__device__ __forceinline__ void emu_ldmatrix(uint32_t (&r)[4], const bf16* p, bool trans) {
  static const bf16* addr[kNWarps][32];
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, g = lane >> 2, t = lane & 3;
  __syncwarp();
  addr[warp][lane] = p;
  __syncwarp();
  for (int i = 0; i < 4; ++i) {
    const bf16 lo = trans ? addr[warp][8 * i + 2 * t][g] : addr[warp][8 * i + g][2 * t];
    const bf16 hi = trans ? addr[warp][8 * i + 2 * t + 1][g] : addr[warp][8 * i + g][2 * t + 1];
    r[i] = uint32_t(lo.x) | uint32_t(hi.x) << 16;
  }
}
__device__ __forceinline__ void ldmatrix_x4(uint32_t (&r)[4], const bf16* p) { emu_ldmatrix(r, p, false); }
__device__ __forceinline__ void ldmatrix_x4_trans(uint32_t (&r)[4], const bf16* p) { emu_ldmatrix(r, p, true); }

// mma m16n8k16: every lane publishes its fragments, then computes its four
// outputs from the PTX ISA fragment layouts (fp32 sums in k order).
__device__ __forceinline__ float emu_bf16_at(uint32_t pair, int k) {
  const uint32_t u = (k & 1) ? (pair & 0xffff0000u) : (pair << 16);
  float f;
  memcpy(&f, &u, 4);
  return f;
}
__device__ __forceinline__ void mma_16816(float (&d)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
  static uint32_t xa[kNWarps][32][4], xb[kNWarps][32][2];
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, g = lane >> 2, t = lane & 3;
  __syncwarp();
  for (int i = 0; i < 4; ++i) xa[warp][lane][i] = a[i];
  xb[warp][lane][0] = b0;
  xb[warp][lane][1] = b1;
  __syncwarp();
  for (int j = 0; j < 4; ++j) {
    const int row = g + 8 * (j >> 1), col = 2 * t + (j & 1);
    float sum = 0.f;
    for (int k = 0; k < 16; ++k) {
      const int kl = (k & 7) >> 1;  // thread-in-group that holds column/row k
      const float av = emu_bf16_at(xa[warp][(row & 7) * 4 + kl][(row >> 3) + ((k >> 3) << 1)], k);
      const float bv = emu_bf16_at(xb[warp][col * 4 + kl][k >> 3], k);
      sum += av * bv;
    }
    d[j] += sum;
  }
}

#endif  // __CUDACC__

// Two floats -> bf16x2 (round to nearest even); lo in the low 16 bits.
__device__ __forceinline__ uint32_t pack_bf16x2(float lo, float hi) {
  __nv_bfloat162 v = __floats2bfloat162_rn(lo, hi);
  return *reinterpret_cast<uint32_t*>(&v);
}

// 16-byte vector and bit casts that also build for the CPU emulator.
#ifdef __CUDACC__
typedef uint4 u128;
__device__ __forceinline__ float u32_as_f32(uint32_t u) { return __uint_as_float(u); }
__device__ __forceinline__ void atomic_add_f32(float* p, float v) { atomicAdd(p, v); }
#else
struct alignas(16) u128 {
  uint32_t x, y, z, w;
};
__device__ __forceinline__ float u32_as_f32(uint32_t u) {
  float f;
  memcpy(&f, &u, 4);
  return f;
}
// Emulated threads switch only at barriers, so a plain add is atomic there.
__device__ __forceinline__ void atomic_add_f32(float* p, float v) { *p += v; }
#endif

__device__ __forceinline__ float to_f32(float x) { return x; }
__device__ __forceinline__ float to_f32(bf16 x) { return __bfloat162float(x); }

__device__ __forceinline__ void store2(float* p, float a, float b) {
  *reinterpret_cast<float2*>(p) = float2{a, b};
}
__device__ __forceinline__ void store2(bf16* p, float a, float b) {
  *reinterpret_cast<__nv_bfloat162*>(p) = __floats2bfloat162_rn(a, b);
}

// p[0] += a, p[1] += b (plain read-modify-write: exactly one thread owns p).
__device__ __forceinline__ void add2(float* p, float a, float b) {
  float2 v = *reinterpret_cast<float2*>(p);
  *reinterpret_cast<float2*>(p) = float2{v.x + a, v.y + b};
}
__device__ __forceinline__ void add2(bf16* p, float a, float b) {
  __nv_bfloat162 v = *reinterpret_cast<__nv_bfloat162*>(p);
  *reinterpret_cast<__nv_bfloat162*>(p) =
      __floats2bfloat162_rn(__bfloat162float(v.x) + a, __bfloat162float(v.y) + b);
}
__device__ __forceinline__ void add1(float* p, float a) { *p += a; }
__device__ __forceinline__ void add1(bf16* p, float a) {
  *p = __float2bfloat16_rn(__bfloat162float(*p) + a);
}

// [L1] Loads rows row0..row0+ROWS-1 (one head: Dh columns from column col)
// of a [B*T, ld] bf16 matrix into a padded smem tile; rows >= T are
// zero-filled.
template <int Dh, int ROWS>
__device__ __forceinline__ void load_tile(bf16* sTile, const bf16* g, int64_t rowBase, int row0,
                                          int T, int ld, int col, int tid) {
  constexpr int kChunksPerRow = Dh / 8;  // 16-byte chunks
  constexpr int kChunks = ROWS * kChunksPerRow;
  static_assert(kChunks % kNThreads == 0, "tile chunks must split evenly over the CTA");
#pragma unroll
  for (int i = 0; i < kChunks / kNThreads; ++i) {
    const int c = tid + i * kNThreads;
    const int r = c / kChunksPerRow;
    const int cc = (c % kChunksPerRow) * 8;
    const int row = row0 + r;
    const bool valid = row < T;
    const bf16* src = g + (rowBase + (valid ? row : 0)) * ld + col + cc;
    cp_async_16(sTile + r * Smem<Dh>::kStride + cc, src, valid);
  }
}

// [L2] Loads ROWS row statistics (lse or Dsum) g[row0..row0+ROWS-1] into
// smem; rows >= T are zero-filled.
template <int ROWS>
__device__ __forceinline__ void load_stats(float* s, const float* g, int row0, int T, int tid) {
  static_assert(ROWS <= kNThreads, "one statistic per thread");
  if (tid < ROWS) {
    const int row = row0 + tid;
    const bool valid = row < T;
    cp_async_4(s + tid, g + (valid ? row : 0), valid);
  }
}

// [L3] acc[mt][nb] += A(16*MT rows of sA from row a0, Dh wide) * B^T where
// B is BN rows of sB (row-major, Dh wide): the S = Q K^T pattern. Each B
// fragment feeds 2*MT mma.
template <int Dh, int MT, int BN>
__device__ __forceinline__ void gemm_abt(float (&acc)[MT][BN / 8][4], const bf16* sA, int a0,
                                         const bf16* sB, int lane) {
  constexpr int S = Smem<Dh>::kStride;
#pragma unroll
  for (int kk = 0; kk < Dh / 16; ++kk) {
    uint32_t a[MT][4];
#pragma unroll
    for (int mt = 0; mt < MT; ++mt)
      ldmatrix_x4(a[mt], sA + (a0 + mt * 16 + (lane & 15)) * S + kk * 16 + (lane >> 4) * 8);
#pragma unroll
    for (int nb2 = 0; nb2 < BN / 16; ++nb2) {
      uint32_t b[4];
      ldmatrix_x4(b, sB + (nb2 * 16 + (lane & 7) + ((lane >> 4) << 3)) * S + kk * 16 +
                         ((lane >> 3) & 1) * 8);
#pragma unroll
      for (int mt = 0; mt < MT; ++mt) {
        mma_16816(acc[mt][2 * nb2], a[mt], b[0], b[1]);
        mma_16816(acc[mt][2 * nb2 + 1], a[mt], b[2], b[3]);
      }
    }
  }
}

// [L4] acc[mt][nd] += P * B where P (16*MT x BN) is in registers in the
// accumulator layout of gemm_abt and B is BN rows of sB (row-major, Dh
// wide): the O += P V pattern. The accumulator fragment of two adjacent
// n-blocks is exactly the A fragment of one k16 step, so P never leaves
// registers.
template <int Dh, int MT, int BN>
__device__ __forceinline__ void gemm_pb(float (&acc)[MT][Dh / 8][4],
                                        const float (&p)[MT][BN / 8][4], const bf16* sB, int lane) {
  constexpr int S = Smem<Dh>::kStride;
#pragma unroll
  for (int kk = 0; kk < BN / 16; ++kk) {
    uint32_t a[MT][4];
#pragma unroll
    for (int mt = 0; mt < MT; ++mt) {
      a[mt][0] = pack_bf16x2(p[mt][2 * kk][0], p[mt][2 * kk][1]);
      a[mt][1] = pack_bf16x2(p[mt][2 * kk][2], p[mt][2 * kk][3]);
      a[mt][2] = pack_bf16x2(p[mt][2 * kk + 1][0], p[mt][2 * kk + 1][1]);
      a[mt][3] = pack_bf16x2(p[mt][2 * kk + 1][2], p[mt][2 * kk + 1][3]);
    }
#pragma unroll
    for (int nd2 = 0; nd2 < Dh / 16; ++nd2) {
      uint32_t b[4];
      ldmatrix_x4_trans(b, sB + (kk * 16 + (lane & 7) + ((lane >> 3) & 1) * 8) * S + nd2 * 16 +
                               (lane >> 4) * 8);
#pragma unroll
      for (int mt = 0; mt < MT; ++mt) {
        mma_16816(acc[mt][2 * nd2], a[mt], b[0], b[1]);
        mma_16816(acc[mt][2 * nd2 + 1], a[mt], b[2], b[3]);
      }
    }
  }
}

template <int A, int B, int C>
__device__ __forceinline__ void zero(float (&x)[A][B][C]) {
#pragma unroll
  for (int i = 0; i < A; ++i)
#pragma unroll
    for (int j = 0; j < B; ++j)
#pragma unroll
      for (int k = 0; k < C; ++k) x[i][j][k] = 0.f;
}

// ---------------------------------------------------------------- forward

// Grid (ceil(T/kRows), B*H), 128 threads, SmemBytes<Dh>::kFwd dynamic smem.
template <int Dh, typename OutT>
__device__ __forceinline__ void fwd_body(const bf16* __restrict__ qkv, OutT* __restrict__ out,
                                         float* __restrict__ lse, int T, int H, float scale) {
  constexpr int MT = Traits<Dh>::kFwdMT, BN = Traits<Dh>::kFwdBN;
  constexpr int kRows = kNWarps * 16 * MT;  // query rows per CTA
  constexpr int kTileQ = kRows * Smem<Dh>::kStride;
  constexpr int kTileKV = BN * Smem<Dh>::kStride;
  extern __shared__ float4 smem_raw[];
  bf16* sQ = reinterpret_cast<bf16*>(smem_raw);
  bf16* sK = sQ + kTileQ;       // 2 stages
  bf16* sV = sK + 2 * kTileKV;  // 2 stages

  const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
  const int g = lane >> 2, t4 = lane & 3;  // mma groupID and thread-in-group
  const int m_block = gridDim.x - 1 - blockIdx.x;  // [F1] heaviest causal blocks first
  const int bh = blockIdx.y, b = bh / H, h = bh % H;
  const int C = H * Dh, ld = 3 * C;
  const int64_t rowBase = (int64_t)b * T;
  const int m0 = m_block * kRows;
  const int w0 = m0 + warp * 16 * MT;  // this warp's first row
  // [F2] causal skip: key tiles past the last query of this block are never loaded.
  const int n_blocks = min((T + BN - 1) / BN, (m0 + kRows + BN - 1) / BN);
  const float scale_log2 = scale * kLog2e;

  // [F3] prologue: Q and the first K, V tile in one group.
  load_tile<Dh, kRows>(sQ, qkv, rowBase, m0, T, ld, h * Dh, tid);
  load_tile<Dh, BN>(sK, qkv, rowBase, 0, T, ld, C + h * Dh, tid);
  load_tile<Dh, BN>(sV, qkv, rowBase, 0, T, ld, 2 * C + h * Dh, tid);
  cp_async_commit();

  float acc_o[MT][Dh / 8][4];
  zero(acc_o);
  float row_max[2 * MT], row_sum[2 * MT];  // rows (mt, g + 8*half) at [2*mt + half]
#pragma unroll
  for (int r = 0; r < 2 * MT; ++r) {
    row_max[r] = -INFINITY;  // raw (unscaled) units
    row_sum[r] = 0.f;        // this thread's partial sum
  }

  for (int n = 0; n < n_blocks; ++n) {
    const int stage = n & 1;
    // [F4] prefetch the next K, V tile into the other stage (freed by the
    // barrier at the end of the previous iteration).
    if (n + 1 < n_blocks) {
      load_tile<Dh, BN>(sK + (stage ^ 1) * kTileKV, qkv, rowBase, (n + 1) * BN, T, ld, C + h * Dh, tid);
      load_tile<Dh, BN>(sV + (stage ^ 1) * kTileKV, qkv, rowBase, (n + 1) * BN, T, ld, 2 * C + h * Dh,
                        tid);
    }
    cp_async_commit();  // possibly empty: keeps the group count uniform
    cp_async_wait<1>();
    __syncthreads();
    const bf16* sKs = sK + stage * kTileKV;
    const bf16* sVs = sV + stage * kTileKV;

    // [F5] S = Q K^T for this warp's 16*MT query rows and the tile's BN keys.
    float acc_s[MT][BN / 8][4];
    zero(acc_s);
    gemm_abt<Dh, MT, BN>(acc_s, sQ, warp * 16 * MT, sKs, lane);

    // [F6] mask: only tiles that reach the diagonal or the sequence end.
    // (For rows < T, col >= T already implies col > row; the extra test only
    // keeps the padding rows >= T, which are never stored, tidy.)
    const int n0 = n * BN;
    if (n0 + BN > m0 || n0 + BN > T) {
#pragma unroll
      for (int mt = 0; mt < MT; ++mt)
#pragma unroll
        for (int nb = 0; nb < BN / 8; ++nb)
#pragma unroll
          for (int c = 0; c < 4; ++c) {
            const int col = n0 + nb * 8 + 2 * t4 + (c & 1);
            const int row = w0 + mt * 16 + g + 8 * (c >> 1);
            if (col > row || col >= T) acc_s[mt][nb][c] = -INFINITY;
          }
    }

    // [F7] online softmax: new row max over the quad, rescale, exponentiate.
    float corr[2 * MT];
#pragma unroll
    for (int r = 0; r < 2 * MT; ++r) {
      const int mt = r >> 1, half = r & 1;
      float mx = row_max[r];
#pragma unroll
      for (int nb = 0; nb < BN / 8; ++nb)
        mx = fmaxf(mx, fmaxf(acc_s[mt][nb][2 * half], acc_s[mt][nb][2 * half + 1]));
      mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
      mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
      const float base = (mx == -INFINITY) ? 0.f : mx * scale_log2;
      corr[r] = exp2f(row_max[r] * scale_log2 - base);
      row_max[r] = mx;
      float sum = 0.f;
#pragma unroll
      for (int nb = 0; nb < BN / 8; ++nb)
#pragma unroll
        for (int c = 2 * half; c < 2 * half + 2; ++c) {
          const float p = exp2f(acc_s[mt][nb][c] * scale_log2 - base);
          acc_s[mt][nb][c] = p;
          sum += p;
        }
      row_sum[r] = row_sum[r] * corr[r] + sum;
    }
    // [F8] rescale the output accumulator, then O += P V.
#pragma unroll
    for (int mt = 0; mt < MT; ++mt)
#pragma unroll
      for (int nd = 0; nd < Dh / 8; ++nd) {
        acc_o[mt][nd][0] *= corr[2 * mt];
        acc_o[mt][nd][1] *= corr[2 * mt];
        acc_o[mt][nd][2] *= corr[2 * mt + 1];
        acc_o[mt][nd][3] *= corr[2 * mt + 1];
      }
    gemm_pb<Dh, MT, BN>(acc_o, acc_s, sVs, lane);
    __syncthreads();  // [F9] every warp is done with this stage before it is refilled
  }

  // [F10] epilogue: finish the row sums over the quad, normalise, store O and lse.
#pragma unroll
  for (int r = 0; r < 2 * MT; ++r) {
    const int mt = r >> 1, half = r & 1;
    float s = row_sum[r];
    s += __shfl_xor_sync(0xffffffffu, s, 1);
    s += __shfl_xor_sync(0xffffffffu, s, 2);
    const float inv = 1.f / s;
    const int row = w0 + mt * 16 + g + 8 * half;
    if (row < T) {
      if (t4 == 0) lse[(int64_t)bh * T + row] = row_max[r] * scale + logf(s);
      OutT* o = out + (rowBase + row) * C + h * Dh + 2 * t4;
#pragma unroll
      for (int nd = 0; nd < Dh / 8; ++nd)
        store2(o + nd * 8, acc_o[mt][nd][2 * half] * inv, acc_o[mt][nd][2 * half + 1] * inv);
    }
  }
}

// ---------------------------------------------------------------- backward

// [B1] Dsum[b,h,t] = sum_d dO[bt, h*Dh+d] * O[bt, h*Dh+d] in fp32; when
// dout_bf16 is non-null also writes dO as bf16 there (for f32 dout).
// L = Dh/8 consecutive lanes share one (row, head): each reads 8 adjacent
// elements (16-byte loads for bf16), so a warp reads 32*8 contiguous
// elements; the L partial sums meet by shfl_xor. Grid ceil(B*T*H*L / 128),
// 128 threads.
__device__ __forceinline__ void load8(const bf16* p, float (&v)[8]) {
  const u128 u = *reinterpret_cast<const u128*>(p);
  const uint32_t w[4] = {u.x, u.y, u.z, u.w};
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    v[2 * i] = u32_as_f32(w[i] << 16);
    v[2 * i + 1] = u32_as_f32(w[i] & 0xffff0000u);
  }
}
__device__ __forceinline__ void load8(const float* p, float (&v)[8]) {
  const float4 a = *reinterpret_cast<const float4*>(p);
  const float4 b = *reinterpret_cast<const float4*>(p + 4);
  v[0] = a.x, v[1] = a.y, v[2] = a.z, v[3] = a.w, v[4] = b.x, v[5] = b.y, v[6] = b.z, v[7] = b.w;
}

template <int Dh, typename InT>
__device__ __forceinline__ void bwd_pre_body(const InT* __restrict__ out,
                                             const InT* __restrict__ dout, float* __restrict__ dsum,
                                             bf16* __restrict__ dout_bf16, int BT, int T, int H) {
  constexpr int L = Dh / 8;  // lanes per (row, head), a power of two <= 32
  const int64_t tid = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  const int64_t gid = tid / L;  // (row, head) pair
  const int li = (int)(tid % L);
  const bool active = gid < (int64_t)BT * H;  // inactive lanes still join the shuffles
  const int64_t base = (active ? gid : 0) * Dh + li * 8;  // row*C + h*Dh + li*8
  float acc = 0.f;
  if (active) {
    float o[8], dy[8];
    load8(out + base, o);
    load8(dout + base, dy);
#pragma unroll
    for (int i = 0; i < 8; ++i) acc += dy[i] * o[i];
    if (dout_bf16 != nullptr) {
      u128 u;
      u.x = pack_bf16x2(dy[0], dy[1]);
      u.y = pack_bf16x2(dy[2], dy[3]);
      u.z = pack_bf16x2(dy[4], dy[5]);
      u.w = pack_bf16x2(dy[6], dy[7]);
      *reinterpret_cast<u128*>(dout_bf16 + base) = u;
    }
  }
#pragma unroll
  for (int off = L / 2; off > 0; off /= 2) acc += __shfl_xor_sync(0xffffffffu, acc, off);
  if (active && li == 0) {
    const int64_t row = gid / H;
    const int h = (int)(gid % H);
    const int b = (int)(row / T), t = (int)(row % T);
    dsum[((int64_t)b * H + h) * T + t] = acc;
  }
}

// [B2] dK, dV for one key block of kKeys = 64*MT keys. Grid
// (ceil(T/kKeys), B*H), 128 threads, SmemBytes<Dh>::kDkdv dynamic smem.
// Warp w owns keys n0+16*MT*w.. and computes S^T = K Q^T and dP^T = V dO^T
// so that P^T and dS^T are already in the A-operand layout for
// dV += P^T dO and dK += dS^T Q. Query tiles of BN rows stream through.
// With ATOMIC_DQ it also adds this key block's share of dQ into dq_accum.
template <int Dh, typename GradT, bool ATOMIC_DQ>
__device__ __forceinline__ void bwd_dkdv_body(const bf16* __restrict__ qkv,
                                              const bf16* __restrict__ dout,
                                              const float* __restrict__ lse,
                                              const float* __restrict__ dsum,
                                              GradT* __restrict__ dqkv, float* __restrict__ dq_accum,
                                              int T, int H, float scale) {
  constexpr int MT = Traits<Dh>::kKvMT, BN = Traits<Dh>::kKvBN;
  constexpr int kKeys = kNWarps * 16 * MT;
  constexpr int kTileK = kKeys * Smem<Dh>::kStride;
  constexpr int kTileQ = BN * Smem<Dh>::kStride;
  extern __shared__ float4 smem_raw[];
  bf16* sK = reinterpret_cast<bf16*>(smem_raw);
  bf16* sV = sK + kTileK;
  bf16* sQ = sV + kTileK;        // 2 stages
  bf16* sdO = sQ + 2 * kTileQ;   // 2 stages
  float* sLse = reinterpret_cast<float*>(sdO + 2 * kTileQ);  // 2 stages of BN
  float* sD = sLse + 2 * BN;                                  // 2 stages of BN
  constexpr int SS = BN + 8;                                  // row stride of sdST
  bf16* sdST = reinterpret_cast<bf16*>(sD + 2 * BN);          // [kKeys][SS], ATOMIC_DQ only

  const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
  const int g = lane >> 2, t4 = lane & 3;
  const int n_block = blockIdx.x;  // [B3] key block 0 has the most work: it goes first
  const int bh = blockIdx.y, b = bh / H, h = bh % H;
  const int C = H * Dh, ld = 3 * C;
  const int64_t rowBase = (int64_t)b * T;
  const float* lse_bh = lse + (int64_t)bh * T;
  const float* dsum_bh = dsum + (int64_t)bh * T;
  const int n0 = n_block * kKeys;
  const int w0 = n0 + warp * 16 * MT;  // this warp's first key
  const int m_begin = n0 / BN;  // [B4] causal skip: query tiles before the diagonal
  const int m_blocks = (T + BN - 1) / BN;
  const float scale_log2 = scale * kLog2e;

  // [B5] prologue: this block's K, V and the first Q, dO, lse, D tile.
  load_tile<Dh, kKeys>(sK, qkv, rowBase, n0, T, ld, C + h * Dh, tid);
  load_tile<Dh, kKeys>(sV, qkv, rowBase, n0, T, ld, 2 * C + h * Dh, tid);
  load_tile<Dh, BN>(sQ, qkv, rowBase, m_begin * BN, T, ld, h * Dh, tid);
  load_tile<Dh, BN>(sdO, dout, rowBase, m_begin * BN, T, C, h * Dh, tid);
  load_stats<BN>(sLse, lse_bh, m_begin * BN, T, tid);
  load_stats<BN>(sD, dsum_bh, m_begin * BN, T, tid);
  cp_async_commit();

  float acc_dk[MT][Dh / 8][4], acc_dv[MT][Dh / 8][4];
  zero(acc_dk);
  zero(acc_dv);

  for (int m = m_begin; m < m_blocks; ++m) {
    const int stage = (m - m_begin) & 1;
    // [B6] prefetch the next query tile into the other stage.
    if (m + 1 < m_blocks) {
      const int nm0 = (m + 1) * BN;
      load_tile<Dh, BN>(sQ + (stage ^ 1) * kTileQ, qkv, rowBase, nm0, T, ld, h * Dh, tid);
      load_tile<Dh, BN>(sdO + (stage ^ 1) * kTileQ, dout, rowBase, nm0, T, C, h * Dh, tid);
      load_stats<BN>(sLse + (stage ^ 1) * BN, lse_bh, nm0, T, tid);
      load_stats<BN>(sD + (stage ^ 1) * BN, dsum_bh, nm0, T, tid);
    }
    cp_async_commit();
    cp_async_wait<1>();
    __syncthreads();
    const bf16* sQs = sQ + stage * kTileQ;
    const bf16* sdOs = sdO + stage * kTileQ;
    const float* sLses = sLse + stage * BN;
    const float* sDs = sD + stage * BN;
    const int m0 = m * BN;

    // [B7] S^T = K Q^T and dP^T = V dO^T: rows are this warp's 16*MT keys, columns the BN queries.
    float acc_s[MT][BN / 8][4], acc_dp[MT][BN / 8][4];
    zero(acc_s);
    zero(acc_dp);
    gemm_abt<Dh, MT, BN>(acc_s, sK, warp * 16 * MT, sQs, lane);
    gemm_abt<Dh, MT, BN>(acc_dp, sV, warp * 16 * MT, sdOs, lane);

    // [B8] P^T = exp(S^T*scale - lse[q]) masked; dS^T = P^T (dP^T - D[q]).
    // Padding queries q >= T have zero Q, dO, lse and D, so they add nothing
    // even unmasked; the mask states it rather than relying on it.
    const bool need_mask = m0 < n0 + kKeys || m0 + BN > T;
#pragma unroll
    for (int mt = 0; mt < MT; ++mt)
#pragma unroll
      for (int nb = 0; nb < BN / 8; ++nb)
#pragma unroll
        for (int c = 0; c < 4; ++c) {
          const int q = nb * 8 + 2 * t4 + (c & 1);  // query within the tile
          const int key = w0 + mt * 16 + g + 8 * (c >> 1);
          float p = exp2f(acc_s[mt][nb][c] * scale_log2 - sLses[q] * kLog2e);
          if (need_mask && (key > m0 + q || m0 + q >= T)) p = 0.f;
          acc_dp[mt][nb][c] = p * (acc_dp[mt][nb][c] - sDs[q]);
          acc_s[mt][nb][c] = p;
        }

    if constexpr (ATOMIC_DQ) {
      // [B8a] dS^T to smem as bf16 (rows = the CTA's keys) for the dQ product.
#pragma unroll
      for (int mt = 0; mt < MT; ++mt)
#pragma unroll
        for (int nb = 0; nb < BN / 8; ++nb)
#pragma unroll
          for (int half = 0; half < 2; ++half) {
            const int kl = warp * 16 * MT + mt * 16 + g + 8 * half;  // key within the block
            *reinterpret_cast<uint32_t*>(sdST + kl * SS + nb * 8 + 2 * t4) =
                pack_bf16x2(acc_dp[mt][nb][2 * half], acc_dp[mt][nb][2 * half + 1]);
          }
      __syncthreads();
    }

    // [B9] dV += P^T dO, dK += dS^T Q (scale applied at the end).
    gemm_pb<Dh, MT, BN>(acc_dv, acc_s, sdOs, lane);
    gemm_pb<Dh, MT, BN>(acc_dk, acc_dp, sQs, lane);

    if constexpr (ATOMIC_DQ) {
      // [B9a] dq_accum[q] += dS K over the block's kKeys keys. Warp w owns
      // query m16 tile w % kQTiles and kCols of the Dh columns.
      constexpr int kQTiles = BN / 16, kSplit = kNWarps / kQTiles, kCols = Dh / kSplit;
      static_assert(kNWarps % kQTiles == 0 && kCols % 16 == 0, "dQ work split");
      constexpr int S = Smem<Dh>::kStride;
      const int mq = warp % kQTiles, c0 = (warp / kQTiles) * kCols;
      float acc_q[1][kCols / 8][4];
      zero(acc_q);
#pragma unroll
      for (int kk = 0; kk < kKeys / 16; ++kk) {
        uint32_t a[4];  // A = dS (rows q, cols keys) read transposed from dS^T
        ldmatrix_x4_trans(a, sdST + (kk * 16 + (lane & 7) + ((lane >> 4) << 3)) * SS + mq * 16 +
                                 ((lane >> 3) & 1) * 8);
#pragma unroll
        for (int nd2 = 0; nd2 < kCols / 16; ++nd2) {
          uint32_t b[4];
          ldmatrix_x4_trans(b, sK + (kk * 16 + (lane & 7) + ((lane >> 3) & 1) * 8) * S + c0 +
                                   nd2 * 16 + (lane >> 4) * 8);
          mma_16816(acc_q[0][2 * nd2], a, b[0], b[1]);
          mma_16816(acc_q[0][2 * nd2 + 1], a, b[2], b[3]);
        }
      }
#pragma unroll
      for (int half = 0; half < 2; ++half) {
        const int q = m0 + mq * 16 + g + 8 * half;
        if (q < T) {
          float* dst = dq_accum + (rowBase + q) * C + h * Dh + c0 + 2 * t4;
#pragma unroll
          for (int nd = 0; nd < kCols / 8; ++nd) {
            atomic_add_f32(dst + nd * 8, acc_q[0][nd][2 * half]);
            atomic_add_f32(dst + nd * 8 + 1, acc_q[0][nd][2 * half + 1]);
          }
        }
      }
    }
    __syncthreads();  // [B10] stage (and sdST) free for the next iteration
  }

  // [B11] epilogue: dqkv[k] += scale * dK, dqkv[v] += dV for keys < T.
#pragma unroll
  for (int r = 0; r < 2 * MT; ++r) {
    const int mt = r >> 1, half = r & 1;
    const int key = w0 + mt * 16 + g + 8 * half;
    if (key < T) {
      GradT* dk = dqkv + (rowBase + key) * ld + C + h * Dh + 2 * t4;
      GradT* dv = dk + C;
#pragma unroll
      for (int nd = 0; nd < Dh / 8; ++nd) {
        add2(dk + nd * 8, acc_dk[mt][nd][2 * half] * scale, acc_dk[mt][nd][2 * half + 1] * scale);
        add2(dv + nd * 8, acc_dv[mt][nd][2 * half], acc_dv[mt][nd][2 * half + 1]);
      }
    }
  }
}

// [B12] dQ for one query block of kRows = 64*MT rows. Grid
// (ceil(T/kRows), B*H), 128 threads, SmemBytes<Dh>::kDq dynamic smem.
template <int Dh, typename GradT>
__device__ __forceinline__ void bwd_dq_body(const bf16* __restrict__ qkv,
                                            const bf16* __restrict__ dout,
                                            const float* __restrict__ lse,
                                            const float* __restrict__ dsum,
                                            GradT* __restrict__ dqkv, int T, int H, float scale) {
  constexpr int MT = Traits<Dh>::kDqMT, BN = Traits<Dh>::kDqBN;
  constexpr int kRows = kNWarps * 16 * MT;
  constexpr int kTileQ = kRows * Smem<Dh>::kStride;
  constexpr int kTileKV = BN * Smem<Dh>::kStride;
  extern __shared__ float4 smem_raw[];
  bf16* sQ = reinterpret_cast<bf16*>(smem_raw);
  bf16* sdO = sQ + kTileQ;
  bf16* sK = sdO + kTileQ;      // 2 stages
  bf16* sV = sK + 2 * kTileKV;  // 2 stages

  const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
  const int g = lane >> 2, t4 = lane & 3;
  const int m_block = gridDim.x - 1 - blockIdx.x;  // [B13] heaviest first
  const int bh = blockIdx.y, b = bh / H, h = bh % H;
  const int C = H * Dh, ld = 3 * C;
  const int64_t rowBase = (int64_t)b * T;
  const int m0 = m_block * kRows;
  const int w0 = m0 + warp * 16 * MT;
  const int n_blocks = min((T + BN - 1) / BN, (m0 + kRows + BN - 1) / BN);
  const float scale_log2 = scale * kLog2e;

  // [B14] prologue: Q, dO of this block and the first K, V tile.
  load_tile<Dh, kRows>(sQ, qkv, rowBase, m0, T, ld, h * Dh, tid);
  load_tile<Dh, kRows>(sdO, dout, rowBase, m0, T, C, h * Dh, tid);
  load_tile<Dh, BN>(sK, qkv, rowBase, 0, T, ld, C + h * Dh, tid);
  load_tile<Dh, BN>(sV, qkv, rowBase, 0, T, ld, 2 * C + h * Dh, tid);
  cp_async_commit();

  // [B15] this thread's rows' lse (log2 units) and D.
  float lse2[2 * MT], drow[2 * MT];
#pragma unroll
  for (int r = 0; r < 2 * MT; ++r) {
    const int row = w0 + (r >> 1) * 16 + g + 8 * (r & 1);
    lse2[r] = row < T ? lse[(int64_t)bh * T + row] * kLog2e : 0.f;
    drow[r] = row < T ? dsum[(int64_t)bh * T + row] : 0.f;
  }

  float acc_dq[MT][Dh / 8][4];
  zero(acc_dq);

  for (int n = 0; n < n_blocks; ++n) {
    const int stage = n & 1;
    // [B16] prefetch the next K, V tile.
    if (n + 1 < n_blocks) {
      load_tile<Dh, BN>(sK + (stage ^ 1) * kTileKV, qkv, rowBase, (n + 1) * BN, T, ld, C + h * Dh, tid);
      load_tile<Dh, BN>(sV + (stage ^ 1) * kTileKV, qkv, rowBase, (n + 1) * BN, T, ld, 2 * C + h * Dh,
                        tid);
    }
    cp_async_commit();
    cp_async_wait<1>();
    __syncthreads();
    const bf16* sKs = sK + stage * kTileKV;
    const bf16* sVs = sV + stage * kTileKV;
    const int n0 = n * BN;

    // [B17] S = Q K^T, dP = dO V^T for this warp's 16*MT query rows.
    float acc_s[MT][BN / 8][4], acc_dp[MT][BN / 8][4];
    zero(acc_s);
    zero(acc_dp);
    gemm_abt<Dh, MT, BN>(acc_s, sQ, warp * 16 * MT, sKs, lane);
    gemm_abt<Dh, MT, BN>(acc_dp, sdO, warp * 16 * MT, sVs, lane);

    // [B18] dS = P (dP - D), P = exp(S*scale - lse) masked; dS overwrites acc_s.
    const bool need_mask = n0 + BN > m0 || n0 + BN > T;
#pragma unroll
    for (int mt = 0; mt < MT; ++mt)
#pragma unroll
      for (int nb = 0; nb < BN / 8; ++nb)
#pragma unroll
        for (int c = 0; c < 4; ++c) {
          const int r = 2 * mt + (c >> 1);
          const int col = n0 + nb * 8 + 2 * t4 + (c & 1);
          const int row = w0 + mt * 16 + g + 8 * (c >> 1);
          float p = exp2f(acc_s[mt][nb][c] * scale_log2 - lse2[r]);
          if (need_mask && (col > row || col >= T)) p = 0.f;
          acc_s[mt][nb][c] = p * (acc_dp[mt][nb][c] - drow[r]);
        }

    // [B19] dQ += dS K.
    gemm_pb<Dh, MT, BN>(acc_dq, acc_s, sKs, lane);
    __syncthreads();  // [B20]
  }

  // [B21] epilogue: dqkv[q] += scale * dQ.
#pragma unroll
  for (int r = 0; r < 2 * MT; ++r) {
    const int mt = r >> 1, half = r & 1;
    const int row = w0 + mt * 16 + g + 8 * half;
    if (row < T) {
      GradT* dq = dqkv + (rowBase + row) * ld + h * Dh + 2 * t4;
#pragma unroll
      for (int nd = 0; nd < Dh / 8; ++nd)
        add2(dq + nd * 8, acc_dq[mt][nd][2 * half] * scale, acc_dq[mt][nd][2 * half + 1] * scale);
    }
  }
}

// [B22] dqkv[q columns] += scale * dq_accum, for the atomic-dQ option.
// Grid-stride over the B*T*C elements.
template <typename GradT>
__device__ __forceinline__ void bwd_dq_finalize_body(const float* __restrict__ dq_accum,
                                                     GradT* __restrict__ dqkv, long long n, int C,
                                                     float scale) {
  const long long stride = (long long)gridDim.x * blockDim.x;
  for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
    const long long row = i / C;
    const int c = (int)(i % C);
    add1(dqkv + row * 3 * C + c, scale * dq_accum[i]);
  }
}

}  // namespace flash

// ---------------------------------------------------------------- entry points
// Stable unmangled names for the PTX module: <kernel>_d<Dh>_<dtype>.

#define FLASH_ENTRIES(DH, TN, TY)                                                               \
  extern "C" __global__ void FLASH_LAUNCH_BOUNDS                                \
      flash_attn_fwd_d##DH##_##TN(const bf16* qkv, TY* out, float* lse, int T, int H,           \
                                  float scale) {                                                \
    flash::fwd_body<DH, TY>(qkv, out, lse, T, H, scale);                                        \
  }                                                                                             \
  extern "C" __global__ void FLASH_LAUNCH_BOUNDS                                \
      flash_attn_bwd_pre_d##DH##_##TN(const TY* out, const TY* dout, float* dsum,               \
                                      bf16* dout_bf16, int BT, int T, int H) {                  \
    flash::bwd_pre_body<DH, TY>(out, dout, dsum, dout_bf16, BT, T, H);                          \
  }                                                                                             \
  extern "C" __global__ void FLASH_LAUNCH_BOUNDS                                \
      flash_attn_bwd_dkdv_d##DH##_##TN(const bf16* qkv, const bf16* dout, const float* lse,     \
                                       const float* dsum, TY* dqkv, int T, int H, float scale) { \
    flash::bwd_dkdv_body<DH, TY, false>(qkv, dout, lse, dsum, dqkv, nullptr, T, H, scale);      \
  }                                                                                             \
  extern "C" __global__ void FLASH_LAUNCH_BOUNDS                                \
      flash_attn_bwd_dkdv_atomic_d##DH##_##TN(const bf16* qkv, const bf16* dout,                \
                                              const float* lse, const float* dsum, TY* dqkv,    \
                                              float* dq_accum, int T, int H, float scale) {     \
    flash::bwd_dkdv_body<DH, TY, true>(qkv, dout, lse, dsum, dqkv, dq_accum, T, H, scale);      \
  }                                                                                             \
  extern "C" __global__ void FLASH_LAUNCH_BOUNDS                                \
      flash_attn_bwd_dq_d##DH##_##TN(const bf16* qkv, const bf16* dout, const float* lse,       \
                                     const float* dsum, TY* dqkv, int T, int H, float scale) {   \
    flash::bwd_dq_body<DH, TY>(qkv, dout, lse, dsum, dqkv, T, H, scale);                        \
  }

FLASH_ENTRIES(32, bf16, bf16)
FLASH_ENTRIES(32, f32, float)
FLASH_ENTRIES(64, bf16, bf16)
FLASH_ENTRIES(64, f32, float)
FLASH_ENTRIES(128, bf16, bf16)
FLASH_ENTRIES(128, f32, float)

extern "C" __global__ void flash_attn_bwd_dq_finalize_bf16(const float* dq_accum, bf16* dqkv,
                                                           long long n, int C, float scale) {
  flash::bwd_dq_finalize_body<bf16>(dq_accum, dqkv, n, C, scale);
}
extern "C" __global__ void flash_attn_bwd_dq_finalize_f32(const float* dq_accum, float* dqkv,
                                                          long long n, int C, float scale) {
  flash::bwd_dq_finalize_body<float>(dq_accum, dqkv, n, C, scale);
}

// Casts n floats to bf16 (round to nearest even): f32 qkv before the forward.
extern "C" __global__ void flash_attn_cast_f32_bf16(const float* in, bf16* out, long long n) {
  const long long stride = (long long)gridDim.x * blockDim.x;
  for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride)
    out[i] = __float2bfloat16_rn(in[i]);
}

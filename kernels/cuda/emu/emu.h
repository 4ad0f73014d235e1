// emu.h: a CPU emulator for this repository's CUDA kernels, for tests
// without a GPU. It is force-included (g++ -include emu.h) before each
// kernel source, so the .cu files compile unchanged as C++ (the only
// rewrite, done by the Go test that builds it, turns `extern __shared__ T
// name[];` into a pointer to the block's dynamic shared memory).
//
// Every CUDA thread of a block is a fiber; blocks run one after another. __syncthreads and the warp primitives (__shfl_xor_sync,
// __ballot_sync, __syncthreads_or) are barriers: a fiber waits until every
// live thread of its block (or warp) arrives, so a kernel whose threads
// disagree about barriers deadlocks here and is reported, instead of
// silently working. `__shared__` variables become function statics: one
// copy per kernel instantiation, shared by the block's threads (blocks run
// sequentially, so that is the block's shared memory).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <csetjmp>
#include <functional>
#include <string>
#include <ucontext.h>
#include <vector>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __shared__ static
#define __align__(n) alignas(n)
#define __restrict__

using std::max;
using std::min;

struct uint3 {
    unsigned x, y, z;
};
struct dim3 {
    unsigned x, y, z;
};
struct alignas(16) int4 {
    int x, y, z, w;
};
struct alignas(16) float4 {
    float x, y, z, w;
};
struct alignas(8) uint2 {
    unsigned x, y;
};
struct alignas(8) float2 {
    float x, y;
};
inline float4 make_float4(float a, float b, float c, float d) { return float4{a, b, c, d}; }
inline float rsqrtf(float x) { return 1.0f / std::sqrt(x); }

// ---- the scheduler ---------------------------------------------------------

namespace emu {

enum State { Runnable, WaitWarp, WaitBlock, Done };

// A fiber per CUDA thread, kept for the life of the process: it loops
// running the current block's body, so a launch costs no fiber set-up.
// Switches use _setjmp/_longjmp (no signal-mask system calls); ucontext
// is used only to start a fiber on its own stack the first time.
struct Thread {
    ucontext_t ctx;
    jmp_buf jb;
    bool started = false;
    uint3 tid;
    int linear;
    State state;
    std::vector<char> stack;
};

struct Block {
    std::vector<Thread> threads;
    ucontext_t sched_ctx;
    jmp_buf sched_jb;
    int current = -1;
    // Exchange areas of the warp and block primitives.
    double slots[1024];
    unsigned ballot[32];
    int red_or;
    std::vector<char> dyn;  // dynamic shared memory
    std::function<void()> body;
    std::string error;
};

inline Block& blk() {
    static Block b;
    return b;
}

inline uint3 g_blockIdx;
inline dim3 g_blockDim, g_gridDim;

inline Thread& me() { return blk().threads[blk().current]; }

// wait parks the current fiber in state s and returns to the scheduler.
inline void wait(State s) {
    Block& b = blk();
    Thread& t = b.threads[b.current];
    t.state = s;
    if (!_setjmp(t.jb)) _longjmp(b.sched_jb, 1);
}

inline void fiber_main() {
    for (;;) {
        blk().body();
        wait(Done);  // resumed when the fiber is needed for another block
    }
}

// resume runs fiber i until it parks.
inline void resume(int i) {
    Block& b = blk();
    Thread& t = b.threads[i];
    b.current = i;
    if (_setjmp(b.sched_jb)) return;
    if (!t.started) {
        t.started = true;
        if (t.stack.empty()) t.stack.assign(64 * 1024, 0);
        getcontext(&t.ctx);
        t.ctx.uc_stack.ss_sp = t.stack.data();
        t.ctx.uc_stack.ss_size = t.stack.size();
        t.ctx.uc_link = nullptr;
        makecontext(&t.ctx, fiber_main, 0);
        swapcontext(&b.sched_ctx, &t.ctx);  // never returns here: the fiber comes back by _longjmp
    }
    _longjmp(t.jb, 1);
}

// run_block executes one block to completion; false on deadlock (the
// fibers are then discarded, their stacks reused for fresh ones).
inline bool run_block(int nthreads) {
    Block& b = blk();
    if ((int)b.threads.size() < nthreads) b.threads.resize(nthreads);
    for (int i = 0; i < nthreads; i++) {
        Thread& t = b.threads[i];
        t.linear = i;
        t.tid = uint3{unsigned(i % g_blockDim.x), unsigned((i / g_blockDim.x) % g_blockDim.y),
                      unsigned(i / (g_blockDim.x * g_blockDim.y))};
        t.state = Runnable;
    }
    const int nwarps = (nthreads + 31) / 32;
    for (;;) {
        bool ran = false;
        for (int i = 0; i < nthreads; i++) {
            if (b.threads[i].state != Runnable) continue;
            ran = true;
            resume(i);
        }
        if (ran) continue;
        // Nothing runnable: release a warp whose live lanes all wait, else the
        // block when all live threads wait at __syncthreads.
        bool released = false, any_warp_wait = false;
        for (int w = 0; w < nwarps; w++) {
            bool all = true, some = false;
            for (int i = w * 32; i < std::min(nthreads, w * 32 + 32); i++) {
                State s = b.threads[i].state;
                if (s == Done) continue;
                if (s == WaitWarp) some = true;
                else all = false;
            }
            if (some) any_warp_wait = true;
            if (some && all) {
                for (int i = w * 32; i < std::min(nthreads, w * 32 + 32); i++)
                    if (b.threads[i].state == WaitWarp) b.threads[i].state = Runnable;
                released = true;
            }
        }
        if (released) continue;
        bool all_done = true, all_block = true, some_block = false;
        for (int i = 0; i < nthreads; i++) {
            State s = b.threads[i].state;
            if (s != Done) all_done = false;
            if (s == WaitBlock) some_block = true;
            else if (s != Done) all_block = false;
        }
        if (all_done) return true;
        if (some_block && all_block) {
            for (int i = 0; i < nthreads; i++)
                if (b.threads[i].state == WaitBlock) b.threads[i].state = Runnable;
            continue;
        }
        b.error = any_warp_wait ? "deadlock: a warp primitive that not every live lane of the warp reached"
                                : "deadlock: __syncthreads that not every live thread of the block reached";
        for (auto& t : b.threads) t.started = false;
        return false;
    }
}

}  // namespace emu

#define threadIdx (emu::me().tid)
#define blockIdx (emu::g_blockIdx)
#define blockDim (emu::g_blockDim)
#define gridDim (emu::g_gridDim)

inline void __syncthreads() { emu::wait(emu::WaitBlock); }
inline void __syncwarp(unsigned = 0xffffffffu) { emu::wait(emu::WaitWarp); }

inline int __syncthreads_or(int pred) {
    emu::Block& b = emu::blk();
    __syncthreads();
    if (emu::me().linear == 0) b.red_or = 0;
    __syncthreads();
    if (pred) b.red_or = 1;
    __syncthreads();
    return b.red_or;
}

inline unsigned __ballot_sync(unsigned, int pred) {
    emu::Block& b = emu::blk();
    int lane = emu::me().linear & 31, warp = emu::me().linear >> 5;
    __syncwarp();
    if (lane == 0) b.ballot[warp] = 0;
    __syncwarp();
    if (pred) b.ballot[warp] |= 1u << lane;
    __syncwarp();
    return b.ballot[warp];
}

template <typename T> inline T __shfl_xor_sync(unsigned, T v, int mask) {
    emu::Block& b = emu::blk();
    int i = emu::me().linear;
    __syncwarp();  // everyone has read the previous exchange
    std::memcpy(&b.slots[i], &v, sizeof(T));
    __syncwarp();
    T r;
    std::memcpy(&r, &b.slots[(i & ~31) | ((i & 31) ^ mask)], sizeof(T));
    return r;
}

inline int __popc(unsigned x) { return __builtin_popcount(x); }

inline void* emu_dynamic_smem() { return emu::blk().dyn.data(); }

// emu_run_grid runs body for every block of the grid. It returns "" or an error.
inline std::string emu_run_grid(dim3 grid, dim3 block, int shmem, std::function<void()> body) {
    emu::Block& b = emu::blk();
    if (block.x * block.y * block.z > 1024 || block.x * block.y * block.z == 0) return "invalid block size";
    emu::g_gridDim = grid;
    emu::g_blockDim = block;
    b.body = std::move(body);
    b.dyn.assign(std::max(shmem, 1), (char)0xff);  // garbage, as on the GPU
    for (unsigned z = 0; z < grid.z; z++)
        for (unsigned y = 0; y < grid.y; y++)
            for (unsigned x = 0; x < grid.x; x++) {
                emu::g_blockIdx = uint3{x, y, z};
                if (!emu::run_block(int(block.x * block.y * block.z))) return b.error;
            }
    return "";
}

#!/usr/bin/env python3
"""PyTorch peers for the CUDA kernels of kernels/cuda.

NOT YET RUN: written without a GPU at hand. scripts/gpu-check.sh runs
it on the GPU machine next to the Go benchmarks (kernels/cuda/bench_test.go)
so that both are timed on the same device in the same call.

Times, at the same shapes as the Go benchmarks (rows = 8*1024 tokens,
d = 768, GeLU hidden 3072, SwiGLU hidden 2048, vocab 50257, 85M AdamW
parameters), PyTorch eager and torch.compile versions of SwiGLU, GeLU,
LayerNorm, cross-entropy (+ its gradient) and AdamW(fused=True), plus the
two ceilings: a device-to-device copy and bf16/fp32 GEMMs. Bytes are
counted exactly as bench_test.go counts them (the fewest bytes the op must
move), so GB/s compare one to one. Timing: CUDA events around each call,
after a warm-up, median of the repeats. Prints one JSON document.
"""
import json
import math
import statistics
import sys
import time

import torch
import torch.nn.functional as F

ROWS, WIDTH, HIDDEN, SWI_H, VOCAB, PARAMS = 8 * 1024, 768, 3072, 2048, 50257, 85_000_000
DEV = "cuda"


def bench(fn, reps=30, warmup=5):
    """Median seconds per call of fn, timed with CUDA events."""
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        s.record()
        fn()
        e.record()
        e.synchronize()
        times.append(s.elapsed_time(e) / 1e3)
    return statistics.median(times)


results = []


def record(op, dtype, mode, sec, nbytes=0.0, flops=0.0):
    r = {"op": op, "dtype": dtype, "mode": mode, "us": round(sec * 1e6, 2)}
    if nbytes:
        r["GB/s"] = round(nbytes / sec / 1e9, 1)
    if flops:
        r["TFLOP/s"] = round(flops / sec / 1e12, 1)
    results.append(r)
    print(json.dumps(r), file=sys.stderr, flush=True)


def try_compile(fn):
    try:
        return torch.compile(fn, fullgraph=True)
    except Exception as exc:  # noqa: BLE001 - report and go on with eager only
        print(f"torch.compile unavailable: {exc}", file=sys.stderr)
        return None


def modes(fn):
    out = [("eager", fn)]
    c = try_compile(fn)
    if c is not None:
        out.append(("compile", c))
    return out


K = math.sqrt(2 / math.pi)


def gelu_bwd(x, dout, dx):
    xf = x.float()
    u = K * (xf + 0.044715 * xf ** 3)
    t = torch.tanh(u)
    g = 0.5 * (1 + t) + 0.5 * xf * (1 - t * t) * K * (1 + 3 * 0.044715 * xf * xf)
    return (dx.float() + dout.float() * g).to(dx.dtype)  # accumulate, as the Go kernel does


def swiglu_fwd(x):
    g, u = x.chunk(2, dim=-1)
    return F.silu(g) * u


def swiglu_bwd(x, dout, dx):
    g, u = x.float().chunk(2, dim=-1)
    s = torch.sigmoid(g)
    d = dout.float()
    dg = d * u * s * (1 + g * (1 - s))
    du = d * g * s
    return (dx.float() + torch.cat([dg, du], dim=-1)).to(dx.dtype)


def main():
    torch.manual_seed(0)
    info = {"device": torch.cuda.get_device_name(0), "torch": torch.__version__, "cuda": torch.version.cuda,
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}

    # Ceilings.
    n = 256 << 20
    src, dst = torch.randn(n, device=DEV), torch.empty(n, device=DEV)
    record("copy_d2d", "f32", "eager", bench(lambda: dst.copy_(src)), 8 * n)
    del src, dst
    for dt, name in [(torch.bfloat16, "bf16"), (torch.float32, "f32")]:
        torch.backends.cuda.matmul.allow_tf32 = False
        for label, m, nn_, k, ta, tb in [("fc_fwd_8192x3072x768", ROWS, HIDDEN, WIDTH, False, True),
                                         ("fc_dW_3072x768x8192", HIDDEN, WIDTH, ROWS, True, False),
                                         ("lm_head_8192x50257x768", ROWS, VOCAB, WIDTH, False, True)]:
            a = torch.randn((k, m) if ta else (m, k), device=DEV, dtype=dt)
            b = torch.randn((nn_, k) if tb else (k, nn_), device=DEV, dtype=dt)
            A = a.t() if ta else a
            B = b.t() if tb else b
            record("matmul/" + label, name, "eager", bench(lambda: A @ B), flops=2 * m * nn_ * k)

    for dt, name in [(torch.bfloat16, "bf16"), (torch.float32, "f32")]:
        sz = torch.tensor([], dtype=dt).element_size()
        x = torch.randn(ROWS, HIDDEN, device=DEV, dtype=dt)
        dout = torch.randn_like(x)
        dx = torch.randn_like(x) * 1e-3
        nel = x.numel()
        for mode, f in modes(lambda x: F.gelu(x, approximate="tanh")):
            record("gelu", name, mode, bench(lambda: f(x)), 2 * sz * nel)
        for mode, f in modes(gelu_bwd):
            record("gelu_backward", name, mode, bench(lambda: f(x, dout, dx)), 4 * sz * nel)

        sx = torch.randn(ROWS, 2 * SWI_H, device=DEV, dtype=dt)
        sdout = torch.randn(ROWS, SWI_H, device=DEV, dtype=dt)
        sdx = torch.randn_like(sx) * 1e-3
        h = ROWS * SWI_H
        for mode, f in modes(swiglu_fwd):
            record("swiglu", name, mode, bench(lambda: f(sx)), 3 * sz * h)
        for mode, f in modes(swiglu_bwd):
            record("swiglu_backward", name, mode, bench(lambda: f(sx, sdout, sdx)), 7 * sz * h)

        lx = torch.randn(ROWS, WIDTH, device=DEV, dtype=dt, requires_grad=True)
        w = torch.randn(WIDTH, device=DEV, dtype=dt, requires_grad=True)
        b = torch.randn(WIDTH, device=DEV, dtype=dt, requires_grad=True)
        ldy = torch.randn(ROWS, WIDTH, device=DEV, dtype=dt)
        ln = lambda x, w, b: F.layer_norm(x, (WIDTH,), w, b, 1e-5)  # noqa: E731
        for mode, f in modes(ln):
            with torch.no_grad():
                record("layernorm", name, mode, bench(lambda: f(lx, w, b)), 2 * sz * lx.numel())
            y = f(lx, w, b)
            record("layernorm_backward", name, mode,
                   bench(lambda: torch.autograd.grad(y, (lx, w, b), ldy, retain_graph=True)), 4 * sz * lx.numel())

        logits = (torch.randn(ROWS, VOCAB, device=DEV, dtype=dt) * 2).requires_grad_(True)
        targets = torch.randint(0, VOCAB, (ROWS,), device=DEV)

        def ce_with_grad(logits, targets):
            loss = F.cross_entropy(logits.float(), targets)
            return loss, torch.autograd.grad(loss, logits)[0]

        for mode, f in [("eager", ce_with_grad)] + ([("compile", c)] if (c := try_compile(ce_with_grad)) else []):
            try:
                record("crossentropy_with_grad", name, mode, bench(lambda: f(logits, targets)), 2 * sz * logits.numel())
            except Exception as exc:  # noqa: BLE001
                print(f"crossentropy {mode}: {exc}", file=sys.stderr)
        del logits, x, dout, dx, sx, sdout, sdx

    # AdamW(fused=True), float32 params and grads: 28 bytes per parameter,
    # the same count as the Go kernel's master-weights path.
    p = torch.randn(PARAMS, device=DEV, requires_grad=True)
    p.grad = torch.randn_like(p)
    opt = torch.optim.AdamW([p], lr=1e-4, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.1, fused=True)
    record("adamw_fused", "f32", "eager", bench(opt.step), 28 * PARAMS)

    print(json.dumps({"info": info, "results": results}, indent=1))


if __name__ == "__main__":
    if not torch.cuda.is_available():
        print("torch_bench.py: no CUDA device", file=sys.stderr)
        sys.exit(2)
    main()

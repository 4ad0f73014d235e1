#!/usr/bin/env python3
"""PyTorch SDPA peer for BenchmarkFlashAttention (kernels/cuda/flash_attention_test.go).

STATUS: NOT YET RUN. Written without a GPU at hand; its numbers have
never been measured. Run it on the GPU machine in the same device call as
the Go benchmark and record both in BENCHMARKS.md:

    python3 scripts/torch_attention_bench.py --out $OUT/torch_attention.json

Times torch.nn.functional.scaled_dot_product_attention(is_causal=True)
restricted to the flash backend, in bf16, on the shapes of the Go benchmark,
with q, k, v sliced out of one interleaved [B, T, 3, H, Dh] tensor as the
harness stores them ([B*T, 3*C], head h at columns h*Dh, C + h*Dh, 2C + h*Dh).
Forward, backward (gradients of q, k, v from a fixed dout, graph kept) and
forward+backward, median over repeats timed with CUDA events. FLOPs follow
the FlashAttention convention: forward 4*B*H*T^2*Dh / 2 (causal), backward
2.5x the forward. Output: JSON on stdout (and in --out).
"""

import argparse
import contextlib
import json
import statistics
import sys

import torch
import torch.nn.functional as F

# Same shapes as flashBenchShapes in kernels/cuda/flash_attention_test.go:
# the B16/H12/T1024 and the seed models at the seed context T=256
# with the default batch (optim.DefaultsFor(N).BatchTokens / 256).
SHAPES = [
    ("B16_H12_T1024", 16, 12, 1024, 64),
    ("3M_B256_H4_T256", 256, 4, 256, 64),
    ("10M_B512_H6_T256", 512, 6, 256, 64),
    ("30M_B1024_H8_T256", 1024, 8, 256, 64),
    ("85M_B2048_H12_T256", 2048, 12, 256, 64),
]


def flash_only():
    """Context manager that allows only the flash SDPA backend."""
    try:
        from torch.nn.attention import SDPBackend, sdpa_kernel

        return sdpa_kernel([SDPBackend.FLASH_ATTENTION])
    except ImportError:  # torch < 2.3
        return torch.backends.cuda.sdp_kernel(enable_flash=True, enable_math=False, enable_mem_efficient=False)


def time_ms(fn, warmup, reps):
    """Median milliseconds of fn() over reps, timed with CUDA events."""
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    return statistics.median(times), min(times), max(times)


def bench_shape(name, B, H, T, D, warmup, reps):
    dev = torch.device("cuda")
    gen = torch.Generator(device=dev).manual_seed(0)
    qkv = torch.randn(B, T, 3, H, D, device=dev, dtype=torch.bfloat16, generator=gen).requires_grad_(True)
    dout = torch.randn(B, H, T, D, device=dev, dtype=torch.bfloat16, generator=gen)

    def split():
        # [B, T, H, D] views with unit stride in D, as the Go layout gives.
        return qkv[:, :, 0].transpose(1, 2), qkv[:, :, 1].transpose(1, 2), qkv[:, :, 2].transpose(1, 2)

    def fwd():
        q, k, v = split()
        return F.scaled_dot_product_attention(q, k, v, is_causal=True)

    with flash_only():
        out = fwd()  # also checks the flash backend accepts this layout
        bwd_inputs = (qkv,)

        def bwd():
            torch.autograd.grad(out, bwd_inputs, dout, retain_graph=True)

        def fwdbwd():
            o = fwd()
            torch.autograd.grad(o, bwd_inputs, dout)

        fwd_t = time_ms(lambda: fwd(), warmup, reps)
        bwd_t = time_ms(bwd, warmup, reps)
        fb_t = time_ms(fwdbwd, warmup, reps)

    flops_fwd = 4.0 * B * H * T * T * D / 2
    flops_bwd = 2.5 * flops_fwd
    # Fewest bytes, as attnBytes in the Go benchmark: bf16 qkv/out/dout, f32 lse,
    # and dqkv read and written (the harness's backward accumulates).
    rows, C = B * T, H * D
    lse_b, qkv_b, out_b = 4.0 * B * H * T, 2.0 * rows * 3 * C, 2.0 * rows * C
    bytes_fwd = qkv_b + out_b + lse_b
    bytes_bwd = qkv_b + 2 * out_b + 2 * qkv_b + lse_b
    row = {"shape": name, "B": B, "H": H, "T": T, "Dh": D}
    for key, (med, lo, hi), flops, nbytes in (
        ("fwd", fwd_t, flops_fwd, bytes_fwd),
        ("bwd", bwd_t, flops_bwd, bytes_bwd),
        ("fwdbwd", fb_t, flops_fwd + flops_bwd, bytes_fwd + bytes_bwd),
    ):
        row[key + "_ms_median"] = med
        row[key + "_ms_min"] = lo
        row[key + "_ms_max"] = hi
        row[key + "_tflops"] = flops / (med * 1e-3) / 1e12
        row[key + "_gbps"] = nbytes / (med * 1e-3) / 1e9
    return row


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--reps", type=int, default=50)
    ap.add_argument("--out", help="also write the JSON here")
    args = ap.parse_args()
    if not torch.cuda.is_available():
        print("torch_attention_bench: no CUDA device visible to PyTorch", file=sys.stderr)
        return 1
    result = {
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "device": torch.cuda.get_device_name(0),
        "backend": "flash (SDPBackend.FLASH_ATTENTION), is_causal=True, bf16",
        "flops": "fwd 4*B*H*T^2*Dh/2, bwd 2.5x fwd",
        "bytes": "fwd qkv+out+lse, bwd qkv+out+dout+2*dqkv+lse (bf16, lse f32)",
        "rows": [bench_shape(*s, args.warmup, args.reps) for s in SHAPES],
    }
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    for r in result["rows"]:
        print(
            f"{r['shape']:>22}  fwd {r['fwd_tflops']:6.1f}  bwd {r['bwd_tflops']:6.1f}  fwd+bwd {r['fwdbwd_tflops']:6.1f} TFLOP/s",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())

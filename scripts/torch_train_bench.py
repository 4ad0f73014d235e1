#!/usr/bin/env python3
"""PyTorch peer for one training step of the harness's GPT.

NOT YET RUN: written without a GPU at hand. scripts/gpu-check.sh runs
it in the same GPU call as the Go benchmark BenchmarkTrainStep
(kernels/cuda/gpumodel/bench_test.go), on the same model and batch:

  the 30M config nn.ForParams picks for vocab 50257, T = 512
  (L = 10, d = 512, 8 heads of 64), GeLU (4d) or SwiGLU (8d/3 rounded to
  64: 1344), no bias in linear layers, LayerNorm with bias, pre-norm,
  learned positions, wte tied with the output layer; batch 16 x 512.

One step = forward, cross-entropy, backward, clip_grad_norm_(1.0),
AdamW(fused=True) step. bf16 autocast; eager and torch.compile. Reports
tokens/s and MFU against the H100 SXM dense bf16 peak (989 TFLOP/s), with
the FLOPs per token of nn.Config.FLOPsPerToken (6·matmul weights +
6·L·d·(T+1)). Prints one JSON document.
"""
import argparse
import json
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

PEAK = 989e12


def ffn_hidden(d, act):
    if act == "swiglu":
        step = 64 if d >= 64 else 16
        return max((8 * d + 3 * step // 2) // (3 * step) * step, step)
    return 4 * d


class Block(nn.Module):
    def __init__(self, d, heads, act):
        super().__init__()
        self.heads, self.act = heads, act
        self.ln_1, self.ln_2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.c_attn = nn.Linear(d, 3 * d, bias=False)
        self.attn_proj = nn.Linear(d, d, bias=False)
        h = ffn_hidden(d, act)
        self.c_fc = nn.Linear(d, 2 * h if act == "swiglu" else h, bias=False)
        self.mlp_proj = nn.Linear(h, d, bias=False)

    def forward(self, x):
        b, t, c = x.shape
        q, k, v = self.c_attn(self.ln_1(x)).split(c, dim=2)
        q, k, v = (z.view(b, t, self.heads, c // self.heads).transpose(1, 2) for z in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.attn_proj(y.transpose(1, 2).reshape(b, t, c))
        u = self.c_fc(self.ln_2(x))
        if self.act == "swiglu":
            g, up = u.chunk(2, dim=-1)
            u = F.silu(g) * up
        else:
            u = F.gelu(u, approximate="tanh")
        return x + self.mlp_proj(u)


class GPT(nn.Module):
    def __init__(self, layers, d, heads, vocab, seq, act):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(vocab, d), nn.Embedding(seq, d)
        self.blocks = nn.ModuleList(Block(d, heads, act) for _ in range(layers))
        self.ln_f = nn.LayerNorm(d)
        for p in self.parameters():
            if p.dim() == 2:
                nn.init.normal_(p, std=0.02)

    def forward(self, ids, targets):
        x = self.wte(ids) + self.wpe(torch.arange(ids.shape[1], device=ids.device))
        for blk in self.blocks:
            x = blk(x)
        logits = self.ln_f(x) @ self.wte.weight.t()
        return F.cross_entropy(logits.float().view(-1, logits.shape[-1]), targets.view(-1))


def flops_per_token(layers, d, vocab, seq, act):
    h = ffn_hidden(d, act)
    ffn = 3 * d * h if act == "swiglu" else 2 * d * h
    weights = layers * (4 * d * d + ffn) + vocab * d
    return 6 * weights + 6 * layers * d * (seq + 1)


def run(args, act, compiled):
    torch.manual_seed(0)
    model = GPT(args.layers, args.width, args.heads, args.vocab, args.seq, act).cuda()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.1, fused=True)
    fwd = torch.compile(model) if compiled else model
    ids = torch.randint(0, args.vocab, (args.batch, args.seq), device="cuda")
    tg = torch.randint(0, args.vocab, (args.batch, args.seq), device="cuda")

    def step():
        with torch.autocast("cuda", dtype=torch.bfloat16):
            loss = fwd(ids, tg)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)

    for _ in range(args.warmup):
        step()
    torch.cuda.synchronize()
    times = []
    for _ in range(args.steps):
        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        s.record()
        step()
        e.record()
        e.synchronize()
        times.append(s.elapsed_time(e) / 1e3)
    sec = statistics.median(times)
    tokens = args.batch * args.seq
    fpt = flops_per_token(args.layers, args.width, args.vocab, args.seq, act)
    return {"activation": act, "mode": "compile" if compiled else "eager", "step_ms": round(sec * 1e3, 3),
            "tokens/s": round(tokens / sec), "model_TFLOP/s": round(tokens * fpt / sec / 1e12, 1),
            "MFU_vs_bf16_peak": round(tokens * fpt / sec / PEAK, 4)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--layers", type=int, default=10)
    ap.add_argument("--width", type=int, default=512)
    ap.add_argument("--heads", type=int, default=8)
    ap.add_argument("--vocab", type=int, default=50257)
    ap.add_argument("--seq", type=int, default=512)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=5)
    args = ap.parse_args()
    if not torch.cuda.is_available():
        print("torch_train_bench.py: no CUDA device", file=sys.stderr)
        sys.exit(2)
    out = {"info": {"device": torch.cuda.get_device_name(0), "torch": torch.__version__,
                    "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "args": vars(args)}, "results": []}
    for act in ("gelu", "swiglu"):
        for compiled in (False, True):
            try:
                r = run(args, act, compiled)
            except Exception as exc:  # noqa: BLE001 - report, go on with the next variant
                r = {"activation": act, "mode": "compile" if compiled else "eager", "error": str(exc)[:300]}
            out["results"].append(r)
            print(json.dumps(r), file=sys.stderr, flush=True)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()

#!/usr/bin/env bash
# gpu-check.sh: the GPU checks of the CUDA backend, for a machine with a GPU,
# nvcc, compute-sanitizer and PyTorch, but no Go.
#
# NOT YET RUN: written without a GPU at hand. Nothing below has been
# seen to pass; record the results of its first run on a GPU in BENCHMARKS.md.
#
# Here (with Go), build the test binaries first:
#   CGO_ENABLED=0 go test -c -o .gpu/cuda.test ./kernels/cuda
#   CGO_ENABLED=0 go test -c -o .gpu/gpumodel.test ./kernels/cuda/gpumodel
# then call the device tool's run with carry [".gpu"], one step per call
# (each step is time-limited to fit one 10-minute call):
#   bash scripts/gpu-check.sh tests      conformance (f32+bf16), determinism,
#                                        allocator, whole model vs CPU
#   bash scripts/gpu-check.sh bench      Go kernel benchmarks + torch_bench.py
#   bash scripts/gpu-check.sh train      30M training step, Go vs PyTorch
#   bash scripts/gpu-check.sh sanitize   compute-sanitizer memcheck + racecheck
#   bash scripts/gpu-check.sh ptx        rebuild the PTX with the machine's nvcc
# Logs go to $OUT (at most 8 files come back); a summary is printed last.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=${OUT:-/tmp/gpu-check}
mkdir -p "$OUT"
STEP=${1:-all}
SUMMARY=$OUT/summary.txt
: >"$SUMMARY"

note() { echo "$*" | tee -a "$SUMMARY"; }

need_binaries() {
  for b in .gpu/cuda.test .gpu/gpumodel.test; do
    [ -x "$b" ] || { note "MISSING $b: build it with go test -c (see the header) and carry .gpu"; exit 2; }
  done
}

# Test binaries read ../src/*.cu relative to their package folder, so they
# run from there.
# $1: time limit in seconds.
run_cuda_test() { local t=$1; shift; (cd "$ROOT/kernels/cuda" && timeout "$t" "$ROOT/.gpu/cuda.test" "$@"); }
run_model_test() { local t=$1; shift; (cd "$ROOT/kernels/cuda/gpumodel" && timeout "$t" "$ROOT/.gpu/gpumodel.test" "$@"); }

step_env() {
  { date -u; nvidia-smi; nvcc --version 2>&1 | tail -2; python3 -c 'import torch;print("torch",torch.__version__,torch.version.cuda)' 2>&1; } >"$OUT/env.txt" 2>&1
  note "device: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | head -1)"
}

step_tests() {
  need_binaries
  # Conformance (devicetest, f32 + bf16, cuBLASLt and the fallback GEMM),
  # determinism, allocator, OOM, kernel loading; then the whole model vs CPU.
  run_cuda_test 240 -test.v -test.count=1 -test.skip 'Emulator' -test.timeout 230s >"$OUT/tests.log" 2>&1
  note "cuda.test: exit $? (PASS lines: $(grep -c -- '--- PASS' "$OUT/tests.log"), FAIL lines: $(grep -c -- '--- FAIL' "$OUT/tests.log"), SKIP lines: $(grep -c -- '--- SKIP' "$OUT/tests.log"))"
  run_model_test 180 -test.v -test.count=1 -test.timeout 170s >"$OUT/gpumodel.log" 2>&1
  note "gpumodel.test: exit $? ($(grep -E -- '--- (PASS|FAIL|SKIP)' "$OUT/gpumodel.log" | tr '\n' ' '))"
}

step_sanitize() {
  need_binaries
  command -v compute-sanitizer >/dev/null || { note "compute-sanitizer not found"; return; }
  # Short mode: one conformance pass (cuBLASLt path) plus the determinism test.
  for tool in memcheck racecheck; do
    timeout 200 compute-sanitizer --tool "$tool" --error-exitcode 99 --target-processes all \
      bash -c "cd '$ROOT/kernels/cuda' && '$ROOT/.gpu/cuda.test' -test.short -test.count=1 -test.run 'Conformance\$|Deterministic|EveryKernelLoads'" \
      >>"$OUT/sanitizer.log" 2>&1
    note "compute-sanitizer $tool: exit $? ($(grep -E 'ERROR SUMMARY' "$OUT/sanitizer.log" | tail -1))"
  done
}

step_bench() {
  need_binaries
  run_cuda_test 240 -test.run '^$' -test.bench . -test.benchtime 20x -test.timeout 230s >"$OUT/bench.txt" 2>&1
  note "go benchmarks: exit $? ($(grep -c '^Benchmark' "$OUT/bench.txt") lines)"
}

step_torch() {
  timeout 240 python3 scripts/torch_bench.py >"$OUT/torch.json" 2>"$OUT/torch.log"
  note "torch_bench.py: exit $?"
}

# train: one training step of the 30M model, Go (CUDA device) and PyTorch
# (bf16 autocast, eager and torch.compile) in the same call.
step_train() {
  need_binaries
  run_model_test 240 -test.run '^$' -test.bench TrainStep -test.benchtime 20x -test.v >"$OUT/train_go.txt" 2>&1
  note "go train step: exit $? ($(grep -E '^BenchmarkTrainStep' "$OUT/train_go.txt" | tr -s ' ' | tr '\n' ';'))"
  timeout 300 python3 scripts/torch_train_bench.py >"$OUT/train_torch.json" 2>>"$OUT/torch.log"
  note "torch_train_bench.py: exit $?"
}

# ptx: rebuild the PTX with this machine's nvcc and compare the kernel
# entries with the committed PTX (nvcc 11.8); the rebuilt files come back
# in $OUT/ptx.tar for inspection.
step_ptx() {
  command -v nvcc >/dev/null || { note "nvcc not found"; return; }
  tmp=$(mktemp -d)
  # An empty ptx/ makes every PTX stale, so make rebuilds them all.
  cp -r kernels/src kernels/Makefile kernels/ptx.mk kernels/ptx-stale.sh "$tmp"/ && mkdir -p "$tmp/ptx"
  if make -s -C "$tmp" >"$OUT/ptx.log" 2>&1; then
    tar -C "$tmp" -cf "$OUT/ptx.tar" ptx
    same=0
    for f in "$tmp"/ptx/*.ptx; do
      cmp -s <(tail -n +2 "$f") <(tail -n +2 "kernels/ptx/$(basename "$f")") && same=$((same + 1))
    done
    note "make kernels with $(nvcc --version | tail -1): ok; $same of $(ls "$tmp"/ptx/*.ptx | wc -l) PTX bodies identical to the committed ones"
  else
    note "make kernels with this nvcc FAILED (see ptx.log)"
  fi
}

case "$STEP" in
  all) step_env; step_tests; step_bench ;;
  tests) step_env; step_tests ;;
  sanitize) step_sanitize ;;
  bench) step_env; step_bench; step_torch ;;
  train) step_env; step_train ;;
  torch) step_torch ;;
  ptx) step_ptx ;;
  *) echo "usage: $0 [all|tests|sanitize|bench|torch|train|ptx]" >&2; exit 2 ;;
esac
echo "=== summary ($STEP) ==="
cat "$SUMMARY"
grep -E '^Benchmark' "$OUT/bench.txt" 2>/dev/null | awk '{printf "%-60s", $1; for (i=3;i<=NF;i+=2) printf " %s %s", $i, $(i+1); print ""}' | head -60

#!/usr/bin/env bash
# user-commands.sh: the commands a new user types, run as written on a fresh
# clone of this repository (no nvcc, no GPU, Go's own defaults): CI runs it
# after `make test`, so a command on the README's card that breaks on a
# machine like the user's fails CI.
#
#   make kernels && make sweep        (the smoke grid, via SWEEP_FLAGS)
#   go test ./...                     (without make: cgo on where a C compiler is)
#   experiment -grid anchors -dry-run
#   go test -run '^$' -bench . ./kernels/...   (every benchmark prints a figure or why it skipped)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
step() { printf '\n== %s\n' "$*"; }

git clone -q "$repo" "$work/harness"
cd "$work/harness"
# The user's environment: the Makefile's CGO_ENABLED default is not exported
# into the plain go commands below, and no nvcc is on PATH.
unset CGO_ENABLED GOFLAGS
if command -v nvcc >/dev/null; then
	echo "user-commands: nvcc is on PATH; this check is for a machine without it" >&2
	exit 1
fi

step "make kernels && make sweep SWEEP_FLAGS='-grid smoke'"
start=$SECONDS
make kernels && make sweep SWEEP_FLAGS='-grid smoke -boot 200'
for f in runs/smoke/results.json runs/smoke/analysis.json runs/smoke/report.md runs/smoke/report.html runs/smoke/scaling.png; do
	[ -s "$f" ] || { echo "user-commands: make sweep left no $f" >&2; exit 1; }
done
echo "make kernels && make sweep: $((SECONDS - start)) s"

step "go test ./...  (Go defaults: CGO_ENABLED=$(go env CGO_ENABLED))"
start=$SECONDS
go test ./...
echo "go test ./...: $((SECONDS - start)) s"

step "experiment -grid anchors -dry-run"
start=$SECONDS
go build -o bin/ ./cmd/experiment
./bin/experiment -grid anchors -dry-run -device cpu -out "$work/dry" | tee "$work/dry.txt"
grep -q "total" "$work/dry.txt" || { echo "user-commands: the dry run printed no total" >&2; exit 1; }
echo "dry run: $((SECONDS - start)) s"

step "go test -run '^\$' -bench . ./kernels/..."
start=$SECONDS
go test -run '^$' -bench . ./kernels/... | tee "$work/bench.txt"
# Every benchmark either reports a rate or says why it skipped.
listed=$(go test -run '^$' -list 'Benchmark.*' ./kernels/... | grep '^Benchmark' | sort -u | wc -l)
ran=$(grep '^Benchmark' "$work/bench.txt" | sed -E 's/[/ \t].*//; s/-[0-9]+$//' | sort -u | wc -l)
if [ "$ran" -lt "$listed" ]; then
	echo "user-commands: $listed benchmarks listed, only $ran printed a figure or a skip reason" >&2
	exit 1
fi
if grep -E '^Benchmark' "$work/bench.txt" | grep -v 'skipped: ' | grep -vE '(GFLOP/s|GB/s|MB/s|tokens/s|TFLOP/s|ns/op)' | grep -q .; then
	echo "user-commands: a benchmark line without a figure" >&2
	exit 1
fi
echo "benchmarks: $((SECONDS - start)) s ($listed benchmarks)"

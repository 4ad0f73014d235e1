#!/usr/bin/env bash
# bench-peers.sh: SGEMM against its outside peer, OpenBLAS, on this machine.
#
# Installs Debian's libopenblas-dev with apt-get when it is missing, builds
# the C timing program scripts/openblas/sgemm_bench.c against it, and runs,
# ROUNDS times in alternation (so both see the same machine load), the Go
# benchmark BenchmarkSgemm (this repo's Sgemm and gonum's pure-Go
# blas32.Gemm) and OpenBLAS's cblas_sgemm on the same shapes, all with
# THREADS threads. It then prints one Markdown table with the best GFLOP/s
# of each and the ratios.
#
# Environment: THREADS (default: nproc), ROUNDS (default 5), BENCH_SECONDS
# (timed seconds per shape and round, default 1). Best-of-rounds keeps the
# figures meaningful on a machine that other work shares.
# Run from anywhere: `make bench-peers`.
set -euo pipefail

cd "$(dirname "$0")/.."

THREADS=${THREADS:-$(nproc)}
ROUNDS=${ROUNDS:-5}
BENCH_SECONDS=${BENCH_SECONDS:-1}
SHAPES=(512x512x512 4096x768x768 4096x3072x768 4096x768x3072)

die() { echo "bench-peers: $*" >&2; exit 1; }

[[ $THREADS =~ ^[1-9][0-9]*$ ]] || die "THREADS=$THREADS is not a positive whole number"
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "ROUNDS=$ROUNDS is not a positive whole number"
[[ $BENCH_SECONDS =~ ^[0-9]*\.?[0-9]+$ ]] || die "BENCH_SECONDS=$BENCH_SECONDS is not a number of seconds"

# 1. OpenBLAS from Debian.
if ! dpkg-query -W -f='${Status}' libopenblas-dev 2>/dev/null | grep -q 'install ok installed'; then
	echo "bench-peers: installing libopenblas-dev with apt-get" >&2
	sudo=""
	if [ "$(id -u)" -ne 0 ]; then
		command -v sudo >/dev/null || die "libopenblas-dev is missing and this is not root (no sudo either)"
		sudo=sudo
	fi
	$sudo apt-get update -qq || die "apt-get update failed"
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq libopenblas-dev >/dev/null || die "apt-get install libopenblas-dev failed"
fi
command -v gcc >/dev/null || die "gcc is needed to build scripts/openblas/sgemm_bench.c (apt-get install gcc)"

# 2. The C timing program.
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-peers.XXXXXX")
trap 'rm -rf "$work"' EXIT
gcc -O2 -Wall -o "$work/sgemm_bench" scripts/openblas/sgemm_bench.c -lopenblas || die "building the OpenBLAS timing program failed"

# 3. Alternate the Go benchmark and OpenBLAS, keeping every result.
go test -c -o "$work/gemm.test" ./kernels/cpu/gemm || die "building the Go benchmark failed"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
results="$work/results" # lines: impl shape gflops
: >"$results"
for ((r = 1; r <= ROUNDS; r++)); do
	echo "bench-peers: round $r of $ROUNDS" >&2
	"$work/gemm.test" -test.run '^$' -test.v -test.bench '^BenchmarkSgemm$' -test.cpu "$THREADS" -test.benchtime "${BENCH_SECONDS}s" |
		tee -a "$work/go.log" |
		awk '/^BenchmarkSgemm\// && /GFLOP\/s/ {
			name = $1; sub(/^BenchmarkSgemm\//, "", name); sub(/-[0-9]+$/, "", name)
			impl = "gemm"; if (name ~ /^gonum\//) { impl = "gonum"; sub(/^gonum\//, "", name) }
			for (i = 2; i <= NF; i++) if ($i == "GFLOP/s") print impl, name, $(i-1)
		}' >>"$results"
	OPENBLAS_NUM_THREADS=$THREADS SGEMM_BENCH_SECONDS=$BENCH_SECONDS "$work/sgemm_bench" "${SHAPES[@]}" | awk '{print "openblas", $1, $2}' >>"$results"
done

# 4. The table: best of the rounds for each implementation and shape.
model=$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo)
blasver=$(dpkg-query -W -f='${Version}' libopenblas-dev 2>/dev/null || echo unknown)
kernel=$(grep -m1 'micro-kernel' "$work/go.log" | sed 's/.*micro-kernel: //' || true)
echo
echo "SGEMM, C = A·B row-major, GFLOP/s (best of $ROUNDS alternating rounds), threads: $THREADS"
echo "machine: $(nproc) CPUs, $model; $(go version | awk '{print $3}'); OpenBLAS $blasver; micro-kernel ${kernel:-?}; $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "load average (1, 5, 15 min) before: $load_before; after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| shape (MxNxK) | harness gemm | gonum blas32 | OpenBLAS | gemm / gonum | gemm / OpenBLAS |"
echo "|---|---:|---:|---:|---:|---:|"
for s in "${SHAPES[@]}"; do
	awk -v s="$s" '
		$2 == s && $3 + 0 > best[$1] { best[$1] = $3 + 0 }
		END {
			g = best["gemm"]; n = best["gonum"]; o = best["openblas"]
			rn = (n > 0) ? sprintf("%.2fx", g / n) : "n/a"
			ro = (o > 0) ? sprintf("%.2fx", g / o) : "n/a"
			printf "| %s | %.1f | %.1f | %.1f | %s | %s |\n", s, g, n, o, rn, ro
		}' "$results"
done

#!/bin/sh
# ptx-stale.sh KDIR [NAME...]: print, space-separated, the PTX targets under
# KDIR (as ptx/<name>.ptx, and ptx/<name>.sm90.ptx for each NAME given) whose
# first line does not carry the SHA-256 of their sources: src/<name>.cu
# followed by every src/*.cuh in byte order, exactly what the compile rule
# of kernels/Makefile writes and kernels/cuda's tests recompute. A missing
# PTX is stale. Content decides, not file times, so a fresh clone (every
# file stamped at checkout) needs no nvcc. Needs only sh and sha256sum (or
# shasum, as on macOS).
set -u
LC_ALL=C
export LC_ALL
cd "$1" || exit 1
shift
if command -v sha256sum >/dev/null 2>&1; then
	hash() { sha256sum | cut -d' ' -f1; }
elif command -v shasum >/dev/null 2>&1; then
	hash() { shasum -a 256 | cut -d' ' -f1; }
else
	echo "ptx-stale.sh: need sha256sum or shasum to check the PTX" >&2
	hash() { cat >/dev/null; echo none; }
fi
headers=$(ls src/*.cuh 2>/dev/null)
stale=
check() { # check SRC PTX
	want=$(cat "$1" $headers | hash)
	have=$(head -n 1 "$2" 2>/dev/null | sed -n 's|^// source-sha256: ||p')
	[ "$want" = "$have" ] || stale="$stale $2"
}
for src in src/*.cu; do
	[ -e "$src" ] || continue
	n=${src#src/}
	n=${n%.cu}
	check "$src" "ptx/$n.ptx"
done
for n in "$@"; do
	check "src/$n.cu" "ptx/$n.sm90.ptx"
done
echo $stale

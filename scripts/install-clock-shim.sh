#!/usr/bin/env bash
# Builds busfuzz's clock shim (real/clock-shim/busfuzz-clock.c) for the real backend's `clock`
# fault, preloaded into each valkey-server: /usr/local/lib/busfuzz/busfuzz-clock.so, or the path
# in BUSFUZZ_CLOCK_SHIM. Rebuilt when the source is newer. Installs gcc from Debian when it is
# missing (needs root). Debian's libfaketime is not used: it cannot start valkey-server 8.0.1,
# whose libjemalloc calls clock_gettime() while libfaketime initialises (wolfcw/libfaketime#130).
# Usage: bash scripts/install-clock-shim.sh
set -euo pipefail
cd "$(dirname "$0")/.."

src=real/clock-shim/busfuzz-clock.c
out=${BUSFUZZ_CLOCK_SHIM:-/usr/local/lib/busfuzz/busfuzz-clock.so}
if [ -f "$out" ] && [ "$out" -nt "$src" ]; then
  exit 0
fi
if ! command -v gcc >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then
    echo "busfuzz: gcc is missing and this is not root; install gcc, or build $src yourself:" >&2
    echo "  gcc -O2 -shared -fPIC -o $out $src -ldl" >&2
    exit 3
  fi
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gcc libc6-dev >/dev/null
fi
mkdir -p "$(dirname "$out")"
gcc -O2 -Wall -Wextra -shared -fPIC -o "$out.tmp" "$src" -ldl
mv "$out.tmp" "$out"
echo "busfuzz: built the clock shim at $out"

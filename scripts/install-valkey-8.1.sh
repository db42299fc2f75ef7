#!/usr/bin/env bash
# Builds valkey-server 8.1.1 from Debian trixie's `valkey` source package into a cache folder outside
# the repository, for the real backend's valkey-8.1 profile (--valkey-server PATH / VALKEY_SERVER).
# The trixie deb-src entry reuses the URI of the machine's existing Debian source (read from the apt
# sources files), so no registry host name is written into this repository. Only the few bookworm
# packages a plain `make` needs are installed (no `apt-get build-dep`, which would pull trixie).
# A no-op when the cached binary exists. Prints the binary's path on success.
# Usage: bash scripts/install-valkey-8.1.sh   (needs root unless the binary is already cached, or
#        VALKEY_81_SERVER names an 8.1.1 binary)
# Cache: $BUSFUZZ_CACHE_DIR, else $XDG_CACHE_HOME/busfuzz, else /var/cache/busfuzz (root) or ~/.cache/busfuzz.
set -euo pipefail

version=8.1.1
if [ -n "${BUSFUZZ_CACHE_DIR:-}" ]; then
  cache=$BUSFUZZ_CACHE_DIR
elif [ -n "${XDG_CACHE_HOME:-}" ]; then
  cache=$XDG_CACHE_HOME/busfuzz
elif [ "$(id -u)" = 0 ]; then
  cache=/var/cache/busfuzz
else
  cache=$HOME/.cache/busfuzz
fi
dest=$cache/valkey-$version
bin=$dest/valkey-server

# A binary the caller already has (VALKEY_81_SERVER) wins when it is 8.1.1.
if [ -n "${VALKEY_81_SERVER:-}" ] && [ -x "$VALKEY_81_SERVER" ] && "$VALKEY_81_SERVER" --version 2>/dev/null | grep -q "v=$version "; then
  echo "$VALKEY_81_SERVER"
  exit 0
fi
if [ -x "$bin" ] && "$bin" --version 2>/dev/null | grep -q "v=$version "; then
  echo "$bin"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "busfuzz: valkey-server $version is not built in $dest and this is not root; run this script as root" >&2
  echo "  (or build Valkey $version yourself and pass --valkey-server PATH / VALKEY_SERVER)" >&2
  exit 3
fi

# shellcheck source=scripts/debian-uri.sh
source "$(cd "$(dirname "$0")" && pwd)/debian-uri.sh"

uri=$(debian_uri | head -n1)
if [ -z "$uri" ]; then
  echo "busfuzz: no Debian bookworm source found in /etc/apt/sources.list*; cannot add trixie deb-src" >&2
  exit 3
fi
export DEBIAN_FRONTEND=noninteractive
started=$(date +%s)
# deb-src only: no trixie binary package can be installed by accident.
echo "deb-src $uri trixie main" > /etc/apt/sources.list.d/busfuzz-trixie-src.list
apt-get update -qq >/dev/null
# What a plain `make BUILD_TLS=no` of Valkey needs (its deps/ vendors jemalloc, lua, hiredis...).
apt-get install -y -qq --no-install-recommends build-essential pkg-config xz-utils >/dev/null

work=$(mktemp -d "${TMPDIR:-/tmp}/busfuzz-valkey-src-XXXXXX")
trap 'rm -rf "$work"' EXIT
# Only the upstream tarball (--tar-only): busfuzz tests upstream Valkey, not Debian's packaging, and
# apt checks the tarball against the signed trixie Sources index.
if ! (cd "$work" && apt-get source -qq --tar-only "valkey/trixie" >/dev/null 2>"$work/source.log"); then
  cat "$work/source.log" >&2
  echo "busfuzz: could not fetch trixie's valkey source package (apt-get source --tar-only valkey/trixie)" >&2
  exit 3
fi
tar -xf "$work"/valkey_*.orig.tar.* -C "$work"
srcdir=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'valkey-*' | head -n1)
if ! grep -q "\"$version\"" "$srcdir/src/version.h"; then
  echo "busfuzz: trixie's valkey source is not $version ($(cat "$srcdir/src/version.h")); refusing to cache it as $version" >&2
  exit 3
fi
jobs=$(nproc 2>/dev/null || echo 2)
if ! make -C "$srcdir" -j"$jobs" BUILD_TLS=no USE_SYSTEMD=no valkey-server >"$work/build.log" 2>&1; then
  tail -n 30 "$work/build.log" >&2
  echo "busfuzz: building valkey $version failed (log above)" >&2
  exit 3
fi
mkdir -p "$dest"
install -m 0755 "$srcdir/src/valkey-server" "$bin.tmp"
mv "$bin.tmp" "$bin"
echo "busfuzz: built valkey-server $version in $(($(date +%s) - started))s into $dest" >&2
echo "$bin"

#!/usr/bin/env bash
# Installs valkey-server 8.0.1 from Debian bookworm-backports when no valkey-server is on PATH.
# The backports suite is added with the URI of the machine's existing Debian source (read from the
# apt sources files), so no registry host name is written into this repository.
# Falls back to redis-server 7.0 (plain bookworm) only if backports cannot be installed.
# Usage: bash scripts/install-valkey.sh   (needs root; a no-op when valkey-server is already there)
set -euo pipefail

if command -v valkey-server >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "busfuzz: valkey-server is missing and this is not root; install it with:" >&2
  echo "  apt-get install -t bookworm-backports valkey-server   (or set VALKEY_SERVER=/path/to/valkey-server)" >&2
  exit 3
fi

# shellcheck source=scripts/debian-uri.sh
source "$(cd "$(dirname "$0")" && pwd)/debian-uri.sh"

uri=$(debian_uri | head -n1)
if [ -z "$uri" ]; then
  echo "busfuzz: no Debian bookworm source found in /etc/apt/sources.list*; cannot add bookworm-backports" >&2
  exit 3
fi
list=/etc/apt/sources.list.d/busfuzz-bookworm-backports.list
echo "deb $uri bookworm-backports main" > "$list"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
if ! apt-get install -y -qq -t bookworm-backports valkey-server >/dev/null; then
  echo "busfuzz: valkey-server from bookworm-backports failed; installing redis-server 7.0 as the fallback" >&2
  apt-get install -y -qq redis-server >/dev/null
fi
# The Debian packages start a system service on port 6379; busfuzz starts its own processes.
(service valkey-server stop || service redis-server stop || true) >/dev/null 2>&1
command -v valkey-server >/dev/null 2>&1 || command -v redis-server >/dev/null 2>&1

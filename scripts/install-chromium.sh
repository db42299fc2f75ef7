#!/usr/bin/env bash
# Installs Debian's chromium when it is missing: the browser tests of the HTML report
# (test/browser/) drive it headless through puppeteer-core. Uses the machine's configured Debian
# sources (no registry host name is written into this repository).
# Usage: bash scripts/install-chromium.sh   (needs root; a no-op when chromium is already there)
set -euo pipefail

if [ -x /usr/bin/chromium ] || command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "busfuzz: chromium is missing and this is not root; install it with:" >&2
  echo "  apt-get install chromium   (or set BUSFUZZ_CHROMIUM=/path/to/chromium)" >&2
  exit 3
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends chromium >/dev/null
command -v chromium >/dev/null 2>&1

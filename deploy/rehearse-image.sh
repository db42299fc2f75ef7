#!/usr/bin/env bash
# deploy/Dockerfile rehearsed without a Docker engine, on a Debian bookworm machine with Node 20
# (what FROM node:20-bookworm-slim gives): the Dockerfile's install steps (deploy/image-setup.sh:
# valkey-server 8.0.1 from bookworm-backports, the non-root user, npm ci --omit=dev) on a fresh
# copy of the files the Dockerfile copies, then the image's default command, `busfuzz fuzz --runs
# 5`, as the non-root user. Exits with that command's code. Needs root (apt, the user).
#
#   sudo bash deploy/rehearse-image.sh
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)

if [ "$(id -u)" != 0 ]; then echo "rehearse-image: needs root (apt-get, useradd)" >&2; exit 3; fi
. /etc/os-release
if [ "${VERSION_CODENAME:-}" != bookworm ]; then echo "rehearse-image: expected Debian bookworm, found ${PRETTY_NAME:-unknown}" >&2; exit 3; fi
case "$(node --version)" in v20.*) ;; *) echo "rehearse-image: expected Node 20, found $(node --version)" >&2; exit 3 ;; esac

work=$(mktemp -d -t busfuzz-image-XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
app="$work/opt/busfuzz"
mkdir -p "$app" "$work/findings"

echo "== RUN image-setup.sh system"
bash "$repo/deploy/image-setup.sh" system
echo "== COPY package.json package-lock.json bin; RUN image-setup.sh npm"
cp "$repo/package.json" "$repo/package-lock.json" "$app/"
cp -r "$repo/bin" "$app/"
bash "$repo/deploy/image-setup.sh" npm "$app"
echo "== COPY core sim real known-issues.yaml tsconfig.json"
cp -r "$repo/core" "$repo/sim" "$repo/real" "$repo/known-issues.yaml" "$repo/tsconfig.json" "$app/"
chown busfuzz:busfuzz "$work/findings"

echo "== USER busfuzz; busfuzz fuzz --runs 5"
cd "$app"
set +e
runuser -u busfuzz -- env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/home/busfuzz CRASH_DIR="$work/findings" LOG_LEVEL=info \
  node bin/busfuzz.js fuzz --runs 5
code=$?
set -e
echo "== exit $code; the stats file:"
cat "$work/findings/fuzzer_stats.json" | head -c 600; echo
echo "== valkey-server as the image user: $(runuser -u busfuzz -- valkey-server --version)"
exit "$code"

#!/usr/bin/env bash
# The install steps of deploy/Dockerfile, as one script so that the image and a rehearsal on a
# plain Debian bookworm machine (deploy/rehearse-image.sh) run exactly the same commands.
#
#   bash deploy/image-setup.sh system   # as root: valkey-server 8.0.1 from bookworm-backports, the busfuzz user
#   bash deploy/image-setup.sh npm DIR  # npm ci --omit=dev in DIR (a copy of the repository's files)
#
# valkey-server comes from bookworm-backports, added with the URI of the base image's own Debian
# source read from the apt sources (as scripts/install-valkey.sh does), so no mirror is named here.
# Unlike that script it always installs (no early exit when a server is there) and has no
# redis-server fallback: the image must have valkey-server 8.0.1.
set -euo pipefail

# The image's non-root user; core/fleet/k8s.ts runs the pods as this uid.
BUSFUZZ_UID=10001

case "${1:-}" in
  system)
    # The first Debian bookworm URI among the apt sources (deb822, as the node image has, or one-line).
    uri=$( { for f in /etc/apt/sources.list.d/*.sources; do
               [ -f "$f" ] && awk '/^URIs:/ { uri=$2 } /^Suites:/ { for (i=2;i<=NF;i++) if ($i=="bookworm") ok=1 }
                                   /^$/ { if (ok && uri!="") { print uri; exit } ok=0; uri="" } END { if (ok && uri!="") print uri }' "$f"
             done
             for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
               [ -f "$f" ] && awk '$1=="deb" && $3=="bookworm" { print $2; exit }' "$f"
             done; } | head -n1 )
    if [ -z "$uri" ]; then echo "busfuzz image: no Debian bookworm source in /etc/apt/sources.list*" >&2; exit 3; fi
    echo "deb $uri bookworm-backports main" > /etc/apt/sources.list.d/busfuzz-bookworm-backports.list
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y --no-install-recommends -t bookworm-backports valkey-server
    # The package starts a service where an init system runs; busfuzz starts its own servers.
    (service valkey-server stop || true) >/dev/null 2>&1
    version=$(valkey-server --version 2>/dev/null || true)
    case "$version" in
      *v=8.0.1*) echo "busfuzz image: $version" ;;
      *) echo "busfuzz image: expected valkey-server 8.0.1 from bookworm-backports, found: ${version:-none}" >&2; exit 3 ;;
    esac
    if ! id busfuzz >/dev/null 2>&1; then
      groupadd --gid "$BUSFUZZ_UID" busfuzz
      useradd --uid "$BUSFUZZ_UID" --gid "$BUSFUZZ_UID" --create-home --shell /usr/sbin/nologin busfuzz
    fi
    ;;
  npm)
    dir=${2:?usage: image-setup.sh npm DIR}
    cd "$dir"
    # Every package busfuzz pins is a runtime dependency in package.json (tsx runs the TypeScript;
    # vitest, biome and puppeteer-core are listed there too), so --omit=dev leaves nothing out
    # today; it keeps dev-only packages out of the image if package.json ever splits them.
    npm ci --omit=dev --no-audit --no-fund
    chmod +x bin/busfuzz.js
    ;;
  *)
    echo "usage: image-setup.sh system | npm DIR" >&2
    exit 2
    ;;
esac

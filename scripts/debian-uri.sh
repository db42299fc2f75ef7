#!/usr/bin/env bash
# Sourced by the install scripts: reads the machine's Debian archive URI from its apt sources, so
# that no registry host name is written into this repository.
# The first Debian main archive URI among the configured sources (deb822 or one-line format).
debian_uri() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk '
      /^URIs:/ { uri=$2 }
      /^Suites:/ { for (i=2;i<=NF;i++) if ($i=="bookworm") ok=1 }
      /^$/ { if (ok && uri!="") { print uri; exit } ok=0; uri="" }
      END { if (ok && uri!="") print uri }
    ' "$f"
  done | head -n1
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    awk '$1=="deb" && $3=="bookworm" { print $2; exit }' "$f"
  done | head -n1
}

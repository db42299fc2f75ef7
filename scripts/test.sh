#!/usr/bin/env bash
# The README's test command (`npm test`), and what .ci/run runs: installs valkey-server when it is
# missing (and builds valkey-server 8.1.1, exported as VALKEY_81_SERVER, and Debian's chromium for
# the browser tests), type-checks, runs Biome (lint and format check, biome.json), runs every vitest
# project (the real-process tests included), and ends with the plain line `N passed, N failed` read
# from vitest's JSON report (a failed typecheck or Biome check counts as one failure each).
# Extra arguments go to vitest (e.g. `npm test -- test/core`).
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-valkey.sh || { echo "busfuzz: could not install valkey-server (see above)"; echo "0 passed, 1 failed"; exit 3; }
# Valkey 8.1.1 for the valkey-8.1 profile's real tests: built once from Debian trixie's source
# package into /var/cache/busfuzz (about 4-5 min on 2 cores; a no-op when cached).
VALKEY_81_SERVER=$(bash scripts/install-valkey-8.1.sh) || { echo "busfuzz: could not build valkey-server 8.1.1 (see above)"; echo "0 passed, 1 failed"; exit 3; }
export VALKEY_81_SERVER
bash scripts/install-clock-shim.sh || { echo "busfuzz: could not build the clock shim (see above)"; echo "0 passed, 1 failed"; exit 3; }
bash scripts/install-chromium.sh || { echo "busfuzz: could not install chromium for the browser tests (see above)"; echo "0 passed, 1 failed"; exit 3; }

echo "== typecheck"
if ! npx tsc -p tsconfig.json; then
  typecheck_failed=1
else
  typecheck_failed=0
fi

echo "== biome (lint + format check)"
if ! npx biome check .; then
  biome_failed=1
else
  biome_failed=0
fi

echo "== vitest"
report=$(mktemp -t busfuzz-vitest-XXXXXX.json)
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@"
vitest_rc=$?

node scripts/summary.mjs "$report" "$typecheck_failed" "$biome_failed"
summary_rc=$?
rm -f "$report"
if [ "$vitest_rc" != 0 ] || [ "$summary_rc" != 0 ]; then exit 1; fi

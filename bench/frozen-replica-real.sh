#!/usr/bin/env bash
# Tries Valkey 8.0.1's frozen-replica flaw (scenarios/regressions/frozen-replica-second-primary.yaml)
# on live servers: 3 primaries x 2 replicas on loopback (node_timeout 1000), DEBUG SLEEP on a
# replica of shard 0 (a stop that lands mid-pass, as the simulator calls it), SIGKILL of that
# shard's primary shortly after, then a look at who claims to be a primary. A trial "hits" when the
# slept replica ends as a primary without slots; its log then holds "Ignore stale message" and
# "I'm a sub-replica!". It is a race (the new primary's PONG against its stale PINGs on connections
# accepted during the sleep), so it hits in some trials only.
#
#   bench/frozen-replica-real.sh [TRIALS=6] [SLEEP_S=5] [KILL_AFTER_S=0.3] [BASE_PORT=28100]
#
# The replica logs at debug level (every packet): that slows its first passes after the sleep, and
# the hits seen so far were with it (4 of 11 trials; 0 of 5 at notice level).
set -euo pipefail
TRIALS=${1:-6}; SLEEP_S=${2:-5}; KILL_AFTER_S=${3:-0.3}; BASE=${4:-28100}
command -v valkey-server >/dev/null || { echo "frozen-replica-real: valkey-server not found (install valkey-server 8.0.1)" >&2; exit 3; }
WORK=$(mktemp -d /tmp/busfuzz-frozen.XXXXXX)
cleanup() { for i in $(seq 0 8); do valkey-cli -p $((BASE + i)) shutdown nosave >/dev/null 2>&1 || true; done; }
trap cleanup EXIT
id() { valkey-cli -p "$1" cluster myid | tr -d '\r'; }
hits=0
for trial in $(seq 1 "$TRIALS"); do
  dir="$WORK/trial-$trial"
  for i in $(seq 0 8); do
    mkdir -p "$dir/n$i"
    level=notice; [ "$i" = 4 ] && level=debug
    (cd "$dir/n$i" && valkey-server --bind 127.0.0.1 --port $((BASE + i)) --cluster-enabled yes --cluster-config-file nodes.conf \
      --cluster-node-timeout 1000 --cluster-migration-barrier 999 --save '' --appendonly no --daemonize yes \
      --logfile log --loglevel $level --enable-debug-command yes)
  done
  sleep 1
  for i in $(seq 1 8); do valkey-cli -p $BASE cluster meet 127.0.0.1 $((BASE + i)) >/dev/null; done
  valkey-cli -p $BASE cluster addslotsrange 0 5460 >/dev/null
  valkey-cli -p $((BASE + 1)) cluster addslotsrange 5461 10922 >/dev/null
  valkey-cli -p $((BASE + 2)) cluster addslotsrange 10923 16383 >/dev/null
  sleep 3
  for pair in 3:0 4:0 5:1 6:1 7:2 8:2; do valkey-cli -p $((BASE + ${pair%:*})) cluster replicate "$(id $((BASE + ${pair#*:})))" >/dev/null; done
  sleep 6
  (valkey-cli -p $((BASE + 4)) debug sleep "$SLEEP_S" >/dev/null &)
  sleep "$KILL_AFTER_S"
  kill -9 "$(valkey-cli -p $BASE info server | tr -d '\r' | awk -F: '/^process_id/{print $2}')"
  sleep $((${SLEEP_S%.*} + 8))
  # A live primary that owns no slots: the slept replica after its election.
  empty=$(valkey-cli -p $((BASE + 1)) cluster nodes | awk '$3 ~ /master/ && $3 !~ /fail/ && $9 == "" {print $2}')
  if [ -n "$empty" ]; then hits=$((hits + 1)); verdict="HIT: primary without slots $empty"; else verdict="no second primary"; fi
  echo "trial $trial: $verdict; sub-replica lines in the slept replica's log: $(grep -c "sub-replica" "$dir/n4/log" || true)"
  cleanup; sleep 1
done
echo "$hits of $TRIALS trials hit; logs in $WORK"

/**
 * Bus links that 8.0.1's link watchdog cannot free because the owner's wall clock went back past
 * the link's creation (redis/redis#6416's recipe: the clock set back an hour).
 *
 * 8.0.1 clusterCron frees the outbound link to a peer whose PING has been pending for more than
 * node_timeout / 2 with no data from it meanwhile, but only when now - link->ctime > node_timeout
 * ("was not already reconnected"), and createClusterLink takes ctime from mstime(), the wall clock.
 * While a PING is pending clusterCron sends that peer no other (both the per-node ping and the
 * random one need ping_sent == 0), and only a PONG clears ping_sent. So once a PING or its PONG is
 * lost on a link whose ctime lies in the owner's future, the owner never writes to that peer again
 * until its clock has caught up with the link's creation.
 *
 * The answer is one-sided: true only when every outbound link the node can hold to the peer was
 * created at a wall reading later than the node's clock reads now. A link existing then was made
 * after the pair's last link reset (a restart of either, or an admin action naming either that may
 * free links) and, as the watchdog cannot free a link whose ctime is ahead of the clock, before the
 * node's last jump back; its ctime is at least the lowest reading of the node's clock between that
 * reset and that jump. Any jump back since the reset will do, not only the last: a link whose
 * ctime is ahead of every reading since a jump cannot have been freed by the watchdog meanwhile, so
 * a later small jump back does not hide an earlier hour (seed 232319: node-6 set back an hour at
 * 20 s, then 600 ms more at 47 s). A clock still drifting is never judged.
 */
import type { ObservedEvent } from '../events.ts';

/** Faults that leave established bus connections alone (and their `-end` events). */
const LINK_NEUTRAL = new Set([
  'clock',
  'slow',
  'latency',
  'drop',
  'partition',
  'hold',
  'release',
  'heal',
  'wait',
  'pause',
  'failover',
  'bump_epoch',
  'migrate_slots',
  'meet',
  'add_node',
]);

function resetsLinks(event: ObservedEvent, pair: readonly string[]): boolean {
  if (event.kind !== 'fault' || LINK_NEUTRAL.has(event.action) || event.action.endsWith('-end')) return false;
  return event.nodes.some((name) => pair.includes(name));
}

/** Whether `node`'s outbound link to `peer` has a ctime in `node`'s future at `atMs` (see above). */
export function linkCtimeAhead(events: readonly ObservedEvent[], node: string, peer: string, atMs: number): boolean {
  const pair = [node, peer];
  let skewMs = 0;
  let drifting = false;
  const restarting = new Set<string>();
  // Lowest reading of the clock since the last link reset.
  let lowestMs = 0;
  // Per jump back since the last reset: the lowest reading before it (a lower bound of the ctime of
  // a link that existed then) and the highest reading since. While every reading since stays below
  // that bound the watchdog cannot free the link (now - ctime is negative), so it is still there.
  let jumpsBack: Array<{ boundMs: number; highestSinceMs: number }> = [];
  for (const event of events) {
    if (event.atMs > atMs) break;
    let reset = false;
    if (event.kind === 'fault' && event.skewMs !== undefined && event.nodes.includes(node)) {
      const jumpMs = event.jumpMs ?? 0;
      if (jumpMs < 0) {
        const beforeMs = event.atMs + skewMs;
        for (const jump of jumpsBack) jump.highestSinceMs = Math.max(jump.highestSinceMs, beforeMs);
        jumpsBack.push({ boundMs: lowestMs, highestSinceMs: -Infinity });
      }
      skewMs = event.skewMs;
      lowestMs = Math.min(lowestMs, event.atMs + skewMs);
      drifting = event.action === 'clock' && event.untilMs !== undefined && event.untilMs > atMs;
    } else if (event.kind === 'node-down' && pair.includes(event.node)) {
      if (event.cause !== 'pause') restarting.add(event.node);
    } else if (event.kind === 'node-up' && restarting.has(event.node)) {
      restarting.delete(event.node);
      reset = true;
    } else reset = resetsLinks(event, pair);
    if (reset) {
      lowestMs = event.atMs + skewMs;
      jumpsBack = [];
    }
  }
  if (drifting) return false;
  const nowMs = atMs + skewMs;
  return jumpsBack.some((jump) => Math.max(jump.highestSinceMs, nowMs) < jump.boundMs);
}
